import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { createApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { createLogger } from '../logger.js';
import { createDeps } from '../providers/index.js';
import { listVersions } from '../repositories/templates.js';

/**
 * The server the list section of `npm run bench` measures, in a process of its own (server/scripts/bench.ts starts
 * it), so that its memory is its own and the bench client's work is not counted against it. Serves the app on an
 * ephemeral port of 127.0.0.1 at the world's clock (BENCH_WORLD_NOW), tells its parent the port over IPC, and
 * closes on SIGTERM or when the parent goes away. BENCH_CATALOG_CACHE=off reads the version catalogue on every
 * request, as before the cache, for a side-by-side run (docs/performance.md, "A leaner request path").
 */
const config = loadConfig();
const databaseUrl = config.databaseUrl;
const worldNow = new Date(process.env.BENCH_WORLD_NOW ?? '');
if (!databaseUrl || Number.isNaN(worldNow.getTime()) || !process.send) {
  process.stderr.write('server/bench/list-server.ts is started by npm run bench (DATABASE_URL, BENCH_WORLD_NOW, IPC).\n');
  process.exit(2);
}
const database = await openDatabase({ databaseUrl, poolSize: 10 });
const uncached = process.env.BENCH_CATALOG_CACHE === 'off';
const deps = createDeps({
  database,
  config,
  log: createLogger('silent'),
  now: () => worldNow,
  ...(uncached ? { catalog: { versions: () => listVersions(database.db), invalidate: () => undefined, listening: () => false, close: () => undefined } } : {}),
});
const server = createServer(createApp(deps, { serveClient: false }));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send({ port: (server.address() as AddressInfo).port });

let closing = false;
async function close() {
  if (closing) return;
  closing = true;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  deps.catalog.close();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void close());
// The parent asks where the memory went (docs/performance.md): V8's heap, Buffers and the rest.
process.on('message', (message) => {
  if (message === 'memory') {
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name, space.space_size]));
    process.send?.({ memory: { ...process.memoryUsage(), ...spaces } });
  }
});
process.on('disconnect', () => void close());
