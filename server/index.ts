import { createServer } from 'node:http';
import { createApp } from './app.js';
import { checkpointDestinations, startCheckpointWriter } from './audit/checkpoint-writer.js';
import { bootstrapStaff } from './auth/bootstrap.js';
import { exitOnConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/index.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics/index.js';
import { createDeps } from './providers/index.js';
import { startSweeper } from './providers/local/sweeper-loop.js';
import { isEmpty, seedWorld } from './seed/world.js';
import { shutDownGracefully } from './shutdown.js';

exitOnConfigError();
const config = loadConfig(process.env, { server: true });
const log = createLogger(config.logLevel);

const database = await openDatabase(
  config.databaseUrl
    ? { databaseUrl: config.databaseUrl, statementTimeoutMs: config.limits.statementTimeoutMs, poolSize: config.databasePoolSize }
    : { dataDir: config.dataDir },
);
const applied = await migrate(database);
if (applied.length > 0) log.info({ applied }, 'migrations applied');

const seedDemo = database.kind === 'pglite' && (await isEmpty(database.db));
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
const stopSweeper = config.inquiryProvider === 'local' ? startSweeper(deps) : () => undefined;
// The audit chain's head, outside the database (AUDIT_CHECKPOINT_FILE / _WEBHOOK_URL): now, then every interval.
const checkpoints = startCheckpointWriter({
  db: database.db,
  log,
  now: deps.now,
  intervalMs: config.auditCheckpoints.intervalMs,
  destinations: checkpointDestinations(config.auditCheckpoints),
});
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
    stopBackground: stopSweeper,
    closeResources: async () => {
      // The last audit checkpoint: the head as this instance leaves it, after its last request, before the pool closes.
      await checkpoints?.close();
      deps.catalog.close();
      await database.close();
    },
    log,
  });
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
