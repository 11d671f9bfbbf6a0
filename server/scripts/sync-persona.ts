import { parseArgs } from 'node:util';
import { exitOnConfigError, loadConfig } from '../config.js';
import { claimDataDir, DataDirHeldError } from '../db/data-dir-lock.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { createPersonaClient } from '../providers/persona/client.js';
import { backfillGate, rateGateFor } from '../providers/persona/rate-gate.js';
import { runSync, SyncAlreadyRunning, type SyncProgress } from '../services/persona-sync.js';
import { logLine, progressLine, summaryLine } from './sync-persona-format.js';

/**
 * `npm run sync:persona [-- --fresh] [--since 2025-01-01]`: the Persona backfill (docs/persona.md, "Backfill") —
 * every inquiry and its sessions, newest first, within the rate limit shared with the running instances. Resumes an
 * interrupted or failed run from where it stopped (--fresh starts again from the newest). Ctrl-C stops after the
 * page under way (again: at once); either way the next run resumes. Exits 0 when done, 1 when it failed or could
 * not start, 130 when interrupted, 2 on a usage mistake.
 */
const USAGE =
  'Usage: npm run sync:persona [-- --fresh] [--since YYYY-MM-DD]\n' +
  '  --fresh         start again from the newest inquiry instead of resuming an interrupted run\n' +
  '  --since DATE    only inquiries created on or after DATE (also what the ETA is estimated against)';

let args: { fresh: boolean; since: Date | null };
try {
  const { values } = parseArgs({ options: { fresh: { type: 'boolean', default: false }, since: { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const since = values.since === undefined ? null : new Date(values.since);
  if (since !== null && (Number.isNaN(since.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(values.since ?? ''))) throw new Error(`--since ${values.since}: not a date like 2025-01-31`);
  args = { fresh: values.fresh, since };
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

exitOnConfigError();
const config = loadConfig();
if (config.inquiryProvider !== 'persona' || !config.persona) {
  console.error('Nothing to sync: the provider is local (INQUIRY_PROVIDER=local). Set INQUIRY_PROVIDER=persona and the PERSONA_* settings (docs/persona.md).');
  process.exit(1);
}
const persona = config.persona;

// The embedded database belongs to one process: refuse to open it under a running server (the console's Persona
// sync page runs the same backfill inside it), and keep the server from opening it under us.
let releaseDataDir: () => void = () => undefined;
if (!config.databaseUrl) {
  try {
    releaseDataDir = claimDataDir(config.dataDir, 'sync');
  } catch (error) {
    if (!(error instanceof DataDirHeldError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: 4 } : { dataDir: config.dataDir });
const tty = process.stdout.isTTY === true;
const stop = new AbortController();
const cancel = new AbortController();
process.on('SIGINT', () => {
  if (!stop.signal.aborted) {
    stop.abort();
    process.stderr.write(`${tty ? '\n' : ''}Stopping after the page under way (Ctrl-C again to stop now); the next run resumes from there.\n`);
  } else {
    cancel.abort();
  }
});
process.on('SIGTERM', () => cancel.abort());

let latest: SyncProgress | null = null;
let lastPages = -1;
const draw = () => {
  if (!latest) return;
  if (tty) process.stdout.write(`\r\x1b[2K${progressLine(latest, new Date(), process.stdout.columns || 100)}`);
};
const redraw = tty ? setInterval(draw, 500) : null;

let exitCode = 1;
try {
  await migrate(database);
  const client = createPersonaClient({
    apiUrl: persona.apiUrl,
    apiKey: persona.apiKey,
    version: persona.version,
    timeoutMs: persona.timeoutMs,
    gate: backfillGate(rateGateFor(database, persona.rateLimitPerMinute)),
    now: () => new Date(),
    // Waits for the shared gate (other instances may be using the budget) rather than failing.
    maxGateWaitMs: 10 * 60_000,
  });
  const outcome = await runSync(
    { database, now: () => new Date() },
    { startedBy: 'cli', actor: { type: 'system', id: 'cli', display: 'npm run sync:persona' } },
    {
      client,
      fresh: args.fresh,
      since: args.since,
      signal: stop.signal,
      cancel: cancel.signal,
      onProgress: (progress) => {
        const first = latest === null;
        latest = progress;
        if (first) {
          const from = progress.resumedFrom ? `resuming ${progress.resumedFrom} (${progress.inquiries} inquiries so far)` : 'from the newest inquiry';
          process.stdout.write(`Persona sync ${progress.runId}: ${from}${progress.since ? `, back to ${progress.since.toISOString().slice(0, 10)}` : ''}\n`);
        }
        if (tty) draw();
        else if (progress.pages !== lastPages && progress.status === 'running') {
          lastPages = progress.pages;
          if (progress.pages > 0) process.stdout.write(`${logLine(progress, new Date())}\n`);
        }
      },
    },
  );
  if (redraw) clearInterval(redraw);
  process.stdout.write(`${tty ? '\n' : ''}${summaryLine(outcome)}\n`);
  exitCode = outcome.status === 'done' ? 0 : outcome.status === 'interrupted' ? 130 : 1;
} catch (error) {
  if (redraw) clearInterval(redraw);
  if (!(error instanceof SyncAlreadyRunning)) throw error;
  process.stderr.write(`${tty ? '\n' : ''}${error.message} Its progress is on the console's Persona sync page.\n`);
} finally {
  await database.close();
  releaseDataDir();
}
process.exit(exitCode);
