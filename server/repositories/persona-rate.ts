import { sql, type Kysely } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB } from '../db/schema.js';

/**
 * Persona's rate limit as one row per budget (migrations/0026), shared by every instance on the database
 * (providers/persona/rate-gate.ts: `sharedRateGate`). Each statement is one atomic upsert, so requests from any
 * number of instances add up exactly: a take that would pass the limit, or arrive while the gate is closed, changes
 * nothing.
 */

export interface GateTake {
  /** The request may go now; it is counted. */
  admitted: boolean;
  /** The row as this statement saw it (after its own count when admitted); null before the first take. */
  windowStart: Date | null;
  used: number;
  closedUntil: Date | null;
}

/**
 * Counts one request in the window starting at `windowStart`, unless the window already holds `limit` or the gate
 * is closed at `now`. A newer window replaces an older one; a take stamped with an older window (a clock behind the
 * others) counts in the newer one. What a refused take reads beside the upsert is the statement's snapshot, which
 * may be a moment old: the caller only uses it to decide how long to wait before asking again.
 */
export async function takeFromGate(db: Kysely<DB>, bucket: string, windowStart: Date, now: Date, limit: number): Promise<GateTake> {
  const result = await prepared(sql<{ admitted_used: number | null; window_start: Date | null; used: number | null; closed_until: Date | null }>`
    with taken as (
      insert into persona_rate_gate as g (bucket, window_start, used) values (${bucket}, ${windowStart}, 1)
      on conflict (bucket) do update set
        used = case when g.window_start < excluded.window_start then 1 else g.used + 1 end,
        window_start = greatest(g.window_start, excluded.window_start)
      where (g.closed_until is null or g.closed_until <= ${now}::timestamptz)
        and (g.window_start < excluded.window_start or g.used < ${limit}::int)
      returning used
    )
    select (select used from taken) as admitted_used, g.window_start, g.used, g.closed_until
    from (select 1) as one left join persona_rate_gate g on g.bucket = ${bucket}`).execute(db);
  const row = result.rows[0];
  if (row?.admitted_used != null) return { admitted: true, windowStart: null, used: row.admitted_used, closedUntil: null };
  return { admitted: false, windowStart: row?.window_start ?? null, used: row?.used ?? 0, closedUntil: row?.closed_until ?? null };
}

/**
 * What Persona's answer said: the gate closed until `closedUntil` (later closings win), and at least `usedFloor`
 * requests used in the window starting at `windowStart` (Persona counts requests this database never saw, e.g. from
 * another application on the same environment).
 */
export async function observeGate(
  db: Kysely<DB>,
  bucket: string,
  observed: { windowStart: Date; usedFloor: number; closedUntil: Date | null },
): Promise<void> {
  await prepared(sql`
    insert into persona_rate_gate as g (bucket, window_start, used, closed_until)
    values (${bucket}, ${observed.windowStart}, ${observed.usedFloor}::int, ${observed.closedUntil}::timestamptz)
    on conflict (bucket) do update set
      used = case
        when g.window_start < excluded.window_start then excluded.used
        when g.window_start = excluded.window_start then greatest(g.used, excluded.used)
        else g.used end,
      window_start = greatest(g.window_start, excluded.window_start),
      closed_until = case
        when excluded.closed_until is null then g.closed_until
        else greatest(coalesce(g.closed_until, excluded.closed_until), excluded.closed_until) end`).execute(db);
}
