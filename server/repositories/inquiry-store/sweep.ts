import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { refreshLiveSessionUntil, sessionOpen } from './live-sessions.js';

/** The expiry sweep's statements (the loop and its lock are providers/local/sweeper.ts). */

/** A transaction-scoped advisory lock, if free: false when another instance holds it. */
export async function tryJobLock(trx: Transaction<DB>, key: number): Promise<boolean> {
  const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${key}) as locked`.execute(trx);
  return lock.rows[0]?.locked === true;
}

/**
 * Up to `limit` overdue created/pending inquiries become expired as of their own expiry, with a timeline entry,
 * and their open sessions end with them. One statement; rows another transaction holds are skipped.
 */
export async function expireOverdueInquiries(trx: Transaction<DB>, now: Date, limit: number): Promise<number> {
  const result = await sql<{ n: number }>`
    with due as (
      select id from inquiries
      where status in ('created', 'pending') and expires_at <= ${now}
      order by expires_at limit ${limit} for update skip locked
    ), expired as (
      -- The statement expires every open session of these inquiries (below): none is left.
      update inquiries i set status = 'expired', expired_at = i.expires_at, updated_at = ${now}, live_session_until = null
      from due where i.id = due.id
      returning i.id, i.expires_at
    ), events as (
      insert into inquiry_events (inquiry_id, occurred_at, kind, detail)
      select id, expires_at, 'expired', '{"by":"expiry sweep"}'::jsonb from expired
    ), sessions as (
      update inquiry_sessions s set expired_at = least(s.expires_at, expired.expires_at)
      from expired where s.inquiry_id = expired.id and ${sessionOpen('s')}
    )
    select count(*)::int as n from expired`.execute(trx);
  return result.rows[0]?.n ?? 0;
}

/** Up to `limit` open sessions past their own expiry are marked expired as of it; keeps live_session_until. */
export async function expireDueSessions(trx: Transaction<DB>, now: Date, limit: number): Promise<number> {
  const result = await sql<{ n: number; inquiry_ids: string[] }>`
    with due as (
      select id from inquiry_sessions s
      where ${sessionOpen('s')} and s.expires_at <= ${now}
      limit ${limit} for update skip locked
    ), expired as (
      update inquiry_sessions s set expired_at = s.expires_at from due where s.id = due.id returning s.id, s.inquiry_id
    )
    select count(*)::int as n, coalesce(array_agg(distinct inquiry_id), '{}') as inquiry_ids from expired`.execute(trx);
  await refreshLiveSessionUntil(trx, result.rows[0]?.inquiry_ids ?? []);
  return result.rows[0]?.n ?? 0;
}

/**
 * Up to `limit` links past their own expiry, not revoked, are marked expired as of it (migrations/0027). The mark
 * says what expires_at already says (a link is expired once marked or past its expiry); it keeps spent links out of
 * the access report's open-link walks. Found along access_links_due_idx, an index on the expiry as UTC wall time
 * that only this statement uses (the migration says why).
 */
export async function markDueLinksExpired(trx: Transaction<DB>, now: Date, limit: number): Promise<number> {
  const result = await sql`
    update access_links l set expired_at = l.expires_at
    from (select id from access_links
          where revoked_at is null and expired_at is null
            and (expires_at at time zone 'UTC') <= (${now}::timestamptz at time zone 'UTC')
          limit ${limit} for update skip locked) due
    where l.id = due.id`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}
