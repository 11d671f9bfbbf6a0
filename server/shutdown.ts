import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';

export interface ShutdownOptions {
  server: Server;
  /** How long requests in flight may take to finish (ms); then their connections are cut. */
  graceMs: number;
  /** Stop background work (the sweeper) at once. */
  stopBackground: () => void;
  /** After the last request: write what must survive (the last audit checkpoint), close the pool. */
  closeResources: () => Promise<void>;
  log: Logger;
}

/**
 * Graceful shutdown: stop accepting connections, let requests in flight finish within the grace period (idle
 * keep-alive connections close at once), then close the database. Resolves when everything is closed; the
 * caller exits. Returns how many connections had to be cut.
 */
export async function shutDownGracefully({ server, graceMs, stopBackground, closeResources, log }: ShutdownOptions): Promise<{ cut: boolean }> {
  stopBackground();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections would otherwise hold server.close() open until their timeout: a request arriving on one
  // is answered with `Connection: close`, and connections are closed as soon as they fall idle (a request in flight
  // when shutdown began leaves its connection idle the moment it is answered).
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  server.closeIdleConnections();
  const sweepIdle = setInterval(() => server.closeIdleConnections(), 50);
  void closed.then(() => clearInterval(sweepIdle));
  let cut = false;
  const deadline = new Promise<void>((resolve) => {
    setTimeout(() => {
      cut = true;
      resolve();
    }, graceMs).unref();
  });
  await Promise.race([closed, deadline]);
  if (cut) {
    log.warn({ graceMs }, 'shutdown: requests still running after the grace period, cutting their connections');
    server.closeAllConnections();
    await closed;
  }
  clearInterval(sweepIdle);
  await closeResources();
  log.info('shutdown complete');
  return { cut };
}
