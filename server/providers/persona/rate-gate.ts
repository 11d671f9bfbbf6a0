import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.js';
import type { DB } from '../../db/schema.js';
import { observeGate, takeFromGate } from '../../repositories/persona-rate.js';

/**
 * Persona's rate limit (300 requests a minute per environment by default) is one budget for every console instance
 * on a database: the client asks the gate before each request and tells it what Persona's `RateLimit-*` headers
 * and 429s said. The shared gate lives in PostgreSQL (`sharedRateGate`, repositories/persona-rate.ts); `memoryRateGate`
 * is for one process (the embedded database, the fake Persona API's tests, the client's own tests). `rateGateFor`
 * picks the one a database needs.
 */
export interface RateGate {
  /** 0 when a request may go now (and it is counted); otherwise how many ms to wait before asking again. */
  take(now: Date, share?: number): Promise<number>;
  /**
   * What Persona answered: `remaining` requests left in its window, which resets in `resetSeconds`. A 429, or
   * remaining 0, closes the gate for every instance until the reset.
   */
  observe(observed: { remaining: number | null; resetSeconds: number | null; limited: boolean }, now: Date): Promise<void>;
}

/**
 * One process's gate: a fixed one-minute window, closed until Persona's reset after a 429 or `remaining: 0`, and
 * raised to what `RateLimit-Remaining` says was used when Persona counted more than this process did.
 */
export function memoryRateGate(limitPerMinute: number): RateGate {
  let windowStart = 0;
  let used = 0;
  let closedUntil = 0;
  return {
    take(now, share = 1) {
      const t = now.getTime();
      if (t < closedUntil) return Promise.resolve(closedUntil - t);
      const start = Math.floor(t / 60_000) * 60_000;
      if (start !== windowStart) {
        windowStart = start;
        used = 0;
      }
      if (used >= Math.max(1, Math.floor(limitPerMinute * share))) return Promise.resolve(start + 60_000 - t);
      used += 1;
      return Promise.resolve(0);
    },
    observe({ remaining, resetSeconds, limited }, now) {
      const t = now.getTime();
      if ((limited || remaining === 0) && resetSeconds !== null) closedUntil = Math.max(closedUntil, t + resetSeconds * 1000);
      else if (limited) closedUntil = Math.max(closedUntil, t + 1000);
      else if (remaining !== null) {
        // As sharedRateGate: what Persona says is left raises this window's count (another client of the same key).
        const start = Math.floor(t / 60_000) * 60_000;
        if (start !== windowStart) {
          windowStart = start;
          used = 0;
        }
        used = Math.max(used, Math.min(limitPerMinute, Math.max(0, limitPerMinute - remaining)));
      }
      return Promise.resolve();
    },
  };
}

/** How soon a refused take asks again when the row it read was a moment old (its window already over). */
const MIN_WAIT_MS = 50;

/**
 * The gate every instance on one PostgreSQL database shares: a row of `persona_rate_gate` counting a fixed
 * one-minute window (each take is one atomic upsert, so ten instances admit no more than the limit between them),
 * closed for everyone until Persona's `RateLimit-Reset` after a 429 or `RateLimit-Remaining: 0`, and raised to what
 * `RateLimit-Remaining` says was used when Persona counted more than the row did.
 *
 * Each take is a statement of its own on `db`, outside any transaction: the client asks before every request,
 * while the action that makes it may hold a transaction on another connection of the pool. Not for the embedded
 * database (see `rateGateFor`).
 */
export function sharedRateGate(db: Kysely<DB>, limitPerMinute: number, bucket = 'persona'): RateGate {
  // What this instance last saw counted in its window: a `RateLimit-Remaining` that says no more costs no write.
  let seen = { windowStart: 0, used: 0 };
  const windowOf = (t: number) => Math.floor(t / 60_000) * 60_000;
  return {
    async take(now, share = 1) {
      const t = now.getTime();
      const windowStart = windowOf(t);
      const taken = await takeFromGate(db, bucket, new Date(windowStart), now, Math.max(1, Math.floor(limitPerMinute * share)));
      if (taken.admitted) {
        seen = { windowStart, used: taken.used };
        return 0;
      }
      const closedUntil = taken.closedUntil?.getTime() ?? 0;
      if (closedUntil > t) return closedUntil - t;
      const windowEnd = (taken.windowStart?.getTime() ?? windowStart) + 60_000;
      return Math.max(windowEnd - t, MIN_WAIT_MS);
    },
    async observe({ remaining, resetSeconds, limited }, now) {
      const t = now.getTime();
      const windowStart = windowOf(t);
      // As memoryRateGate: closed until the reset after a 429 or remaining 0; a 429 without a reset closes for 1 s.
      const closedUntil =
        (limited || remaining === 0) && resetSeconds !== null ? new Date(t + resetSeconds * 1000) : limited ? new Date(t + 1000) : null;
      // Closed until Persona's reset says how long to wait; its count is then no business of this window (Persona's
      // window need not be ours: marking ours used up would close the gate until our minute ends, not its reset).
      const usedFloor = remaining === null || closedUntil !== null ? 0 : Math.min(limitPerMinute, Math.max(0, limitPerMinute - remaining));
      const known = seen.windowStart === windowStart ? seen.used : 0;
      if (closedUntil === null && usedFloor <= known) return;
      await observeGate(db, bucket, { windowStart: new Date(windowStart), usedFloor, closedUntil });
      seen = { windowStart, used: Math.max(known, usedFloor) };
    },
  };
}

const gates = new WeakMap<Database, RateGate>();

/**
 * The gate for a database, one per database in this process (the provider's client and the backfill's share it).
 *
 * PostgreSQL: `sharedRateGate`, counted in the database for every instance. The embedded database (PGlite)
 * belongs to one process, so an in-memory gate is the whole truth there, and it must be: PGlite is a single
 * connection, and Kysely's PGlite driver queues every statement behind an open transaction, so a gate that queried
 * the database while an action's transaction is open (the adapter calls Persona inside it) would wait for that
 * transaction, which waits for the call: a deadlock (test/server/persona-rate-gate.test.ts shows it).
 */
export function rateGateFor(database: Pick<Database, 'db' | 'kind' | 'side'>, limitPerMinute: number): RateGate {
  const key = database as Database;
  let gate = gates.get(key);
  if (!gate) {
    // On its own two connections (Database.side): every main-pool connection may be held by an action calling Persona.
    gate = database.kind === 'postgres' ? sharedRateGate(database.side?.() ?? database.db, limitPerMinute) : memoryRateGate(limitPerMinute);
    gates.set(key, gate);
  }
  return gate;
}

/**
 * The backfill's view of a gate: it may use only BACKFILL_SHARE of each window, so that agents' actions — which wait
 * for the gate 2 s at most — still find room while a long backfill runs.
 */
export const BACKFILL_SHARE = 0.75;

export function backfillGate(gate: RateGate): RateGate {
  return { take: (now) => gate.take(now, BACKFILL_SHARE), observe: (observed, now) => gate.observe(observed, now) };
}
