import { ACCESS_KINDS, ACCESS_STATES, AccessFilterSchema, type AccessFilter } from './access.js';
import { AUDIT_QUERY_MAX_LENGTH, combineAuditQuery, parseAuditQuery, type AuditQueryResult } from './audit-query.js';

/**
 * Exports of the audit log and of the access report (DESIGN §7; docs/audit.md, "Exports"):
 *
 *   GET /api/audit/export.csv | .jsonl   ?q=<the explorer's search>  (and/or its terms field by field)
 *   GET /api/access/export.csv | .jsonl  ?kind=…&state=…&issuer=…&inquiryId=…&issuedAfter=…&issuedBefore=…&hasTicket=…
 *
 * The filters are the pages' own: the console's buttons pass what the page shows, and the server reads them with
 * the same parser and schema as audit.list and access.list. Parameters it does not know are refused (400), never
 * ignored, so an export never silently holds more than was asked for.
 */

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportReport = 'audit' | 'access';

export const EXPORT_PATHS: Readonly<Record<ExportReport, string>> = {
  audit: '/api/audit/export',
  access: '/api/access/export',
};

export function exportPath(report: ExportReport, format: ExportFormat): string {
  return `${EXPORT_PATHS[report]}.${format}`;
}

/** The audit export's parameters: audit.list's search text, and the same terms field by field. */
export const AUDIT_EXPORT_PARAMS = ['q', 'actor', 'action', 'inquiryId', 'target', 'ticket', 'hasTicket', 'after', 'before'] as const;
/** The access export's parameters: access.list's filters. kind and state may repeat (or be comma-separated). */
export const ACCESS_EXPORT_PARAMS = ['kind', 'state', 'issuer', 'issuerType', 'inquiryId', 'issuedAfter', 'issuedBefore', 'hasTicket'] as const;

/** Why a `pii` parameter is refused: there is nothing to reveal in either export. */
export const NO_PII_IN_EXPORTS =
  'pii: the audit log and the access report hold no prefilled PII (names, emails, addresses an inquiry was prefilled with), so an export has none to reveal — leave pii out';

export type ExportParamsResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** The audit export's URL for a search as the explorer holds it (`q`). */
export function auditExportUrl(format: ExportFormat, q: string): string {
  const params = new URLSearchParams();
  if (q.trim() !== '') params.set('q', q);
  const query = params.toString();
  return `${exportPath('audit', format)}${query ? `?${query}` : ''}`;
}

/** The access export's URL for the filter the report shows. */
export function accessExportUrl(format: ExportFormat, filter: AccessFilter): string {
  const params = new URLSearchParams();
  for (const kind of filter.kind ?? []) params.append('kind', kind);
  for (const state of filter.state ?? []) params.append('state', state);
  if (filter.issuer !== undefined) params.set('issuer', filter.issuer);
  if (filter.issuerType !== undefined) params.set('issuerType', filter.issuerType);
  if (filter.inquiryId !== undefined) params.set('inquiryId', filter.inquiryId);
  if (filter.issuedAfter !== undefined) params.set('issuedAfter', filter.issuedAfter.toISOString());
  if (filter.issuedBefore !== undefined) params.set('issuedBefore', filter.issuedBefore.toISOString());
  if (filter.hasTicket !== undefined) params.set('hasTicket', String(filter.hasTicket));
  const query = params.toString();
  return `${exportPath('access', format)}${query ? `?${query}` : ''}`;
}

/** Parameters outside `known`, `pii`, or given twice (except `repeatable` ones): the first problem, or null. */
function paramProblem(params: URLSearchParams, known: readonly string[], repeatable: readonly string[] = []): string | null {
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (name === 'pii') return NO_PII_IN_EXPORTS;
    if (!known.includes(name)) return `${name}: not a filter of this export — use ${known.join(', ')}`;
    if (seen.has(name) && !repeatable.includes(name)) return `${name}: given twice — give it once`;
    seen.add(name);
    if (value.length > AUDIT_QUERY_MAX_LENGTH) return `${name}: at most ${AUDIT_QUERY_MAX_LENGTH} characters`;
  }
  return null;
}

/** A value as the search box types it: quoted when it holds a space, a quote or a backslash (or is empty). */
function typed(value: string): string {
  return value.length === 0 || /[\s"\\]/u.test(value) ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value;
}

const FIELD_KEYS: Readonly<Record<string, string>> = {
  actor: 'actor',
  action: 'action',
  inquiryId: 'inquiry',
  target: 'target',
  ticket: 'ticket',
  after: 'after',
  before: 'before',
};

/**
 * The audit export's search: `q` read by the explorer's parser, with the fields given one by one read as the same
 * terms (`inquiryId=inq_…` is `inquiry:inq_…`, `target=link:lnk_…`, `hasTicket=true` is `has:ticket`); a field and a
 * term that disagree are refused, as audit.list refuses them.
 */
export function readAuditExportParams(params: URLSearchParams): AuditQueryResult {
  const problem = paramProblem(params, AUDIT_EXPORT_PARAMS);
  if (problem) return { ok: false, message: problem, at: null };
  const terms: string[] = [];
  for (const [name, value] of params) {
    if (name === 'q') continue;
    if (name === 'hasTicket') {
      if (value !== 'true' && value !== 'false') return { ok: false, message: `hasTicket: expected true or false, got "${value.slice(0, 20)}"`, at: null };
      terms.push(value === 'true' ? 'has:ticket' : 'no:ticket');
      continue;
    }
    terms.push(`${FIELD_KEYS[name] ?? name}:${typed(value)}`);
  }
  const fields = parseAuditQuery(terms.join(' '));
  if (!fields.ok) return { ...fields, at: null };
  return combineAuditQuery(params.get('q') ?? '', fields.filter);
}

const splitList = (values: string[]) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

/** The access export's filter, checked by access.list's schema. */
export function readAccessExportParams(params: URLSearchParams): ExportParamsResult<AccessFilter> {
  const problem = paramProblem(params, ACCESS_EXPORT_PARAMS, ['kind', 'state']);
  if (problem) return { ok: false, message: problem };
  const raw: Record<string, unknown> = {};
  const kinds = splitList(params.getAll('kind'));
  const states = splitList(params.getAll('state'));
  if (kinds.length > 0) raw.kind = [...new Set(kinds)];
  if (states.length > 0) raw.state = [...new Set(states)];
  for (const name of ['issuer', 'issuerType', 'inquiryId', 'issuedAfter', 'issuedBefore'] as const) {
    const value = params.get(name);
    if (value !== null) raw[name] = value;
  }
  const hasTicket = params.get('hasTicket');
  if (hasTicket !== null) {
    if (hasTicket !== 'true' && hasTicket !== 'false') return { ok: false, message: `hasTicket: expected true or false, got "${hasTicket.slice(0, 20)}"` };
    raw.hasTicket = hasTicket === 'true';
  }
  const parsed = AccessFilterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'filter';
    const known = where.startsWith('kind') ? ` (kinds: ${ACCESS_KINDS.join(', ')})` : where.startsWith('state') ? ` (states: ${ACCESS_STATES.join(', ')})` : '';
    return { ok: false, message: `${where}: ${issue?.message ?? 'is not valid'}${known}` };
  }
  const filter = parsed.data;
  if (filter.issuedAfter && filter.issuedBefore && filter.issuedAfter > filter.issuedBefore) {
    return { ok: false, message: 'issuedAfter must not be later than issuedBefore' };
  }
  return { ok: true, value: filter };
}
