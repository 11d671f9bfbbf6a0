import { sql, type Insertable, type Transaction } from 'kysely';
import type { DB, PolicyRevisionsTable } from '../db/schema.js';
import type { ExpirationPolicy } from '../../shared/lifecycle.js';
import type { Executor } from './executor.js';
import { heldAtGrace, policyTarget, reappliedExpiry } from './inquiry-store/expiry.js';
import { DURATION_EDGES } from './inquiry-store/completions.js';

export function listTemplates(db: Executor) {
  return db.selectFrom('templates').selectAll().orderBy('name').execute();
}

export function listVersions(db: Executor) {
  return db
    .selectFrom('template_versions as v')
    .innerJoin('templates as t', 't.id', 'v.template_id')
    .select(['v.id', 'v.template_id', 'v.version_number', 'v.published_at', 't.latest_version_id'])
    .orderBy('v.template_id')
    .orderBy('v.version_number')
    .execute();
}

/** Open (created or pending) inquiries per version: a small set, walked on the status index. */
export async function countOpenByVersion(db: Executor) {
  const result = await sql<{ version_id: string; count: number }>`
    select version_id, count(*)::int as count from inquiries
    where status in ('created', 'pending') group by version_id`.execute(db);
  return result.rows;
}

/** The policy in force for each template: its newest revision. */
export function currentPolicies(db: Executor) {
  return db
    .selectFrom('policy_revisions')
    .selectAll()
    .distinctOn('template_id')
    .orderBy('template_id')
    .orderBy('id', 'desc')
    .execute();
}

export function currentPolicy(db: Executor, templateId: string) {
  return db.selectFrom('policy_revisions').selectAll().where('template_id', '=', templateId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The template's latest published version, for a new inquiry (none when nothing is published yet). */
export function latestVersion(db: Executor, templateId: string) {
  return db.selectFrom('templates').select(['id', 'latest_version_id', 'latest_version_number']).where('id', '=', templateId).executeTakeFirst();
}

// ---- The managers' pages: policy revisions, versions, and the aggregates behind the preview and the charts. ----

/** Open inquiries per version and status (created, pending): a small set, read from the open-template index. */
export async function countOpenByVersionStatus(db: Executor) {
  const result = await sql<{ version_id: string; status: string; count: number }>`
    select version_id, status, count(*)::int as count from inquiries
    where status in ('created', 'pending') group by version_id, status`.execute(db);
  return result.rows;
}

/** Open inquiries per template whose expiry falls in (now, until]. */
export async function countExpiringBetween(db: Executor, now: Date, until: Date) {
  const result = await sql<{ template_id: string; count: number }>`
    select template_id, count(*)::int as count from inquiries
    where status in ('created', 'pending') and expires_at > ${now} and expires_at <= ${until}
    group by template_id`.execute(db);
  return result.rows;
}

export function findTemplate(db: Executor, id: string) {
  return db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The template row, locked: policy saves, publishes and apply batches of one template queue on it. FOR NO KEY
 * UPDATE, not FOR UPDATE: the foreign-key checks of new inquiries and completion counts take KEY SHARE on this row,
 * and must neither wait for it nor deadlock with a batch that is waiting for their inquiry.
 */
export function lockTemplate(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('templates').selectAll().where('id', '=', id).forNoKeyUpdate().executeTakeFirst();
}

export async function revisionById(db: Executor, id: number): Promise<RevisionRow | undefined> {
  const result = await sql<RevisionRow>`
    select p.id::int8 as id, p.template_id, p.after_create_minutes, p.after_start_minutes, p.after_resume_minutes,
      p.one_time_link_minutes, p.token_link_max_minutes, p.resume_cooldown_minutes, p.reason,
      coalesce(s.email, p.created_by) as created_by_email, p.created_at, p.applied_to_open_at, p.applied_to_open_count
    from policy_revisions p left join staff s on s.id = p.created_by where p.id = ${id}`.execute(db);
  const row = result.rows[0];
  return row ? { ...row, id: Number(row.id) } : undefined;
}

export function versionsOf(db: Executor, templateId: string) {
  return db.selectFrom('template_versions').selectAll().where('template_id', '=', templateId).orderBy('version_number').execute();
}

export interface RevisionRow {
  id: number;
  template_id: string;
  after_create_minutes: number;
  after_start_minutes: number | null;
  after_resume_minutes: number;
  one_time_link_minutes: number;
  token_link_max_minutes: number | null;
  resume_cooldown_minutes: number | null;
  reason: string | null;
  created_by_email: string | null;
  created_at: Date;
  applied_to_open_at: Date | null;
  applied_to_open_count: number | null;
}

/** A template's revisions, newest first, with who made each (`created_by` holds a staff id; older rows a name). */
export async function revisions(db: Executor, templateId: string, limit = 200): Promise<RevisionRow[]> {
  const result = await sql<RevisionRow>`
    select p.id::int8 as id, p.template_id, p.after_create_minutes, p.after_start_minutes, p.after_resume_minutes,
      p.one_time_link_minutes, p.token_link_max_minutes, p.resume_cooldown_minutes, p.reason,
      coalesce(s.email, p.created_by) as created_by_email, p.created_at, p.applied_to_open_at, p.applied_to_open_count
    from policy_revisions p left join staff s on s.id = p.created_by
    where p.template_id = ${templateId}
    order by p.id desc limit ${limit}`.execute(db);
  return result.rows.map((r) => ({ ...r, id: Number(r.id) }));
}

export async function insertRevision(
  trx: Transaction<DB>,
  values: Insertable<PolicyRevisionsTable> & { template_id: string; created_at: Date },
): Promise<number> {
  const row = await trx.insertInto('policy_revisions').values(values).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function markRevisionApplied(trx: Transaction<DB>, id: number, at: Date, count: number): Promise<void> {
  await sql`update policy_revisions set applied_to_open_at = ${at},
    applied_to_open_count = coalesce(applied_to_open_count, 0) + ${count}::int where id = ${id}`.execute(trx);
}

export async function insertVersion(trx: Transaction<DB>, values: { id: string; template_id: string; version_number: number; published_at: Date; notes: string }) {
  await trx.insertInto('template_versions').values(values).execute();
  await trx.updateTable('templates').set({ latest_version_id: values.id, latest_version_number: values.version_number }).where('id', '=', values.template_id).execute();
}

export { DURATION_EDGES } from './inquiry-store/completions.js';

export interface ExpiredCounts {
  before_start: number;
  before_completion: number;
}

interface FinishedRow {
  total: number;
  cur_before_start: number;
  cur_before_completion: number;
  new_before_start: number;
  new_before_completion: number;
}

const minutes = (n: number) => sql`make_interval(mins => ${n}::int)`;

/**
 * Finished inquiries of the template completed since `since`: how many would have expired under each of two
 * policies — before they were started (after-creation) or, started in time, before they completed (after-start).
 * One index-only range scan (inquiries_finished_template_idx); resumes are not replayed. Timestamps are compared as
 * timestamps: `extract(epoch …)` is numeric on PostgreSQL 14+, and numeric arithmetic per row was most of the cost.
 */
export async function finishedExpiryCounts(
  db: Executor,
  templateId: string,
  since: Date,
  current: { afterCreateMinutes: number; afterStartMinutes: number },
  proposed: { afterCreateMinutes: number; afterStartMinutes: number },
): Promise<{ total: number; current: ExpiredCounts; proposed: ExpiredCounts }> {
  const started = sql`coalesce(started_at, created_at)`;
  const late = (p: { afterCreateMinutes: number }) => sql`${started} > created_at + ${minutes(p.afterCreateMinutes)}`;
  const slow = (p: { afterCreateMinutes: number; afterStartMinutes: number }) =>
    sql`${started} <= created_at + ${minutes(p.afterCreateMinutes)} and completed_at > ${started} + ${minutes(p.afterStartMinutes)}`;
  const result = await sql<FinishedRow>`
    select count(*)::int as total,
      count(*) filter (where ${late(current)})::int as cur_before_start,
      count(*) filter (where ${slow(current)})::int as cur_before_completion,
      count(*) filter (where ${late(proposed)})::int as new_before_start,
      count(*) filter (where ${slow(proposed)})::int as new_before_completion
    from inquiries where template_id = ${templateId} and completed_at is not null and completed_at >= ${since}`.execute(db);
  const r = result.rows[0] ?? { total: 0, cur_before_start: 0, cur_before_completion: 0, new_before_start: 0, new_before_completion: 0 };
  return {
    total: r.total,
    current: { before_start: r.cur_before_start, before_completion: r.cur_before_completion },
    proposed: { before_start: r.new_before_start, before_completion: r.new_before_completion },
  };
}

/**
 * Histograms (bucket index over DURATION_EDGES → count) of creation→completion and start→completion for the UTC
 * days from `since`'s, from the per-day counts the store keeps (inquiry_completion_days).
 */
export async function completionHistograms(db: Executor, templateId: string, since: Date) {
  const result = await sql<{ which: 'create' | 'start'; bucket: number; count: number }>`
    with d as (select from_create_bucket, from_start_bucket, completions from inquiry_completion_days
      where template_id = ${templateId} and completed_day >= date_trunc('day', ${since}::timestamptz, 'UTC'))
    select 'create' as which, from_create_bucket as bucket, sum(completions)::int as count from d group by 2
    union all
    select 'start' as which, from_start_bucket as bucket, sum(completions)::int as count from d group by 2`.execute(db);
  return result.rows;
}

const MINUTE_EDGES = sql.raw(`array[${DURATION_EDGES.join(',')}]::float8[]`);

/** Age of the template's open inquiries (bucket index over DURATION_EDGES → count). */
export async function openAgeHistogram(db: Executor, templateId: string, now: Date) {
  const result = await sql<{ bucket: number; count: number }>`
    select width_bucket(extract(epoch from (${now}::timestamptz - created_at))::float8 / 60, ${MINUTE_EDGES}) as bucket, count(*)::int as count
    from inquiries where template_id = ${templateId} and status in ('created', 'pending') group by 1`.execute(db);
  return result.rows;
}

/** What applying `policy` to the template's open inquiries would do (the same rule as the apply: inquiry-store/expiry.ts). */
export async function openImpact(db: Executor, templateId: string, policy: ExpirationPolicy, graceUntil: Date) {
  const result = await sql<{ total: number; changed: number; gain: number; lose: number; held: number }>`
    with o as (
      select i.expires_at as before_expires_at, ${policyTarget('i', policy)} as target, ${reappliedExpiry('i', policy, graceUntil)} as after_expires_at
      from inquiries i where i.template_id = ${templateId} and i.status in ('created', 'pending')
    )
    select count(*)::int as total, count(*) filter (where after_expires_at <> before_expires_at)::int as changed,
      count(*) filter (where after_expires_at > before_expires_at)::int as gain, count(*) filter (where after_expires_at < before_expires_at)::int as lose,
      count(*) filter (where ${heldAtGrace(graceUntil)})::int as held
    from o`.execute(db);
  return result.rows[0] ?? { total: 0, changed: 0, gain: 0, lose: 0, held: 0 };
}

/** Open inquiries of the template pinned to a version older than `latestVersionNumber`, after `afterId`, in id order. */
export async function outdatedOpenIds(db: Executor, templateId: string, latestVersionNumber: number, afterId: string, limit: number): Promise<string[]> {
  const result = await sql<{ id: string }>`
    select id from inquiries
    where template_id = ${templateId} and status in ('created', 'pending') and version_number < ${latestVersionNumber} and id > ${afterId}
      and not exists (select 1 from inquiries s where s.predecessor_id = inquiries.id)
    order by id limit ${limit}`.execute(db);
  return result.rows.map((r) => r.id);
}

export async function countOutdatedOpen(db: Executor, templateId: string, latestVersionNumber: number): Promise<number> {
  const result = await sql<{ n: number }>`
    select count(*)::int as n from inquiries
    where template_id = ${templateId} and status in ('created', 'pending') and version_number < ${latestVersionNumber}
      and not exists (select 1 from inquiries s where s.predecessor_id = inquiries.id)`.execute(db);
  return result.rows[0]?.n ?? 0;
}
