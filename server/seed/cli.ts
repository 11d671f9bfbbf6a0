import { parseArgs } from 'node:util';
import { DEMO_STAFF, ensureDemoStaff } from '../auth/bootstrap.js';
import { generateOneTimePassword } from '../auth/passwords.js';
import { ConfigError } from '../config.js';
import type { Database, DatabaseKind } from '../db/index.js';
import { MAX_SEED_INQUIRIES, SeedRefusedError, isEmpty, resetWorld, seedWorld, validateSeedOptions, type SeedSummary } from './world.js';

/** `npm run seed` and `npm run bench` share these: argument parsing and the refuse-unless-reset rule. */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const SEED_USAGE = `Usage: npm run seed -- --inquiries N [--seed S] [--reset] [--demo-staff]
       npm run seed -- --demo-staff

  --inquiries N   how many inquiries to generate (0 to ${MAX_SEED_INQUIRIES.toLocaleString('en-US')}; 1_000_000 and 1,000,000 are fine)
  --seed S        world seed (default 1): the same seed gives the same data
  --reset         empty the inquiry store first (templates, customers, inquiries, their sessions and events,
                  and tables that reference them, e.g. access links); staff and the audit log are kept
  --demo-staff    create the five demo sign-ins (admin@demo.test, support@, compliance@, manager@, viewer@demo.test)
                  with the password in DEMO_PASSWORD (required with DATABASE_URL); accounts that exist are left as
                  they are. For trying the console out: never on a production database

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

/** What `runSeed` generates. */
export interface WorldArgs {
  inquiries: number;
  seed: number;
  reset: boolean;
}

export interface SeedArgs extends Omit<WorldArgs, 'inquiries'> {
  /** null: no world to generate (`--demo-staff` alone). */
  inquiries: number | null;
  demoStaff: boolean;
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
        'demo-staff': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const demoStaff = values['demo-staff'];
  if (values.inquiries === undefined) {
    if (!demoStaff) throw new UsageError('--inquiries N (or --demo-staff) is required');
    if (values.seed !== undefined || values.reset) throw new UsageError('--seed and --reset need --inquiries N');
  }
  return {
    inquiries: values.inquiries === undefined ? null : parseCount('inquiries', values.inquiries, { max: MAX_SEED_INQUIRIES }),
    seed: values.seed === undefined ? 1 : parseCount('seed', values.seed, { max: 2 ** 31 - 1 }),
    reset: values.reset,
    demoStaff,
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
  args: WorldArgs,
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

/**
 * `--demo-staff` on a server database needs DEMO_PASSWORD: nobody should have to fish a generated password for
 * shared accounts out of a deployment's output. The embedded database may generate one, as `npm start` does.
 */
export function requireDemoPassword(kind: DatabaseKind, password: string | undefined): void {
  if (kind === 'postgres' && password === undefined) {
    throw new ConfigError('Invalid configuration: DEMO_PASSWORD: required with --demo-staff on a server database (DATABASE_URL): the password the demo staff will sign in with, at least 8 characters');
  }
}

export interface DemoStaffRun {
  /** Emails created now. */
  created: string[];
  /** Demo emails that already had an account, left as it was (role, password, disabled or not). */
  existing: string[];
  /** The password generated for the accounts created now (embedded database without DEMO_PASSWORD), else null. */
  generatedPassword: string | null;
}

/** Creates the demo staff that do not exist yet (audited as the system, like at start-up). Idempotent. */
export async function seedDemoStaff(database: Database, password: string | undefined, now: Date = new Date()): Promise<DemoStaffRun> {
  requireDemoPassword(database.kind, password);
  const generated = password === undefined ? generateOneTimePassword() : null;
  const created = await ensureDemoStaff(database.db, password ?? generated ?? '', now);
  const existing = DEMO_STAFF.map((d) => d.email).filter((email) => !created.includes(email));
  return { created, existing, generatedPassword: created.length > 0 ? generated : null };
}

/** What `--demo-staff` did, for the terminal: who was created, with which password, and who was left alone. */
export function formatDemoStaff(run: DemoStaffRun): string {
  const lines: string[] = [];
  if (run.created.length > 0) {
    lines.push(`Demo staff created: ${run.created.join(', ')}`);
    lines.push(run.generatedPassword ? `Password (generated, shown once; set DEMO_PASSWORD to choose it): ${run.generatedPassword}` : 'Password: the DEMO_PASSWORD you set.');
  }
  if (run.existing.length > 0) {
    lines.push(`${run.created.length > 0 ? 'Already there' : 'The demo staff already exist'}, left as they are (password unchanged): ${run.existing.join(', ')}`);
  }
  return lines.join('\n');
}

/** The summary as aligned `name  value` lines. */
export function formatSummary(summary: SeedSummary): string {
  const width = Math.max(...Object.keys(summary).map((k) => k.length));
  return Object.entries(summary)
    .map(([name, value]) => `  ${name.padEnd(width)}  ${value.toLocaleString('en-US').padStart(12)}`)
    .join('\n');
}
