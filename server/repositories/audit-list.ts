import { sql } from 'kysely';
import type { Executor } from './executor.js';

/**
 * The audit explorer's reads (`audit.list`; docs/audit.md, "The explorer"). Newest first: by seq, or, when the search
 * names a period, by (occurred_at, seq). Every filter is a walk of an index that ends in seq (migrations/0002 and
 * 0020) or of (occurred_at, seq), entered at the cursor and stopped after a page, so page 500 costs what page 1
 * does. Several families (a manager's scope) are one walk each, merged.
 *
 * Why a period changes the order: occurred_at follows seq only roughly (an event's time is taken when its action
 * starts, its seq when it commits), so a period cannot become a seq range, and walking seq down to an old period
 * would read every newer event first. Walking time instead starts at the period's end; the order differs from seq
 * order only where two events' commits overtook each other.
 */

/** The inquiry an event is about: its target, or the inquiry of the link it targets. Exactly as migrations/0020 indexes it. */
const INQUIRY_OF_EVENT = sql<string | null>`(case when target_type = 'inquiry' then target_id else metadata ->> 'inquiryId' end)`;
/** An action's family (`link` of `link.created`), as migrations/0020 indexes it. */
const FAMILY_OF_ACTION = sql<string>`split_part(action, '.', 1)`;

export interface AuditPageFilter {
  actorId?: string;
  action?: string;
  /** Any of these families (one walk each). An empty list matches nothing. */
  families?: readonly string[];
  inquiryId?: string;
  target?: { type: string; id: string };
  ticket?: string;
  hasTicket?: boolean;
  after?: Date;
  before?: Date;
  /** Newest first by (occurred_at, seq) rather than by seq: set when the search names a period. */
  byTime?: boolean;
  /** Only events after this position in the order (the keyset cursor): the last event of the previous page. */
  position?: { seq: number; occurredAt: Date };
  limit: number;
}

export interface AuditEventRow {
  seq: number;
  occurred_at: Date;
  actor_type: 'staff' | 'partner' | 'system';
  actor_id: string | null;
  actor_display: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  inquiry_id: string | null;
  reason: string | null;
  ticket: string | null;
  metadata: Record<string, unknown>;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  hash: string;
}

function walk(db: Executor, filter: AuditPageFilter, family: string | null) {
  let query = db
    .selectFrom('audit_events')
    .select([
      'seq',
      'occurred_at',
      'actor_type',
      'actor_id',
      'actor_display',
      'action',
      'target_type',
      'target_id',
      INQUIRY_OF_EVENT.as('inquiry_id'),
      'reason',
      'ticket',
      'metadata',
      'ip',
      'user_agent',
      'request_id',
      'hash',
    ]);
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (family !== null) query = query.where(FAMILY_OF_ACTION, '=', family);
  if (filter.inquiryId !== undefined) query = query.where(INQUIRY_OF_EVENT, '=', filter.inquiryId);
  if (filter.target !== undefined) query = query.where('target_type', '=', filter.target.type).where('target_id', '=', filter.target.id);
  if (filter.ticket !== undefined) query = query.where('ticket', '=', filter.ticket);
  if (filter.hasTicket === true) query = query.where('ticket', 'is not', null);
  if (filter.hasTicket === false) query = query.where('ticket', 'is', null);
  if (filter.after !== undefined) query = query.where('occurred_at', '>=', filter.after);
  if (filter.before !== undefined) query = query.where('occurred_at', '<', filter.before);
  const position = filter.position;
  if (filter.byTime) {
    if (position) query = query.where(sql<boolean>`(occurred_at, seq) < (${position.occurredAt}, ${position.seq})`);
    query = query.orderBy('occurred_at', 'desc').orderBy('seq', 'desc');
  } else {
    if (position) query = query.where('seq', '<', position.seq);
    query = query.orderBy('seq', 'desc');
  }
  return query.limit(filter.limit);
}

/** The statement of one page (exported for the plan checks in test/server/audit-list.test.ts). */
export function auditPageQuery(db: Executor, filter: AuditPageFilter) {
  const families = filter.families;
  if (families === undefined || families.length <= 1) return walk(db, filter, families?.[0] ?? null).compile();
  // One walk per family, each stopping after a page, merged by seq.
  const branches = families.map((family) => sql`(${walk(db, filter, family)})`);
  const order = filter.byTime ? sql`occurred_at desc, seq desc` : sql`seq desc`;
  return sql<AuditEventRow>`select * from (${sql.join(branches, sql` union all `)}) as events order by ${order} limit ${filter.limit}`.compile(db);
}

/** One page of events, newest first. */
export async function auditEventsPage(db: Executor, filter: AuditPageFilter): Promise<AuditEventRow[]> {
  if (filter.families !== undefined && filter.families.length === 0) return [];
  const result = await db.executeQuery<AuditEventRow>(auditPageQuery(db, filter));
  return result.rows.map((row) => ({ ...row, seq: Number(row.seq) }));
}

/** Where the chain ends now: an event appended by this transaction gets a higher seq when it commits. */
export async function chainHeadSeq(db: Executor): Promise<number> {
  const row = await db.selectFrom('audit_chain_head').select('seq').where('id', '=', 1).executeTakeFirst();
  return row ? Number(row.seq) : 0;
}

/**
 * Whether `actorId` recorded the view `viewId` of the search `query` after seq `sinceSeq`: the check a later page
 * makes, so that no page is read without its audited first page. A walk of (actor_id, seq) from sinceSeq: the
 * person's own events since that view.
 */
export async function viewRecorded(db: Executor, view: { actorId: string; viewId: string; query: string; sinceSeq: number }): Promise<boolean> {
  const row = await db
    .selectFrom('audit_events')
    .select('seq')
    .where('actor_id', '=', view.actorId)
    .where('seq', '>', view.sinceSeq)
    .where('action', '=', 'audit.viewed')
    .where(sql<string>`metadata ->> 'viewId'`, '=', view.viewId)
    .where(sql<string>`metadata ->> 'query'`, '=', view.query)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
