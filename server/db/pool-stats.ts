import { performance } from 'node:perf_hooks';
import type { PostgresPool } from 'kysely';
import type pg from 'pg';

/** A server database's connection pool as /metrics reports it (server/metrics): read at scrape time. */
export interface PoolStats {
  /** The most connections the pool opens (`max`). */
  max: number;
  /** Connections open now, in use or idle. */
  total: number;
  idle: number;
  /** Requests queued for a connection right now. */
  waiting: number;
  /** Connections handed out since start, the seconds spent waiting for them, and hand-outs that failed (timeout). */
  acquired: number;
  acquireWaitSeconds: number;
  acquireFailures: number;
}

/** A pool not opened yet: `max` connections at most, none open, nothing counted. */
export function unopenedPoolStats(max: number): PoolStats {
  return { max, total: 0, idle: 0, waiting: 0, acquired: 0, acquireWaitSeconds: 0, acquireFailures: 0 };
}

/**
 * Wraps the pool Kysely checks connections out of, counting each check-out and how long it waited: two additions
 * and a clock read per transaction, nothing per statement.
 */
export function measuredPool(pool: pg.Pool, inner: PostgresPool): { pool: PostgresPool; stats: () => PoolStats } {
  let acquired = 0;
  let acquireWaitSeconds = 0;
  let acquireFailures = 0;
  return {
    pool: {
      async connect() {
        const started = performance.now();
        try {
          const client = await inner.connect();
          acquired += 1;
          return client;
        } catch (error) {
          acquireFailures += 1;
          throw error;
        } finally {
          acquireWaitSeconds += (performance.now() - started) / 1000;
        }
      },
      end: () => inner.end(),
    },
    stats: () => ({
      max: pool.options.max ?? 10,
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      acquired,
      acquireWaitSeconds,
      acquireFailures,
    }),
  };
}
