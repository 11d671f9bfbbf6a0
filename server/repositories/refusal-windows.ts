import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/** One refusal counted in its kind's window (see countRefusal). */
export interface CountedRefusal {
  /** Refusals of this key in the current window, this one included. */
  hits: number;
  /** Refusals of the previous window that were over its limit (not recorded); meaningful when `hits` is 1. */
  carried: number;
}

/**
 * Counts one refusal of `key` in a fixed window of `windowMs` that opens with the first refusal after the last
 * window closed (migrations/0021). The row lock of the upsert makes concurrent refusals of one key take turns, so
 * exactly the first `limit` of a window see `hits <= limit`. Opening a new window carries over how many of the
 * previous one were over the limit.
 */
export async function countRefusal(trx: Transaction<DB>, key: string, now: Date, windowMs: number, limit: number): Promise<CountedRefusal> {
  const closedBy = new Date(now.getTime() - windowMs);
  const result = await sql<CountedRefusal>`
    insert into audit_refusal_windows as w (key, window_start, hits, carried)
    values (${key}, ${now}::timestamptz, 1, 0)
    on conflict (key) do update set
      carried = case when w.window_start <= ${closedBy}::timestamptz then greatest(w.hits - ${limit}::int, 0) else w.carried end,
      hits = case when w.window_start <= ${closedBy}::timestamptz then 1 else w.hits + 1 end,
      window_start = case when w.window_start <= ${closedBy}::timestamptz then ${now}::timestamptz else w.window_start end
    returning hits, carried`.execute(trx);
  const row = result.rows[0];
  return { hits: row?.hits ?? 1, carried: row?.carried ?? 0 };
}
