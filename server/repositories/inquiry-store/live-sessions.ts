import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../executor.js';

/**
 * What "a live session" means, written once. A session is *open* while it is neither expired nor revoked, and
 * *live at t* while it is open and its own expiry is after t (the sweep marks overdue sessions expired later).
 *
 * `inquiries.live_session_until` (migrations/0007) is the latest `expires_at` among the inquiry's open sessions,
 * null when there is none: the inquiry has a live session at t exactly when it is > t. The store keeps it: a new
 * session raises it in the same UPDATE that writes the session (`raiseLiveSessionUntil`), and whatever expires or
 * revokes sessions recomputes it (`refreshLiveSessionUntil`). Nothing outside the store writes sessions.
 */

/** The session row `alias` is neither expired nor revoked. */
export function sessionOpen(alias: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(`${alias}.expired_at`)} is null and ${sql.ref(`${alias}.revoked_at`)} is null`;
}

/** The session row `alias` is live at `now`: open and not past its own expiry. */
export function sessionLiveAt(alias: string, now: Date): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sessionOpen(alias)} and ${sql.ref(`${alias}.expires_at`)} > ${now}`;
}

/** How many live sessions the inquiry row `inquiryAlias` has at `now`, as a scalar subquery. */
export function liveSessionCount(inquiryAlias: string, now: Date): RawBuilder<number> {
  return sql<number>`(select count(*) from inquiry_sessions s where s.inquiry_id = ${sql.ref(`${inquiryAlias}.id`)} and ${sessionLiveAt('s', now)})::int`;
}

/** The inquiry row `inquiryAlias` has no live session at `at` (read from live_session_until, no session lookup). */
export function noLiveSessionAt(inquiryAlias: string, at: Date): RawBuilder<SqlBool> {
  const until = sql.ref(`${inquiryAlias}.live_session_until`);
  return sql<SqlBool>`(${until} is null or ${until} <= ${at})`;
}

/** The SET clause a new session expiring at `expiresAt` adds to its inquiry's UPDATE. */
export function raiseLiveSessionUntil(expiresAt: Date): RawBuilder<unknown> {
  return sql`live_session_until = greatest(live_session_until, ${expiresAt}::timestamptz)`;
}

/**
 * Recomputes the column from the sessions, after sessions of these inquiries (or, with 'all', of any: a bulk load)
 * were expired or revoked. Leaves rows whose value is unchanged alone.
 */
export async function refreshLiveSessionUntil(db: Executor, inquiryIds: readonly string[] | 'all'): Promise<void> {
  if (inquiryIds === 'all') {
    await sql`update inquiries i set live_session_until = live.until
      from (select inquiry_id, max(expires_at) as until from inquiry_sessions s
            where ${sessionOpen('s')} group by inquiry_id) live
      where i.id = live.inquiry_id and i.live_session_until is distinct from live.until`.execute(db);
    await sql`update inquiries i set live_session_until = null
      where i.live_session_until is not null and not exists (select 1 from inquiry_sessions s
        where s.inquiry_id = i.id and ${sessionOpen('s')})`.execute(db);
    return;
  }
  if (inquiryIds.length === 0) return;
  await sql`update inquiries i set live_session_until = live.until
    from (select q.id, (select max(s.expires_at) from inquiry_sessions s
            where s.inquiry_id = q.id and ${sessionOpen('s')}) as until
          from inquiries q where q.id in (${sql.join(inquiryIds)})) live
    where i.id = live.id and i.live_session_until is distinct from live.until`.execute(db);
}
