import type { Transaction } from 'kysely';
import { findMetadataProblem } from '../audit/metadata.js';
import {
  AUDIT_CSV_COLUMNS,
  csvHeaderRecord,
  csvRecord,
  EXPORT_RECORD_VERSION,
  type ExportHeader,
} from '../audit/export-lines.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import { newId } from '../crypto.js';
import type { DB } from '../db/schema.js';
import type { RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import * as accessRepo from '../repositories/access-report.js';
import * as auditRepo from '../repositories/audit-list.js';
import type { AccessRow } from '../../shared/access.js';
import { formatAuditQuery } from '../../shared/audit-query.js';
import { readAccessExportParams, readAuditExportParams, type ExportFormat, type ExportReport } from '../../shared/exports.js';
import { hasPermission, permissionScope } from '../../shared/permissions.js';
import { resolveFilter, toAccessRow } from './access-report.js';
import { pageFilterFor } from './audit-explorer.js';
import { appendAuditEvent, auditRequestContext } from './audit.js';
import { takeAuditRead } from './audit-reads.js';

/**
 * Exports of the audit log and of the access report (docs/audit.md, "Exports"; the HTTP side is
 * routers/exports.ts). Starting one:
 *
 * 1. checks `audit:export` (compliance, admin: DESIGN §5 — an export takes the data out of the console's controls)
 *    and reads the filter exactly as the page does (audit.list's parser and scope, access.list's schema and scope);
 * 2. in one transaction: reads the chain's head (the audit export holds events up to it: the log only grows at its
 *    head, so the set cannot change however long the download takes), counts the rows, and appends
 *    `audit.exported` — who, which report and format, the filter, the scope, the head, the row count, and that the
 *    export holds no prefilled PII. It commits before the first byte is sent, so an export cut off midway (a closed
 *    tab, a dropped connection, a crash) still leaves its event;
 * 3. hands back the first record and the rows, newest first (the pages' order), written by the database as JSONL
 *    lines or CSV records (repositories/audit-list.ts). On PostgreSQL the audit log comes through one
 *    `COPY (…) TO STDOUT` on a connection of its own: bytes, read only as fast as the client takes them (the writer
 *    waits for 'drain' before it reads on), never parsed into rows — a million events cost the server about 40 MB
 *    (npm run bench, exports). On the embedded engine, and for the access report, in keyset batches fetched one
 *    ahead of the writer: no transaction stays open while a slow client reads, and each batch is one short index walk.
 */

type ExporterContext = RequestDeps & { staff: StaffPrincipal };

/** Rows fetched per statement. */
export const EXPORT_BATCH_SIZE = 2_000;

export interface StartedExport {
  header: ExportHeader;
  filename: string;
  contentType: string;
  /** The first record and, for CSV, the column names. */
  preamble: string;
  /** The rows as text (or the bytes the database sent), in order. */
  chunks: AsyncIterable<string | Buffer>;
  /** The last line written when the export fails midway (then the connection is cut). */
  errorLine: (message: string) => string;
}

function requireExport(staff: StaffPrincipal): void {
  if (!hasPermission(staff.role, 'audit:export')) {
    throw new AppError('FORBIDDEN', `Your role (${staff.role}) does not have the permission 'audit:export'.`, { missingPermission: 'audit:export' });
  }
}

/**
 * Batches by keyset, each asked for while the previous one is being written. `nextOf` says where the next batch
 * starts, or null when this one was the last (it came back short).
 */
async function* prefetched<Item, Position>(fetch: (after: Position | null) => Promise<Item[]>, nextOf: (items: Item[]) => Position | null): AsyncGenerator<Item[]> {
  const ahead = (after: Position | null) => {
    const promise = fetch(after);
    promise.catch(() => undefined); // awaited below; an abandoned prefetch (the client left) must not go unhandled
    return promise;
  };
  let next: Promise<Item[]> | null = ahead(null);
  while (next) {
    const items: Item[] = await next;
    const position = nextOf(items);
    next = position === null ? null : ahead(position);
    if (items.length > 0) yield items;
  }
}

/**
 * Characters per written chunk. Under V8's limit for an ordinary heap object (about 128 KB), so each chunk is young
 * garbage the scavenger frees at once; a string of a whole batch (a megabyte and more) goes to the large-object space,
 * freed only by a full collection, and an export then grows the heap by tens of megabytes (npm run bench, exports).
 */
const CHUNK_CHARS = 32 * 1024;

/** Bytes at least this many per write: COPY sends one message per row, and a write per row would cost more. */
const COALESCE_BYTES = 64 * 1024;

/** The copy's chunks joined into writes of about COALESCE_BYTES. */
async function* coalesced(source: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= COALESCE_BYTES) {
      yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(parts, size);
}

/** The batches' rows as text, in chunks of about CHUNK_CHARS (each joined once: no rope to copy on write). */
async function* asText<Row>(batches: AsyncGenerator<Row[]>, line: (row: Row) => string): AsyncGenerator<string> {
  for await (const rows of batches) {
    let parts: string[] = [];
    let size = 0;
    for (const row of rows) {
      const text = line(row);
      parts.push(text);
      size += text.length;
      if (size >= CHUNK_CHARS) {
        yield parts.join('');
        parts = [];
        size = 0;
      }
    }
    if (parts.length > 0) yield parts.join('');
  }
}

function fileStamp(at: Date): string {
  return at.toISOString().replace(/[:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', jsonl: 'application/x-ndjson; charset=utf-8' };

function errorLine(format: ExportFormat): (message: string) => string {
  return format === 'jsonl' ? (message) => `${JSON.stringify({ type: 'error', message })}\n` : (message) => csvRecord([`# export stopped: ${message}`]);
}

async function recordExport(
  ctx: ExporterContext,
  trx: Transaction<DB>,
  metadata: { exportId: string; report: ExportReport; format: ExportFormat; rows: number; scope: string } & Record<string, unknown>,
  at: Date,
): Promise<void> {
  await takeAuditRead(trx, ctx.staff.id, at); // a recorded read: bounded per person (services/audit-reads.ts)
  await appendAuditEvent(trx, {
    actor: staffActor(ctx.staff),
    action: 'audit.exported',
    target: null,
    metadata: { ...metadata, pii: 'none' },
    request: auditRequestContext(ctx),
    occurredAt: at,
  });
}

/** `GET /api/audit/export.csv|jsonl`: the audit log for the explorer's search, newest first. */
export async function startAuditExport(
  ctx: ExporterContext,
  format: ExportFormat,
  params: URLSearchParams,
  options: { batchSize?: number; method?: 'copy' | 'keyset' } = {},
): Promise<StartedExport> {
  const batchSize = options.batchSize ?? EXPORT_BATCH_SIZE;
  requireExport(ctx.staff);
  const scope = permissionScope(ctx.staff.role, 'audit:read');
  if (scope === null) throw new AppError('FORBIDDEN', `Your role (${ctx.staff.role}) does not have the permission 'audit:read'.`, { missingPermission: 'audit:read' });
  const read = readAuditExportParams(params);
  if (!read.ok) throw new AppError('BAD_REQUEST', read.message, { field: 'q', at: read.at });
  const filter = read.filter;
  const query = formatAuditQuery(filter);
  // The search is recorded in the log, which never holds a credential (as audit.list refuses it).
  const credential = findMetadataProblem(filter, 'search');
  if (credential) {
    throw new AppError('BAD_REQUEST', `${credential.path.replace(/^search\./, '')}: ${credential.message} — the search is recorded in the audit log, so it may not hold one`, { field: 'q' });
  }
  const plan = await pageFilterFor(ctx, filter, scope);
  const exportId = newId('exp');
  const exportedAt = ctx.now();
  const { upToSeq, rows } = await ctx.database.db.transaction().execute(async (trx) => {
    const head = await auditRepo.chainHeadSeq(trx);
    const count = plan ? await auditRepo.countAuditEvents(trx, { ...plan, upToSeq: head }) : 0;
    await recordExport(ctx, trx, { exportId, report: 'audit', format, query, filter: { ...filter }, scope, upToSeq: head, rows: count }, exportedAt);
    return { upToSeq: head, rows: count };
  });

  const header: ExportHeader = {
    type: 'export',
    version: EXPORT_RECORD_VERSION,
    report: 'audit',
    format,
    exportId,
    exportedAt: exportedAt.toISOString(),
    exportedBy: { id: ctx.staff.id, email: ctx.staff.email, role: ctx.staff.role },
    filter: { ...filter },
    query,
    scope,
    upToSeq,
    rows,
    order: plan?.byTime ? 'newest first by time (occurred_at then seq)' : 'newest first (seq descending)',
    pii: 'none',
  };
  const { db } = ctx.database;
  // A scope that leaves nothing to show (plan null) reads nothing: the export is its first record alone. The events
  // come written by the database (repositories/audit-list.ts): on PostgreSQL as one COPY … TO STDOUT on a connection
  // of its own, read only as fast as the client takes it; on the embedded engine (or when asked) in keyset batches.
  const databaseUrl = ctx.database.kind === 'postgres' && options.method !== 'keyset' ? ctx.config.databaseUrl : null;
  let chunks: StartedExport['chunks'];
  if (plan && databaseUrl) chunks = coalesced(auditRepo.copyOut(databaseUrl, auditRepo.auditExportCopyStatement(db, { ...plan, upToSeq }, format)));
  else {
    const batches = prefetched<auditRepo.AuditExportRun, { seq: number; occurredAt: Date }>(
      (after) => (plan ? auditRepo.auditExportRuns(db, { ...plan, upToSeq, ...(after ? { position: after } : {}), limit: batchSize }, format) : Promise.resolve([])),
      (runs) => {
        const last = runs.at(-1);
        return last && runs.reduce((sum, run) => sum + run.n, 0) === batchSize ? { seq: last.seq, occurredAt: new Date(last.occurred_ms) } : null;
      },
    );
    chunks = (async function* () {
      for await (const runs of batches) for (const run of runs) yield run.text;
    })();
  }
  const csv = format === 'csv';
  return {
    header,
    filename: `audit-log-${fileStamp(exportedAt)}.${format}`,
    contentType: CONTENT_TYPES[format],
    preamble: csv ? csvHeaderRecord(header) + csvRecord(AUDIT_CSV_COLUMNS) : `${JSON.stringify(header)}\n`,
    chunks,
    errorLine: errorLine(format),
  };
}

/** The access report CSV's columns, in order (AccessRow's fields). */
export const ACCESS_CSV_COLUMNS = [
  'id',
  'kind',
  'inquiry_id',
  'issued_by',
  'issuer_type',
  'issuer_id',
  'issued_at',
  'reason',
  'ticket',
  'fingerprint',
  'expires_at',
  'state',
  'first_used_at',
  'last_used_at',
  'use_count',
  'revoked_at',
  'session_id',
  'link_id',
  'reused_session',
  'version_number',
  'latest_version_number',
  'version_gap',
  'note',
  'revocable',
  'approved_by',
] as const;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function accessCsvRecord(row: AccessRow): string {
  return csvRecord([
    row.id,
    row.kind,
    row.inquiryId,
    row.issuedBy,
    row.issuer.type,
    row.issuer.id,
    iso(row.issuedAt),
    row.reason,
    row.ticket,
    row.fingerprint,
    iso(row.expiresAt),
    row.state,
    iso(row.firstUsedAt),
    iso(row.lastUsedAt),
    row.useCount,
    iso(row.revokedAt),
    row.sessionId,
    row.linkId,
    row.reusedSession,
    row.versionNumber,
    row.latestVersionNumber,
    row.versionGap,
    row.note,
    row.revocable,
    row.approvedBy ?? null,
  ]);
}

function accessJsonLine(row: AccessRow): string {
  return `${JSON.stringify({ type: 'access', ...row })}\n`;
}

/** `GET /api/access/export.csv|jsonl`: the access report for its filters, newest first, states as of the start. */
export async function startAccessExport(
  ctx: ExporterContext,
  format: ExportFormat,
  params: URLSearchParams,
  options: { batchSize?: number } = {},
): Promise<StartedExport> {
  const batchSize = options.batchSize ?? EXPORT_BATCH_SIZE;
  requireExport(ctx.staff);
  const read = readAccessExportParams(params);
  if (!read.ok) throw new AppError('BAD_REQUEST', read.message);
  const { db } = ctx.database;
  const { filter, scope } = await resolveFilter(db, ctx.staff, 'access:read', read.value);
  const exportId = newId('exp');
  const asOf = ctx.now();
  const shownFilter = JSON.parse(JSON.stringify(read.value)) as Record<string, unknown>;
  const rows = await db.transaction().execute(async (trx) => {
    // Every row counted (no cap): the export reads them all anyway.
    const counts = await accessRepo.reportCounts(trx, filter, asOf, Number.MAX_SAFE_INTEGER - 1);
    const count = counts.byKind.reduce((sum, k) => sum + k.count, 0);
    await recordExport(ctx, trx, { exportId, report: 'access', format, filter: shownFilter, scope, asOf: asOf.toISOString(), rows: count }, asOf);
    return count;
  });

  const header: ExportHeader = {
    type: 'export',
    version: EXPORT_RECORD_VERSION,
    report: 'access',
    format,
    exportId,
    exportedAt: asOf.toISOString(),
    exportedBy: { id: ctx.staff.id, email: ctx.staff.email, role: ctx.staff.role },
    filter: shownFilter,
    scope,
    asOf: asOf.toISOString(),
    rows,
    order: 'newest first (issued_at descending then id)',
    pii: 'none',
  };
  const batches = prefetched<accessRepo.ReportRow, accessRepo.ReportPosition>(
    (after) => accessRepo.reportPage(db, filter, asOf, after, batchSize),
    (rows) => {
      const last = rows.at(-1);
      return last && rows.length === batchSize ? { issuedAt: last.issued_at, id: last.row_id } : null;
    },
  );
  const csv = format === 'csv';
  return {
    header,
    filename: `access-report-${fileStamp(asOf)}.${format}`,
    contentType: CONTENT_TYPES[format],
    preamble: csv ? csvHeaderRecord(header) + csvRecord(ACCESS_CSV_COLUMNS) : `${JSON.stringify(header)}\n`,
    chunks: asText(batches, (row) => (csv ? accessCsvRecord(toAccessRow(row)) : accessJsonLine(toAccessRow(row)))),
    errorLine: errorLine(format),
  };
}
