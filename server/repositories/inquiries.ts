import { sql } from 'kysely';
import type { Executor } from './executor.js';
import { noLiveSessionAt } from './inquiry-store/live-sessions.js';

export type { Executor } from './executor.js';

/** Reads of one inquiry and the overview's counts. The list's plan is in inquiry-list.ts; writes go through inquiry-store/. */

export function findInquiry(db: Executor, id: string) {
  return db
    .selectFrom('inquiries as i')
    .innerJoin('templates as t', 't.id', 'i.template_id')
    .innerJoin('template_versions as v', 'v.id', 'i.version_id')
    .leftJoin('customers as c', 'c.id', 'i.customer_id')
    .leftJoin('policy_revisions as p', 'p.id', 'i.policy_revision_id')
    .selectAll('i')
    .select([
      't.name as template_name',
      't.latest_version_id',
      't.latest_version_number',
      'v.published_at as version_published_at',
      'c.name as customer_name',
      'p.after_create_minutes',
      'p.after_start_minutes',
      'p.after_resume_minutes',
      'p.one_time_link_minutes',
    ])
    .where('i.id', '=', id)
    .executeTakeFirst();
}

export function listSessions(db: Executor, inquiryId: string) {
  return db.selectFrom('inquiry_sessions').selectAll().where('inquiry_id', '=', inquiryId).orderBy('created_at', 'desc').limit(200).execute();
}

/** Every later hand-out of the inquiry's sessions (a reused session), oldest first. */
export function listSessionHandouts(db: Executor, inquiryId: string) {
  return db
    .selectFrom('session_handouts as h')
    .innerJoin('inquiry_sessions as s', 's.id', 'h.session_id')
    .select(['h.session_id', 'h.handed_at', 'h.handed_to_type', 'h.handed_to_id', 'h.handed_to_display', 'h.reason'])
    .where('s.inquiry_id', '=', inquiryId)
    .orderBy('h.id')
    .limit(500)
    .execute();
}

export function listEvents(db: Executor, inquiryId: string) {
  return db.selectFrom('inquiry_events').selectAll().where('inquiry_id', '=', inquiryId).orderBy('occurred_at').orderBy('id').limit(500).execute();
}

export function findSuccessor(db: Executor, inquiryId: string) {
  return db.selectFrom('inquiries').select(['id', 'status']).where('predecessor_id', '=', inquiryId).executeTakeFirst();
}

export function findStatus(db: Executor, inquiryId: string) {
  return db.selectFrom('inquiries').select(['id', 'status']).where('id', '=', inquiryId).executeTakeFirst();
}

export interface OverviewCounts {
  byStatus: { status: string; count: number }[];
  exact: boolean;
}

/** Exact counts by status on small tables; the planner's statistics on large ones, where a full count per status is costly (docs/performance.md, "Why the list is shaped this way"). */
export async function countByStatus(db: Executor, exactUpTo: number): Promise<OverviewCounts> {
  const size = await sql<{ n: number }>`select greatest(reltuples, 0)::int8 as n from pg_class where relname = 'inquiries'`.execute(db);
  const estimatedRows = size.rows[0]?.n ?? 0;
  if (estimatedRows <= exactUpTo) {
    const rows = await sql<{ status: string; count: number }>`select status, count(*)::int as count from inquiries group by status order by status`.execute(db);
    return { byStatus: rows.rows, exact: true };
  }
  const stats = await sql<{ vals: string; freqs: number[] }>`
    select most_common_vals::text as vals, most_common_freqs as freqs
    from pg_stats where tablename = 'inquiries' and attname = 'status'`.execute(db);
  const row = stats.rows[0];
  if (!row) return { byStatus: [], exact: false };
  const values = row.vals.replace(/^\{|\}$/g, '').split(',').map((v) => v.replace(/^"|"$/g, ''));
  return {
    byStatus: values.map((status, i) => ({ status, count: Math.round((row.freqs[i] ?? 0) * estimatedRows) })).sort((a, b) => a.status.localeCompare(b.status)),
    exact: false,
  };
}

export async function countOpen(db: Executor, now: Date) {
  const result = await sql<{ expiring: number; outdated: number; stuck: number }>`
    select
      count(*) filter (where i.expires_at > ${now} and i.expires_at <= ${new Date(now.getTime() + 86_400_000)})::int as expiring,
      count(*) filter (where i.version_number < t.latest_version_number)::int as outdated,
      count(*) filter (where i.status = 'pending' and i.expires_at > ${now}
        and ${noLiveSessionAt('i', now)})::int as stuck
    from inquiries i join templates t on t.id = i.template_id
    where i.status in ('created', 'pending')`.execute(db);
  return result.rows[0] ?? { expiring: 0, outdated: 0, stuck: 0 };
}

/**
 * One inquiry of `customerId` as the partner API shows it (Persona's resource), with the ids of its newest sessions;
 * undefined for another customer's inquiry exactly as for a missing one (the same single lookup either way).
 */
export async function findForPartner(db: Executor, id: string, customerId: string) {
  const inquiry = await db
    .selectFrom('inquiries')
    .select([
      'id',
      'status',
      'reference_id',
      'customer_id',
      'account_id',
      'template_id',
      'version_id',
      'fields',
      'created_at',
      'updated_at',
      'started_at',
      'completed_at',
      'failed_at',
      'decisioned_at',
      'expired_at',
      'expires_at',
    ])
    .where('id', '=', id)
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
  if (!inquiry) return undefined;
  const sessions = await db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).orderBy('created_at', 'desc').limit(100).execute();
  return { ...inquiry, sessionIds: sessions.map((s) => s.id) };
}

export type PartnerInquiryRow = NonNullable<Awaited<ReturnType<typeof findForPartner>>>;
