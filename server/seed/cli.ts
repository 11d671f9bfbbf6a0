import { parseArgs } from 'node:util';
import type { Database } from '../db/index.js';
import { MAX_SEED_INQUIRIES, SeedRefusedError, isEmpty, resetWorld, seedWorld, validateSeedOptions, type SeedSummary } from './world.js';

/** `npm run seed` and `npm run bench` share these: argument parsing and the refuse-unless-reset rule. */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const SEED_USAGE = `Usage: npm run seed -- --inquiries N [--seed S] [--reset]

  --inquiries N   how many inquiries to generate (0 to ${MAX_SEED_INQUIRIES.toLocaleString('en-US')}; 1_000_000 and 1,000,000 are fine)
  --seed S        world seed (default 1): the same seed gives the same data
  --reset         empty the inquiry store first (templates, customers, inquiries, their sessions and events,
                  and tables that reference them, e.g. access links); staff and the audit log are kept

Uses DATABASE_URL when set, otherwise the embedded database in DATA_DIR (stop the server first).`;

/** A whole number, allowing 1_000_000 and 1,000,000. */
export function parseCount(name: string, raw: string | undefined, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const text = raw?.trim().replace(/[_,]/g, '') ?? '';
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(raw ?? '')}`);
  const value = Number(text);
  if (value < min || value > max) {
    throw new UsageError(`--${name} must be between ${min.toLocaleString('en-US')} and ${max.toLocaleString('en-US')}, got ${value.toLocaleString('en-US')}`);
  }
  return value;
}

export interface SeedArgs {
  inquiries: number;
  seed: number;
  reset: boolean;
}

export function parseSeedArgs(argv: string[]): SeedArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        inquiries: { type: 'string' },
        seed: { type: 'string' },
        reset: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  if (values.inquiries === undefined) throw new UsageError('--inquiries N is required');
  return {
    inquiries: parseCount('inquiries', values.inquiries, { max: MAX_SEED_INQUIRIES }),
    seed: values.seed === undefined ? 1 : parseCount('seed', values.seed, { max: 2 ** 31 - 1 }),
    reset: values.reset,
  };
}

export interface SeedRun {
  summary: SeedSummary;
  /** Tables emptied by --reset (none without it). */
  truncated: string[];
  elapsedMs: number;
}

/**
 * Seeds a migrated database: refuses one that already holds data unless `reset`, which empties the inquiry
 * store first. Throws SeedRefusedError when refusing.
 */
export async function runSeed(
  database: Database,
  args: SeedArgs,
  options: { now?: Date; onStep?: (step: string, ms: number) => void } = {},
): Promise<SeedRun> {
  const seedOptions = { inquiries: args.inquiries, seed: args.seed, ...options };
  validateSeedOptions(seedOptions);
  const started = performance.now();
  let truncated: string[] = [];
  if (!(await isEmpty(database.db))) {
    if (!args.reset) {
      throw new SeedRefusedError('The database already holds templates and inquiries. Run again with --reset to replace them.');
    }
    truncated = await resetWorld(database.db);
  }
  const summary = await seedWorld(database, seedOptions);
  return { summary, truncated, elapsedMs: performance.now() - started };
}

/** The summary as aligned `name  value` lines. */
export function formatSummary(summary: SeedSummary): string {
  const width = Math.max(...Object.keys(summary).map((k) => k.length));
  return Object.entries(summary)
    .map(([name, value]) => `  ${name.padEnd(width)}  ${value.toLocaleString('en-US').padStart(12)}`)
    .join('\n');
}
