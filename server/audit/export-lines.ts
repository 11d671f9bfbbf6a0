import { AUDIT_ACTOR_TYPES, type AuditActorType, type CanonicalEvent } from './canonical.js';

/**
 * The lines of an export (docs/audit.md, "Exports"): the first record, CSV fields and records, and the reading of an
 * event line back into what its hash covers. Pure, and free of anything that reaches a database: the offline
 * verifier (export-verify.ts) reads exports with it.
 *
 * A JSONL event line carries exactly the columns the chain hash covers (canonical.ts), under the table's column names,
 * with `seq`, `prev_hash` and `hash` (the database writes it: repositories/audit-list.ts auditExportJsonLines):
 *
 *   {"type":"event","seq":42,"occurred_at":"2026-11-25T09:30:00.000Z","actor_type":"staff","actor_id":"stf_…",
 *    "actor_display":"…","action":"link.created","target_type":"inquiry","target_id":"inq_…","reason":"…",
 *    "ticket":null,"metadata":{…},"ip":"…","user_agent":"…","request_id":"…","prev_hash":"<64 hex>","hash":"<64 hex>"}
 *
 * so every value on an event line is proven by its hash, and nothing else is on it.
 */

export const EXPORT_RECORD_VERSION = 1;

/** The first record of every export: what it holds, for whom, and how it was asked for. */
export interface ExportHeader {
  type: 'export';
  version: typeof EXPORT_RECORD_VERSION;
  /** `audit`: the audit log (verifiable); `access`: the session-bearing access report (a snapshot, no chain). */
  report: 'audit' | 'access';
  format: 'csv' | 'jsonl';
  /** Also in the export's own audit event (`audit.exported`, metadata.exportId). */
  exportId: string;
  exportedAt: string;
  exportedBy: { id: string; email: string; role: string };
  /** The filter as the server read it (audit: the search's terms; access: the report's filters). */
  filter: Record<string, unknown>;
  /** The audit search as the search box writes it ('' for everything). */
  query?: string;
  /** What the exporter's role reaches (all, own, policy). */
  scope: string;
  /** Audit: the chain's head when the export started; events after it are not in this export. */
  upToSeq?: number;
  /** Access: the instant the rows' states are computed at. */
  asOf?: string;
  /** Rows in the export (audit: exact; access: counted when the export started). */
  rows: number;
  order: string;
  /** Prefilled PII in the export: none (neither the log nor the report holds any). */
  pii: 'none';
}

/** The audit CSV's columns, in order (the JSONL line's, plus the inquiry an event is about; metadata as JSON). */
export const AUDIT_CSV_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_display',
  'action',
  'target_type',
  'target_id',
  'inquiry_id',
  'reason',
  'ticket',
  'ip',
  'user_agent',
  'request_id',
  'metadata',
  'prev_hash',
  'hash',
] as const;

/** A spreadsheet runs a cell that starts with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break, quotes doubled; the empty string
 * as "" and null as nothing (as PostgreSQL's COPY writes them). Text that a spreadsheet would run as a formula (=, +,
 * -, @, tab, carriage return first) gets a leading apostrophe, which spreadsheets show as text; the JSONL export
 * carries every value unchanged.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return text === '' || NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record with its line end (LF, as PostgreSQL's COPY writes the rows). */
export function csvRecord(values: ReadonlyArray<string | number | boolean | null>): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvField(values[i] ?? null);
  return line + '\n';
}

/**
 * The CSV's first record: one field that starts with `#` and says, in words, what the export holds, for whom and
 * when (the JSONL's first record has the same facts as JSON). Its own words hold no comma, so it is quoted only when
 * the search does (a comma or a quote in a value); it is a CSV record like the rest: skip one line before the column
 * names (pandas: skiprows=1).
 */
export function csvHeaderRecord(header: ExportHeader): string {
  const parts = [
    `# Inquiry Desk ${header.report === 'audit' ? 'audit log' : 'access report'} export ${header.exportId}`,
    `exported ${header.exportedAt} by ${header.exportedBy.email} (${header.exportedBy.role}; ${header.exportedBy.id})`,
    header.report === 'audit' ? `search: ${header.query ? header.query : '(everything)'}` : `filter: ${describeFilter(header.filter)}`,
    `scope: ${header.scope}`,
    header.upToSeq !== undefined ? `events up to seq ${header.upToSeq}` : `states as of ${header.asOf ?? header.exportedAt}`,
    `${header.rows} ${header.rows === 1 ? 'row' : 'rows'}`,
    header.order,
    'prefilled PII: none',
  ];
  return `${csvField(parts.join(' | '))}\n`;
}

function describeFilter(filter: Record<string, unknown>): string {
  const terms = Object.entries(filter)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value instanceof Date ? value.toISOString() : String(value)}`);
  return terms.length > 0 ? terms.join(' ') : '(everything)';
}

// ---- Reading an event line back (the offline verifier) ----

/** An event line read back: what its hash covers, and its place in the chain. */
export interface ExportedEvent {
  seq: number;
  prevHash: string;
  hash: string;
  event: CanonicalEvent;
}

const HASH = /^[0-9a-f]{64}$/;
/** Exactly Date#toISOString's form: an event's time is proven only when it is written as the chain hashed it. */
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const TEXT_COLUMNS = ['actor_id', 'actor_display', 'target_type', 'target_id', 'reason', 'ticket', 'ip', 'user_agent', 'request_id'] as const;

/** An event line's object as an event, or what is wrong with it (a sentence). */
export function readEventLine(value: Record<string, unknown>): ExportedEvent | string {
  const { seq, occurred_at: occurredAt, actor_type: actorType, action, metadata, prev_hash: prevHash, hash } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'seq is not a positive whole number';
  if (typeof prevHash !== 'string' || !HASH.test(prevHash)) return 'prev_hash is not 64 lower-case hex digits';
  if (typeof hash !== 'string' || !HASH.test(hash)) return 'hash is not 64 lower-case hex digits';
  if (typeof occurredAt !== 'string' || !ISO_MILLIS.test(occurredAt)) return 'occurred_at is not an ISO-8601 UTC time with milliseconds';
  const at = new Date(occurredAt);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== occurredAt) return 'occurred_at is not a valid time';
  if (typeof actorType !== 'string' || !(AUDIT_ACTOR_TYPES as readonly string[]).includes(actorType)) return 'actor_type is not staff, partner or system';
  if (typeof action !== 'string') return 'action is missing';
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return 'metadata is not an object';
  const text: Partial<Record<(typeof TEXT_COLUMNS)[number], string | null>> = {};
  for (const column of TEXT_COLUMNS) {
    const v = value[column];
    if (v === undefined) return `${column} is missing (an absent value is null)`;
    if (v !== null && typeof v !== 'string') return `${column} is neither text nor null`;
    text[column] = v;
  }
  return {
    seq,
    prevHash,
    hash,
    event: {
      occurredAt: at,
      actorType: actorType as AuditActorType,
      actorId: text.actor_id ?? null,
      actorDisplay: text.actor_display ?? null,
      action,
      targetType: text.target_type ?? null,
      targetId: text.target_id ?? null,
      reason: text.reason ?? null,
      ticket: text.ticket ?? null,
      metadata: metadata as Record<string, unknown>,
      ip: text.ip ?? null,
      userAgent: text.user_agent ?? null,
      requestId: text.request_id ?? null,
    },
  };
}
