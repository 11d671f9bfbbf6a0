import { sql, type RawBuilder } from 'kysely';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
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
  /** Only events up to this seq: an export reads the log as it stood when it started (services/exports.ts). */
  upToSeq?: number;
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
  /** The previous event's hash: with hash and the columns above, what an export needs to verify offline. */
  prev_hash: string;
  hash: string;
}

/** The events a filter matches (one family at most), without order or columns: a page's walk and a count share it. */
function matching(db: Executor, filter: Omit<AuditPageFilter, 'limit' | 'position'>, family: string | null) {
  let query = db.selectFrom('audit_events');
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
  if (filter.upToSeq !== undefined) query = query.where('seq', '<=', filter.upToSeq);
  return query;
}

function walk(db: Executor, filter: AuditPageFilter, family: string | null) {
  let query = matching(db, filter, family)
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
      'prev_hash',
      'hash',
    ]);
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

/** A page's rows as a subquery (one walk, or the families' walks merged), for a statement built on top of it. */
function pageSource(db: Executor, filter: AuditPageFilter): RawBuilder<unknown> {
  const families = filter.families;
  if (families === undefined || families.length <= 1) return sql`(${walk(db, filter, families?.[0] ?? null)})`;
  const branches = families.map((family) => sql`(${walk(db, filter, family)})`);
  const order = filter.byTime ? sql`occurred_at desc, seq desc` : sql`seq desc`;
  return sql`(select * from (${sql.join(branches, sql` union all `)}) as events order by ${order} limit ${filter.limit})`;
}

/** An event's time as Date#toISOString writes it (the form its hash covers): the appender stores whole milliseconds. */
const ISO_MILLIS = sql<string>`to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A run of an export's batch: up to EXPORT_LINES_PER_RUN events, as text, and where the run ends in the walk. */
export interface AuditExportRun {
  /** The events' JSONL lines or CSV records, each followed by its line end. */
  text: string;
  /** Events in the run. */
  n: number;
  /** The run's last event (the keyset of the next batch): its seq, and occurred_at in epoch milliseconds. */
  seq: number;
  occurred_ms: number;
}

/**
 * Events per run: the database joins the lines of this many events into one string (about 30 KB), so the server
 * handles a few strings per batch rather than an object per event — short-lived young objects, never large enough
 * for V8's large-object space (npm run bench, exports: the heap stays small).
 */
export const EXPORT_LINES_PER_RUN = 40;

// The CSV rules of server/audit/export-lines.ts csvField, as patterns (values: they hold a tab, CR, LF).
/** A value a spreadsheet would run as a formula: written with a leading apostrophe. */
const CSV_FORMULA = '^[=+@\t\r-]';
/** A value that must be quoted: a quote, a comma or a line break (quotes doubled). */
const CSV_QUOTE = '[",\r\n]';

/** A value a spreadsheet would run as a formula, with its leading apostrophe (csvField's rule). */
function formulaGuard(value: RawBuilder<unknown>): RawBuilder<string | null> {
  return sql<string | null>`(case when ${value} ~ ${CSV_FORMULA} then '''' || ${value} else ${value} end)`;
}

/** One CSV field, as COPY's CSV writer writes it: NULL as nothing, '' as "", quoted when it holds a quote, comma, CR or LF. */
function csvField(value: RawBuilder<unknown>): RawBuilder<string> {
  const text = formulaGuard(value);
  return sql<string>`(case when ${value} is null then '' when ${text} = '' then '""' when ${text} ~ ${CSV_QUOTE} then '"' || replace(${text}, '"', '""') || '"' else ${text} end)`;
}

/** The audit CSV's text cells after seq and occurred_at, in AUDIT_CSV_COLUMNS' order. */
function csvCells(): RawBuilder<unknown>[] {
  const textColumns = ['actor_type', 'actor_id', 'actor_display', 'action', 'target_type', 'target_id', 'inquiry_id', 'reason', 'ticket', 'ip', 'user_agent', 'request_id'];
  return [...textColumns.map((c) => sql`${sql.ref(`e.${c}`)}`), sql`e.metadata::text`, sql`e.prev_hash`, sql`e.hash`];
}

/** An event's JSONL line: the hashed columns under the table's names, in export-lines.ts's order. */
function jsonlLine(): RawBuilder<string> {
  return sql<string>`(select row_to_json(l)::text from (
    select 'event'::text as type, e.seq, ${ISO_MILLIS} as occurred_at, e.actor_type, e.actor_id, e.actor_display, e.action,
           e.target_type, e.target_id, e.reason, e.ticket, e.metadata, e.ip, e.user_agent, e.request_id, e.prev_hash, e.hash) as l)`;
}

/**
 * One batch of an export (services/exports.ts): the same walk as a page, each event written by the database as its
 * JSONL line — exactly the columns the chain hash covers under the table's names, with seq, prev_hash and hash, the
 * metadata as jsonb writes it (server/audit/export-lines.ts describes the line) — or as its CSV record
 * (AUDIT_CSV_COLUMNS), joined into runs of EXPORT_LINES_PER_RUN events, in the walk's order.
 */
export async function auditExportRuns(db: Executor, filter: AuditPageFilter, format: 'jsonl' | 'csv'): Promise<AuditExportRun[]> {
  if (filter.families !== undefined && filter.families.length === 0) return [];
  const order = filter.byTime ? sql`e.occurred_at desc, e.seq desc` : sql`e.seq desc`;
  const line = format === 'jsonl' ? jsonlLine() : sql`concat_ws(',', ${sql.join([sql`e.seq::text`, ISO_MILLIS, ...csvCells().map(csvField)])})`;
  const result = await sql<AuditExportRun>`
    select string_agg(x.line || E'\n', '' order by x.ord) as text, count(*)::int as n,
           (array_agg(x.seq order by x.ord desc))[1] as seq, (array_agg(x.occurred_ms order by x.ord desc))[1] as occurred_ms
      from (select row_number() over (order by ${order}) as ord, e.seq,
                   (extract(epoch from e.occurred_at) * 1000)::float8 as occurred_ms, ${line} as line
              from ${pageSource(db, filter)} as e) as x
     group by (x.ord - 1) / ${EXPORT_LINES_PER_RUN}
     order by min(x.ord)`.execute(db);
  return result.rows.map((row) => ({ ...row, seq: Number(row.seq), n: Number(row.n) }));
}

// ---- The whole export as one COPY … TO STDOUT (PostgreSQL) ----

/** A bound value as an SQL literal: COPY takes no parameters, so the statement carries its values inline. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return `'${value.toISOString()}'::timestamptz`;
  // standard_conforming_strings is on (the connection below sets it): only the quote is special inside '…'.
  if (typeof value === 'string' && !value.includes('\u0000')) return `'${value.replace(/'/g, "''")}'`;
  throw new Error('audit export: a filter value cannot be written as a literal');
}

/**
 * The export of a filter as one `COPY (…) TO STDOUT`: the same walk as a page (no limit), each event written by the
 * database — JSONL lines as auditExportRuns writes them (COPY's CSV mode with a quote and a delimiter no JSON line can
 * hold, so the line comes out as it is), or CSV records by COPY's own CSV writer, which quotes exactly as
 * csvField does (a quote, a comma, a line break; an empty string as ""; NULL as nothing).
 */
export function auditExportCopyStatement(db: Executor, filter: Omit<AuditPageFilter, 'limit' | 'position'>, format: 'jsonl' | 'csv'): string {
  const all: AuditPageFilter = { ...filter, limit: Number.MAX_SAFE_INTEGER };
  const order = all.byTime ? sql`e.occurred_at desc, e.seq desc` : sql`e.seq desc`;
  const columns = format === 'jsonl' ? jsonlLine() : sql.join([sql`e.seq`, ISO_MILLIS, ...csvCells().map((cell) => formulaGuard(cell))]);
  const compiled = sql`select ${columns} from ${pageSource(db, all)} as e order by ${order}`.compile(db);
  const statement = compiled.sql.replace(/\$(\d+)/g, (_, n: string) => literal(compiled.parameters[Number(n) - 1]));
  return format === 'jsonl'
    ? `copy (${statement}) to stdout with (format csv, delimiter e'\\x02', quote e'\\x01')`
    : `copy (${statement}) to stdout with (format csv)`;
}

/**
 * Runs a COPY … TO STDOUT on a connection of its own and yields what it sends, as it arrives: reading slower slows
 * the database down (the socket fills, the server waits), so nothing piles up here. The connection has no statement
 * timeout (the statement lasts as long as the download); it closes when the copy ends or the reader stops.
 */
export async function* copyOut(databaseUrl: string, statement: string): AsyncGenerator<Buffer> {
  const client = new pg.Client({ connectionString: databaseUrl, options: '-c statement_timeout=0 -c jit=off -c standard_conforming_strings=on' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const stream = client.query(copyTo(statement));
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * How many events a filter matches (an export's row count, bounded by upToSeq so that it holds however long the
 * export takes: the log only grows at its head). Several families are counted one walk each.
 */
export async function countAuditEvents(db: Executor, filter: Omit<AuditPageFilter, 'limit' | 'position' | 'byTime'>): Promise<number> {
  const families = filter.families ?? [null];
  let total = 0;
  for (const family of families) {
    const row = await matching(db, filter, family).select(sql<number | string>`count(*)`.as('n')).executeTakeFirst();
    total += Number(row?.n ?? 0);
  }
  return total;
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
