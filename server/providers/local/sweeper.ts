import { sql } from 'kysely';
import { refreshLiveSessionUntil, type Executor } from '../../repositories/inquiries.js';

// Shared by every instance on one database: only the holder of this lock sweeps.
const SWEEP_LOCK_KEY = 7_421_902;
const BATCH = 1000;

export interface SweepResult {
  /** False when another instance held the lock and this one did nothing. */
  ran: boolean;
  inquiriesExpired: number;
  sessionsExpired: number;
}

/**
 * Moves overdue `created`/`pending` inquiries to `expired` (with a timeline event, and expiring their live
 * sessions), and expires live sessions whose own expiry has passed. Batched, one transaction per batch, each
 * holding a transaction-scoped advisory lock so that two instances never sweep at once.
 */
export async function sweepExpired(db: Executor, now: Date): Promise<SweepResult> {
  const total: SweepResult = { ran: false, inquiriesExpired: 0, sessionsExpired: 0 };
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const lock = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${SWEEP_LOCK_KEY}) as locked`.execute(trx);
      if (!lock.rows[0]?.locked) return null;
      const inquiries = await sql<{ n: number }>`
        with due as (
          select id from inquiries
          where status in ('created', 'pending') and expires_at <= ${now}
          order by expires_at limit ${BATCH} for update skip locked
        ), expired as (
          -- The statement expires every live session of these inquiries (below): none is left.
          update inquiries i set status = 'expired', expired_at = i.expires_at, updated_at = ${now}, live_session_until = null
          from due where i.id = due.id
          returning i.id, i.expires_at
        ), events as (
          insert into inquiry_events (inquiry_id, occurred_at, kind, detail)
          select id, expires_at, 'expired', '{"by":"expiry sweep"}'::jsonb from expired
        ), sessions as (
          update inquiry_sessions s set expired_at = least(s.expires_at, expired.expires_at)
          from expired where s.inquiry_id = expired.id and s.expired_at is null and s.revoked_at is null
        )
        select count(*)::int as n from expired`.execute(trx);
      const sessions = await sql<{ n: number; inquiry_ids: string[] }>`
        with due as (
          select id from inquiry_sessions
          where expired_at is null and revoked_at is null and expires_at <= ${now}
          limit ${BATCH} for update skip locked
        ), expired as (
          update inquiry_sessions s set expired_at = s.expires_at from due where s.id = due.id returning s.id, s.inquiry_id
        )
        select count(*)::int as n, coalesce(array_agg(distinct inquiry_id), '{}') as inquiry_ids from expired`.execute(trx);
      await refreshLiveSessionUntil(trx, sessions.rows[0]?.inquiry_ids ?? []);
      return { inquiries: inquiries.rows[0]?.n ?? 0, sessions: sessions.rows[0]?.n ?? 0 };
    });
    if (!batch) return total;
    total.ran = true;
    total.inquiriesExpired += batch.inquiries;
    total.sessionsExpired += batch.sessions;
    if (batch.inquiries < BATCH && batch.sessions < BATCH) return total;
  }
}
