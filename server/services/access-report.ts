import { z } from 'zod';
import type { StaffPrincipal } from '../auth/principal.js';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import * as repo from '../repositories/access-report.js';
import type { Executor } from '../repositories/executor.js';
import * as staffRepo from '../repositories/staff.js';
import {
  OUTLIER_MINIMUM,
  OUTLIER_RATIO,
  type AccessFilter,
  type AccessListOutput,
  type AccessListQuery,
  type AccessRow,
  type OutliersOutput,
} from '../../shared/access.js';
import { permissionScope, type Permission } from '../../shared/permissions.js';

/**
 * The session-bearing access report (docs/access-report.md): who issued access to which inquiry, when, why, whether
 * it was used and whether it is still live. Reads only; revocation from it is services/access-revoke.ts.
 */

type ReportContext = Pick<AppDeps, 'database' | 'now'> & { staff: StaffPrincipal };

/** Counted exactly up to this many rows (all sources together); past it the heading says "at least". */
export const COUNT_CAP = 1_000;

/**
 * The report's filter as the repository reads it, for this person: with `permission` held only for their own
 * records (support), only what was issued or handed to them — asking for someone else's is refused, not ignored.
 * An issuer given as a staff email is looked up.
 */
type AccessPermission = Extract<Permission, 'access:read' | 'access:revoke'>;

/** Whose rows this person may see (or revoke): all, or only their own. Any other scope holds nothing here. */
export function accessScope(staff: StaffPrincipal, permission: AccessPermission): 'all' | 'own' {
  const scope = permissionScope(staff.role, permission);
  if (scope === 'all' || scope === 'own') return scope;
  throw new AppError('FORBIDDEN', `Your role (${staff.role}) does not have the permission '${permission}'.`);
}

export async function resolveFilter(
  db: Executor,
  staff: StaffPrincipal,
  permission: AccessPermission,
  input: AccessFilter,
): Promise<{ filter: repo.ReportFilter; scope: 'all' | 'own' }> {
  const scope = accessScope(staff, permission);
  let issuerId = input.issuer ?? null;
  if (scope === 'own') {
    // Checked before any lookup: support learns nothing about other people's ids or emails from the answer.
    const mine = issuerId === null || issuerId === staff.id || issuerId.toLowerCase() === staff.email.toLowerCase();
    if (!mine) throw new AppError('FORBIDDEN', 'You can see only the access you issued yourself: leave the issuer filter empty.');
    issuerId = staff.id;
  } else if (issuerId?.includes('@')) {
    const person = await staffRepo.findByEmail(db, issuerId);
    if (!person) throw new AppError('BAD_REQUEST', `issuer: no member of staff has the email ${issuerId}.`);
    issuerId = person.id;
  }
  return {
    scope,
    filter: {
      kinds: input.kind && input.kind.length > 0 ? input.kind : null,
      states: input.state && input.state.length > 0 ? input.state : null,
      issuerId,
      issuerType: input.issuerType ?? null,
      inquiryId: input.inquiryId ?? null,
      issuedAfter: input.issuedAfter ?? null,
      issuedBefore: input.issuedBefore ?? null,
      hasTicket: input.hasTicket ?? null,
      revocableOnly: false,
    },
  };
}

/** An opaque keyset position: the last row's issue time and id. */
const CursorSchema = z.object({ t: z.iso.datetime(), id: z.string().regex(/^[A-Za-z0-9_]{1,100}$/) });

export function encodeCursor(position: repo.ReportPosition): string {
  return Buffer.from(JSON.stringify({ t: position.issuedAt.toISOString(), id: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string): repo.ReportPosition {
  try {
    const parsed = CursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { issuedAt: new Date(parsed.t), id: parsed.id };
  } catch {
    throw new AppError('BAD_REQUEST', 'cursor: is malformed — start again from the first page');
  }
}

export function toAccessRow(row: repo.ReportRow): AccessRow {
  const { version_number: version, latest_version_number: latest } = row;
  return {
    id: row.row_id,
    kind: row.kind,
    inquiryId: row.inquiry_id,
    issuedBy: row.issuer_display,
    issuer: { type: row.issuer_type, id: row.issuer_id, display: row.issuer_display },
    issuedAt: row.issued_at,
    reason: row.reason,
    ticket: row.ticket,
    fingerprint: row.fingerprint,
    expiresAt: row.expires_at,
    state: row.state,
    firstUsedAt: row.first_used_at,
    lastUsedAt: row.last_used_at,
    useCount: row.use_count,
    revokedAt: row.revoked_at,
    sessionId: row.session_id,
    linkId: row.link_id,
    reusedSession: row.reused_session,
    versionNumber: version,
    latestVersionNumber: latest,
    versionGap: version !== null && latest !== null ? Math.max(0, latest - version) : null,
    note: row.note,
    revocable: row.revocable,
    approvedBy: row.approved_by,
  };
}

/**
 * One page of the report, newest first, with how many rows match: exact up to COUNT_CAP, else "at least COUNT_CAP"
 * (totalExact false). A first page that holds every match is its own count.
 */
export async function listAccess(ctx: ReportContext, input: AccessListQuery): Promise<AccessListOutput> {
  const { db } = ctx.database;
  const now = ctx.now();
  const { filter, scope } = await resolveFilter(db, ctx.staff, 'access:read', input);
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const pageOf = (executor: Executor) => repo.reportPage(executor, filter, now, after, input.limit + 1, { prepared: true });
  const countOf = (executor: Executor) => repo.reportTotalUpTo(executor, filter, now, COUNT_CAP, { prepared: true });
  // Prepared, planned once for all values (repo.planReportStatements). On the report's own connections, which start
  // with those settings, the page and the count run at once, each on a connection of its own, so a request waits for
  // the slower of the two rather than for both. Else (PGlite; a pooler that drops the settings) one after the other
  // in a read-only transaction that sets them, the count only when the page needs one.
  const reads = (await ctx.database.reportReads?.()) ?? null;
  const [rows, total] = reads
    ? await Promise.all([pageOf(reads), countOf(reads)])
    : await db
        .transaction()
        .setAccessMode('read only')
        .execute(async (trx) => {
          await repo.planReportStatements(trx);
          const rows = await pageOf(trx);
          return [rows, after || rows.length > input.limit ? await countOf(trx) : rows.length] as const;
        });
  const page = rows.slice(0, input.limit);
  const more = rows.length > input.limit;
  // A first page that holds every match is its own count.
  const counted = !after && !more ? page.length : total;
  const last = page.at(-1);
  return {
    items: page.map(toAccessRow),
    nextCursor: more && last ? encodeCursor({ issuedAt: last.issued_at, id: last.row_id }) : null,
    total: counted ?? COUNT_CAP,
    totalExact: counted !== null,
    scope,
  };
}

const DAY_MS = 86_400_000;
/** How far back each granularity looks: two weeks of days, eight weeks of weeks. */
const WINDOW = { day: 14, week: 8 } as const;

/** The UTC start of the day (or ISO week, Monday) after the one `now` is in. */
function nextBucketStart(now: Date, unit: 'day' | 'week'): Date {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (unit === 'day') return new Date(day + DAY_MS);
  const sinceMonday = (now.getUTCDay() + 6) % 7;
  return new Date(day - sinceMonday * DAY_MS + 7 * DAY_MS);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Issues per agent per UTC day (last 14) or ISO week (last 8), with the team's median beside each: the median over
 * every agent who issued anything in the window, a day without issues counting as 0 for them. An agent is an
 * outlier in a bucket with at least OUTLIER_RATIO × that median and at least OUTLIER_MINIMUM issues. Support sees
 * their own line against the team's median.
 */
export async function accessOutliers(ctx: ReportContext, input: { granularity: 'day' | 'week' }): Promise<OutliersOutput> {
  const scope = accessScope(ctx.staff, 'access:read');
  const unit = input.granularity;
  const step = unit === 'day' ? DAY_MS : 7 * DAY_MS;
  const to = nextBucketStart(ctx.now(), unit);
  const from = new Date(to.getTime() - WINDOW[unit] * step);
  const rows = await repo.issuesPerAgent(ctx.database.db, unit, from, to);

  const starts = Array.from({ length: WINDOW[unit] }, (_, i) => from.getTime() + i * step);
  const agents = new Map<string, { display: string | null; counts: Map<number, number> }>();
  for (const row of rows) {
    const agent = agents.get(row.issuer_id) ?? { display: row.issuer_display, counts: new Map<number, number>() };
    agent.counts.set(row.bucket.getTime(), row.n);
    agent.display ??= row.issuer_display;
    agents.set(row.issuer_id, agent);
  }
  const medians = new Map(starts.map((start) => [start, median([...agents.values()].map((a) => a.counts.get(start) ?? 0))]));
  const isOutlier = (count: number, teamMedian: number) => count >= OUTLIER_MINIMUM && count >= OUTLIER_RATIO * teamMedian;

  const lines = [...agents]
    .filter(([id]) => scope === 'all' || id === ctx.staff.id)
    .map(([issuerId, agent]) => {
      const counts = starts.map((start) => ({ start: new Date(start), count: agent.counts.get(start) ?? 0 })).filter((c) => c.count > 0);
      const ratio = (c: { start: Date; count: number }) => c.count / Math.max(medians.get(c.start.getTime()) ?? 0, 1);
      const peak = counts.reduce((best, c) => (ratio(c) > ratio(best) || (ratio(c) === ratio(best) && c.count > best.count) ? c : best), counts[0] ?? { start: new Date(from), count: 0 });
      const peakMedian = medians.get(peak.start.getTime()) ?? 0;
      return {
        issuerId,
        issuerDisplay: agent.display,
        total: counts.reduce((sum, c) => sum + c.count, 0),
        peak: { start: peak.start, count: peak.count, teamMedian: peakMedian },
        outlier: counts.some((c) => isOutlier(c.count, medians.get(c.start.getTime()) ?? 0)),
        counts,
        sortKey: ratio(peak),
      };
    })
    .sort((a, b) => Number(b.outlier) - Number(a.outlier) || b.sortKey - a.sortKey || b.total - a.total || a.issuerId.localeCompare(b.issuerId))
    .map(({ sortKey: _sortKey, ...line }) => line);

  return {
    granularity: unit,
    from,
    to,
    buckets: starts.map((start) => ({
      start: new Date(start),
      teamMedian: medians.get(start) ?? 0,
      agents: [...agents.values()].filter((a) => (a.counts.get(start) ?? 0) > 0).length,
    })),
    agents: lines,
    threshold: { ratio: OUTLIER_RATIO, minimum: OUTLIER_MINIMUM },
    scope,
  };
}
