import { createServer } from 'node:http';
import { createApp } from './app.js';
import { checkpointDestinations, startCheckpointWriter } from './audit/checkpoint-writer.js';
import { bootstrapStaff } from './auth/bootstrap.js';
import { exitOnConfigError, loadConfig } from './config.js';
import { claimDataDir } from './db/data-dir-lock.js';
import { openDatabase } from './db/index.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics/index.js';
import { createDeps } from './providers/index.js';
import { startSweeper } from './providers/local/sweeper-loop.js';
import { isEmpty, seedWorld } from './seed/world.js';
import { startInboxApplier } from './services/persona-inbox.js';
import { startSyncWhenFree, stopSyncJobs } from './services/persona-sync-jobs.js';
import { stopBulkRevocations } from './services/access-revoke.js';
import { shutDownGracefully } from './shutdown.js';

exitOnConfigError();
const config = loadConfig(process.env, { server: true });
const log = createLogger(config.logLevel);
// The embedded database belongs to one process: a lock file in DATA_DIR names it (npm run sync:persona checks it).
const releaseDataDir = config.databaseUrl ? () => undefined : claimDataDir(config.dataDir, 'server');

const database = await openDatabase(
  config.databaseUrl
    ? { databaseUrl: config.databaseUrl, statementTimeoutMs: config.limits.statementTimeoutMs, poolSize: config.databasePoolSize }
    : { dataDir: config.dataDir },
);
const applied = await migrate(database);
if (applied.length > 0) log.info({ applied }, 'migrations applied');

const seedDemo = database.kind === 'pglite' && config.inquiryProvider === 'local' && (await isEmpty(database.db));
if (seedDemo) {
  log.info({ inquiries: config.seedInquiries }, 'empty embedded database: seeding demo data');
  const summary = await seedWorld(database, { inquiries: config.seedInquiries, seed: 1 });
  log.info(summary, 'demo data seeded');
}
// ADMIN_EMAIL's account, and the demo staff for a new demo database; one-time passwords are printed below, once.
const staffNotice = await bootstrapStaff(database.db, config, { demo: seedDemo });

// Fails at start-up, not at the first resume, when the provider cannot be built (e.g. INQUIRY_PROVIDER=persona).
// The server process also reports Node's own metrics (CPU, memory, event loop lag) at /metrics.
const deps = createDeps({ database, config, log, now: () => new Date(), metrics: createMetrics(database, { processMetrics: true }) });
await deps.provider.ready();
// The expiry sweep and the guard-state housekeeping (rate windows, idempotency records, token link requests) run
// over either provider: with Persona the sweep marks what Persona's documented expiry has passed, and Persona's own
// webhook events, newer, still win (the mirror's ordering rule).
const stopSweeper = startSweeper(deps);
// Persona's webhook events, stored by POST /webhooks/persona, applied to the mirror (and what a crash left, now).
const inbox = config.inquiryProvider === 'persona' ? startInboxApplier(deps) : null;
// The audit chain's head, outside the database (AUDIT_CHECKPOINT_FILE / _WEBHOOK_URL): now, then every interval.
const checkpoints = startCheckpointWriter({
  db: database.db,
  log,
  now: deps.now,
  intervalMs: config.auditCheckpoints.intervalMs,
  destinations: checkpointDestinations(config.auditCheckpoints),
});
// Persona with no inquiry mirrored yet: the backfill starts by itself (an admin watches it on the Persona sync page).
// A run marked running elsewhere (maybe a crashed process's) is asked about again once its heartbeat would be stale.
const stopSyncStarter = config.inquiryProvider === 'persona' ? startSyncWhenFree(deps) : () => undefined;
const app = createApp(deps);
const server = createServer(app);

server.listen(config.port, () => {
  const where = database.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
  // Printed plainly (not as JSON) for the person who just typed npm start.
  process.stdout.write(`\nInquiry Desk is running at ${config.publicUrl}  (${where})\n${staffNotice.map((line) => `  ${line}\n`).join('')}\n`);
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  log.info({ signal, graceMs: config.limits.shutdownGraceMs }, 'shutting down: finishing requests in flight');
  await shutDownGracefully({
    server,
    graceMs: config.limits.shutdownGraceMs,
    stopBackground: () => {
      stopSweeper();
      inbox?.();
    },
    closeResources: async () => {
      // The event being applied finishes before the pool closes (the rest waits in the inbox for the next start).
      await inbox?.drained();
      // Bulk revocations carried on in the background stop after their batch in flight (recorded interrupted).
      await stopBulkRevocations();
      // A backfill running here stops at once (interrupted: the next start resumes it), and none is started now.
      stopSyncStarter();
      await stopSyncJobs(database);
      // The last audit checkpoint: the head as this instance leaves it, after its last request, before the pool closes.
      await checkpoints?.close();
      deps.catalog.close();
      await database.close();
      releaseDataDir();
    },
    log,
  });
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
