import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { liveSessionCount, sessionLiveAt } from './inquiry-store/live-sessions.js';
import { prepared } from '../db/prepared.js';
import type { Write } from './writes.js';

/** A sliding window of one rate-limit bucket: its rows with occurred_at > since. */
export interface RateWindow {
  bucket: string;
  since: Date;
}

/** The resume cooldown's window: the template's own (policy revision) when longer than `defaultMinutes`. */
export interface ResumeWindow {
  bucket: string;
  defaultMinutes: number;
}

interface ActionFactsRow {
  id: string;
  status: string;
  template_id: string;
  version_number: number;
  latest_version_number: number;
  expires_at: Date;
  created_at: Date;
  reference_id: string | null;
  customer_id: string | null;
  account_id: string | null;
  fields: Record<string, unknown>;
  after_resume_minutes: number | null;
  one_time_link_minutes: number | null;
  token_link_max_minutes: number | null;
  resume_cooldown_minutes: number | null;
  live: number;
  reusable_id: string | null;
  reusable_created_at: Date | null;
  reusable_expires_at: Date | null;
  successor_id: string | null;
  resume_count: number;
  resume_oldest: Date | null;
  staff_count: number;
  staff_oldest: Date | null;
}

/**
 * One statement: the inquiry, its policy, its sessions (the live count and the newest reusable one), its
 * successor, and the two rate-limit windows the guards read (this inquiry's resumes, this person's budget).
 */
async function actionFacts(db: Kysely<DB>, id: string, now: Date, windows: { resume: ResumeWindow; staff: RateWindow }) {
  const result = await prepared(sql<ActionFactsRow>`
    select i.id, i.status, i.template_id, i.version_number, t.latest_version_number, i.expires_at, i.created_at, i.reference_id,
      i.customer_id, i.account_id, i.fields, p.after_resume_minutes, p.one_time_link_minutes, p.token_link_max_minutes,
      p.resume_cooldown_minutes,
      ${liveSessionCount('i', now)} as live,
      u.id as reusable_id, u.created_at as reusable_created_at, u.expires_at as reusable_expires_at,
      (select succ.id from inquiries succ where succ.predecessor_id = i.id) as successor_id,
      rr.n as resume_count, rr.oldest as resume_oldest, rs.n as staff_count, rs.oldest as staff_oldest
    from inquiries i
    join templates t on t.id = i.template_id
    left join lateral (select after_resume_minutes, one_time_link_minutes, token_link_max_minutes, resume_cooldown_minutes from policy_revisions
      where template_id = i.template_id order by id desc limit 1) p on true
    -- A live session nobody has used yet; a token link's session belongs to that link alone.
    left join lateral (select s.id, s.created_at, s.expires_at from inquiry_sessions s where s.inquiry_id = i.id
        and ${sessionLiveAt('s', now)} and s.started_at is null
        and not exists (select 1 from access_links l where l.session_id = s.id)
      order by s.created_at desc limit 1) u on true
    cross join lateral (select count(*)::int as n, min(occurred_at) as oldest from rate_limit_events
      where bucket = ${windows.resume.bucket}
        and occurred_at > ${now}::timestamptz - make_interval(mins => greatest(coalesce(p.resume_cooldown_minutes, 0), ${windows.resume.defaultMinutes}::int))) rr
    cross join lateral (select count(*)::int as n, min(occurred_at) as oldest from rate_limit_events
      where bucket = ${windows.staff.bucket} and occurred_at > ${windows.staff.since}) rs
    where i.id = ${id}`).execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const { live, reusable_id, reusable_created_at, reusable_expires_at, successor_id, resume_count, resume_oldest, staff_count, staff_oldest, ...inquiry } = row;
  const reusableSession =
    reusable_id !== null && reusable_created_at !== null && reusable_expires_at !== null ? { id: reusable_id, createdAt: reusable_created_at, expiresAt: reusable_expires_at } : null;
  return {
    ...inquiry,
    liveSessionCount: live,
    reusableSession,
    successorId: successor_id,
    rateWindows: { resume: { count: resume_count, oldest: resume_oldest }, staff: { count: staff_count, oldest: staff_oldest } },
  };
}

export type ActionFacts = NonNullable<Awaited<ReturnType<typeof actionFacts>>>;

/**
 * Locks the inquiry row, then the named advisory lock (a staff member's budget), in that order and in one
 * statement: the row is locked inside a materialized CTE before the outer select takes the advisory lock.
 * Reads nothing else. Under READ COMMITTED a statement that waited for a lock still reads through the snapshot
 * it started with, so facts read in the same statement (its successor, its sessions, the rate-limit rows)
 * would miss what the transaction it waited for had just committed: read them with lockedActionFacts, in the
 * next statement. Returns false when there is no such inquiry (and then nothing is locked). With `customerId`,
 * only an inquiry of that customer is found and locked: another customer's is neither locked nor waited for, so
 * a partner cannot tell it from a missing one by how long the answer takes.
 */
export async function lockInquiryAndName(trx: Transaction<DB>, id: string, name: string, customerId: string | null = null): Promise<boolean> {
  const ofCustomer = customerId === null ? sql`` : sql` and customer_id = ${customerId}`;
  const result = await prepared(sql<{ id: string }>`
    with locked as materialized (select id from inquiries where id = ${id}${ofCustomer} for update)
    select id, pg_advisory_xact_lock(hashtextextended(${name}, 0))::text as name_locked from locked`).execute(trx);
  return result.rows.length > 0;
}

/** The facts, read after lockInquiryAndName in the same transaction (a new statement, so a fresh snapshot). */
export function lockedActionFacts(trx: Transaction<DB>, id: string, now: Date, windows: { resume: ResumeWindow; staff: RateWindow }) {
  return actionFacts(trx, id, now, windows);
}

/** The same facts without a lock, for showing the guards' verdicts. */
export function readInquiryForActions(db: Kysely<DB>, id: string, now: Date, windows: { resume: ResumeWindow; staff: RateWindow }) {
  return actionFacts(db, id, now, windows);
}

/**
 * Claims an idempotency key by inserting its row, its result still empty (JSON null; `idempotencyResultWrite`
 * fills it before the transaction commits). A second request with the same key waits in this INSERT until the
 * first one's transaction ends: then it inserts (the first rolled back) or does nothing (it committed). True
 * when this transaction now holds the key.
 */
export async function claimIdempotent(trx: Transaction<DB>, row: { scope: string; key: string; request_hash: string; created_at: Date }): Promise<boolean> {
  const result = await prepared(sql<{ claimed: number }>`
    insert into idempotency_keys (scope, key, request_hash, result, created_at)
    values (${row.scope}, ${row.key}, ${row.request_hash}, 'null'::jsonb, ${row.created_at})
    on conflict (scope, key) do nothing
    returning 1 as claimed`).execute(trx);
  return result.rows.length > 0;
}

/**
 * Takes over a key whose record is older than `staleBefore` (its replay window is over) as if it were new: the
 * UPDATE locks the row, so of two requests doing this at once one takes it over and the other, once the first
 * commits, finds the record fresh and replays it. True when this transaction now holds the key.
 */
export async function reclaimStaleIdempotent(trx: Transaction<DB>, row: { scope: string; key: string; request_hash: string; created_at: Date }, staleBefore: Date): Promise<boolean> {
  const result = await sql<{ claimed: number }>`
    update idempotency_keys set request_hash = ${row.request_hash}, result = 'null'::jsonb, created_at = ${row.created_at}
    where scope = ${row.scope} and key = ${row.key} and created_at < ${staleBefore}
    returning 1 as claimed`.execute(trx);
  return result.rows.length > 0;
}

/** A claimed key's result: a write for writeTogether. */
export function idempotencyResultWrite(scope: string, key: string, result: unknown): Write {
  return sql`update idempotency_keys set result = ${JSON.stringify(result)}::jsonb where scope = ${scope} and key = ${key}`;
}

/** One rate-limit row per bucket at `at`: a write for writeTogether. */
export function rateEventsWrite(buckets: readonly string[], at: Date): Write {
  return sql`insert into rate_limit_events (bucket, occurred_at) values ${sql.join(buckets.map((bucket) => sql`(${bucket}, ${at})`))}`;
}

export function findIdempotent(trx: Kysely<DB>, scope: string, key: string) {
  return trx.selectFrom('idempotency_keys').select(['request_hash', 'result', 'created_at']).where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
}

/** Housekeeping for the sweeper: rate-limit rows (the console's and the partner API's), idempotency records and refusal-audit windows older than any window that reads them. */
export async function pruneGuardState(db: Kysely<DB>, olderThan: Date) {
  await sql`delete from rate_limit_events where occurred_at < ${olderThan}`.execute(db);
  await sql`delete from idempotency_keys where created_at < ${olderThan}`.execute(db);
  await sql`delete from api_rate_windows where window_start < ${olderThan}`.execute(db);
  await sql`delete from audit_refusal_windows where window_start < ${olderThan}`.execute(db);
}

/**
 * Takes the named advisory lock (a person's action budget) and then, in the next statement, counts that bucket's
 * rows since `since`: for actions that lock no inquiry first (creating one). Same lock as lockInquiryAndName's second.
 */
export async function lockNameAndCount(trx: Transaction<DB>, name: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
  await prepared(sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))::text as locked`).execute(trx);
  const result = await prepared(sql<{ n: number; oldest: Date | null }>`
    select count(*)::int as n, min(occurred_at) as oldest from rate_limit_events where bucket = ${name} and occurred_at > ${since}`).execute(trx);
  return { count: result.rows[0]?.n ?? 0, oldest: result.rows[0]?.oldest ?? null };
}
