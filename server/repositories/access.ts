import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB, AccessLinkRow } from '../db/schema.js';

interface ActionFactsRow {
  id: string;
  status: string;
  template_id: string;
  version_number: number;
  latest_version_number: number;
  expires_at: Date;
  reference_id: string | null;
  customer_id: string | null;
  account_id: string | null;
  fields: Record<string, unknown>;
  after_resume_minutes: number | null;
  one_time_link_minutes: number | null;
  live: number;
  reusable: number;
  successor_id: string | null;
}

/** One statement: the inquiry, its policy, its sessions' counts and its successor. */
async function actionFacts(db: Kysely<DB>, id: string, now: Date) {
  const result = await sql<ActionFactsRow>`
    select i.id, i.status, i.template_id, i.version_number, t.latest_version_number, i.expires_at, i.reference_id,
      i.customer_id, i.account_id, i.fields, p.after_resume_minutes, p.one_time_link_minutes,
      (select count(*)::int from inquiry_sessions s where s.inquiry_id = i.id
        and s.expired_at is null and s.revoked_at is null and s.expires_at > ${now}) as live,
      (select count(*)::int from inquiry_sessions s where s.inquiry_id = i.id
        and s.expired_at is null and s.revoked_at is null and s.expires_at > ${now} and s.started_at is null
        and not exists (select 1 from access_links l where l.session_id = s.id)) as reusable,
      (select succ.id from inquiries succ where succ.predecessor_id = i.id) as successor_id
    from inquiries i
    join templates t on t.id = i.template_id
    left join lateral (select after_resume_minutes, one_time_link_minutes from policy_revisions
      where template_id = i.template_id order by id desc limit 1) p on true
    where i.id = ${id}`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const { live, reusable, successor_id, ...inquiry } = row;
  return { ...inquiry, liveSessionCount: live, hasReusableSession: reusable > 0, successorId: successor_id };
}

/**
 * The inquiry and everything the guards need, with the inquiry row locked for the rest of the transaction.
 * The lock is taken by a statement of its own: under READ COMMITTED a statement that waited for the lock still
 * reads through the snapshot it started with, so facts read in the same statement (its successor, its
 * sessions) would miss what the transaction it waited for had just committed. The next statement sees it.
 */
export async function lockInquiryForAction(trx: Transaction<DB>, id: string, now: Date) {
  const locked = await trx.selectFrom('inquiries').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  if (!locked) return undefined;
  return actionFacts(trx, id, now);
}

/** The same facts without a lock, for showing the guards' verdicts. */
export function readInquiryForActions(db: Kysely<DB>, id: string, now: Date) {
  return actionFacts(db, id, now);
}

/** Serialises everything keyed by `name` (a staff member's budget, one idempotency key) until commit. */
export async function lockName(trx: Transaction<DB>, name: string) {
  await sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`.execute(trx);
}

/** Rows per bucket inside each bucket's window, and the oldest of them (when the window frees up). */
export async function countRateEvents(db: Kysely<DB>, windows: { bucket: string; since: Date }[]) {
  const result = await sql<{ bucket: string; n: number; oldest: Date }>`
    select bucket, count(*)::int as n, min(occurred_at) as oldest from rate_limit_events
    where ${sql.join(windows.map((w) => sql`(bucket = ${w.bucket} and occurred_at > ${w.since})`), sql` or `)}
    group by bucket`.execute(db);
  return new Map(result.rows.map((r) => [r.bucket, { count: r.n, oldest: r.oldest }]));
}

export async function recordRateEvent(trx: Transaction<DB>, buckets: string[], at: Date) {
  await trx.insertInto('rate_limit_events').values(buckets.map((bucket) => ({ bucket, occurred_at: at }))).execute();
}

export function findIdempotent(trx: Transaction<DB>, scope: string, key: string) {
  return trx.selectFrom('idempotency_keys').select(['request_hash', 'result']).where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

export async function saveIdempotent(trx: Transaction<DB>, row: { scope: string; key: string; request_hash: string; result: unknown; created_at: Date }) {
  await trx.insertInto('idempotency_keys').values({ ...row, result: JSON.stringify(row.result) }).execute();
}

export async function insertLink(trx: Transaction<DB>, link: Omit<AccessLinkRow, 'first_used_at' | 'last_used_at' | 'use_count' | 'revoked_at' | 'revoked_by'>) {
  await trx.insertInto('access_links').values(link).execute();
}

export function lockLink(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('access_links').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function markLinkRevoked(trx: Transaction<DB>, id: string, now: Date, by: string) {
  await trx.updateTable('access_links').set({ revoked_at: now, revoked_by: by }).where('id', '=', id).execute();
}

export function listLinks(db: Kysely<DB>, inquiryId: string) {
  return db.selectFrom('access_links').selectAll().where('inquiry_id', '=', inquiryId).orderBy('created_at', 'desc').limit(100).execute();
}

export function listLiveSessionIds(trx: Transaction<DB>, inquiryId: string, now: Date, issuedById: string | null) {
  let q = trx
    .selectFrom('inquiry_sessions')
    .select('id')
    .where('inquiry_id', '=', inquiryId)
    .where('expired_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now);
  if (issuedById !== null) q = q.where('issued_by_id', '=', issuedById);
  return q.execute();
}

/** Housekeeping for the sweeper: rate-limit rows and idempotency records older than any window that reads them. */
export async function pruneGuardState(db: Kysely<DB>, olderThan: Date) {
  await sql`delete from rate_limit_events where occurred_at < ${olderThan}`.execute(db);
  await sql`delete from idempotency_keys where created_at < ${olderThan}`.execute(db);
}
