import { AppError } from '../errors.js';
import type { AppDeps } from '../deps.js';
import * as repo from '../repositories/inquiries.js';
import * as list from '../repositories/inquiry-list.js';
import * as store from '../repositories/inquiry-store/index.js';
import {
  INQUIRY_ID_PATTERN,
  type ExpiryFilter,
  type InquiryDetail,
  type InquiryListItem,
  type InquiryListOutput,
  type InquiryListQuery,
  type Overview,
  type QuickView,
  type SortField,
} from '../../shared/inquiries.js';
import { OPEN_STATUSES, type Status } from '../../shared/statuses.js';
import type { LinkSummary } from '../../shared/links.js';
import type { AccessLinkRow } from '../db/schema.js';
import type { VersionCatalog } from './catalog-cache.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { diagnose } from './diagnosis.js';
import { maskFields, maskValue } from './pii.js';

/**
 * Up to this many matches `total` is exact; above it, the planner's estimate (marked `totalExact: false`).
 * Counting up to the cap is a cheap index-only scan (docs/performance.md, "Why the list is shaped this way").
 */
export const TOTAL_EXACT_CAP = 1_000;
/** Status counts on the overview are exact up to this table size, estimated from statistics above it. */
const OVERVIEW_EXACT_ROWS = 200_000;

const SORT_COLUMNS: Record<SortField, list.SortColumn> = {
  createdAt: 'created_at',
  expiresAt: 'expires_at',
  updatedAt: 'updated_at',
};

const HOUR = 3_600_000;
const EXPIRY_WINDOWS: Record<Exclude<ExpiryFilter, 'expired' | 'live'>, number> = {
  within_1h: HOUR,
  within_24h: 24 * HOUR,
  within_7d: 7 * 24 * HOUR,
};

/** What each quick view means, as filters. Explicit filters given with a quick view narrow it further. */
const QUICK_VIEW_FILTERS: Record<QuickView, Partial<InquiryListQuery>> = {
  // Started, not expired, and no live session: the end user cannot get back in on their own.
  stuck: { status: ['pending'], expiry: 'live', noLiveSession: true },
  expiring_24h: { expiry: 'within_24h' },
  outdated: { status: ['created', 'pending', 'expired'], versionState: 'outdated' },
  // Expired and not already replaced by a successor: resuming would hand access back.
  expired_resumable: { status: ['expired'] },
};

function intersect<T>(a: readonly T[] | null, b: readonly T[] | null): T[] | null {
  if (a === null) return b === null ? null : [...b];
  if (b === null) return [...a];
  return a.filter((x) => b.includes(x));
}

function resolveVersions(query: InquiryListQuery, catalog: VersionCatalog): string[] | null {
  if (!query.templateId && !query.versionState) return null;
  return catalog
    .filter((v) => !query.templateId || v.template_id === query.templateId)
    .filter((v) => {
      if (!query.versionState) return true;
      const isLatest = v.id === v.latest_version_id;
      return query.versionState === 'latest' ? isLatest : !isLatest;
    })
    .map((v) => v.id);
}

/** Turns the user's filters into an explicit plan; null when they can match nothing (no query needed). */
export function planList(query: InquiryListQuery, catalog: VersionCatalog, now: Date): list.ListPlan | null {
  const preset = query.quickView ? QUICK_VIEW_FILTERS[query.quickView] : {};
  const expiry = query.expiry ?? preset.expiry ?? null;
  const versionState = query.versionState ?? preset.versionState;
  const effective: InquiryListQuery = { ...query, ...(versionState ? { versionState } : {}) };

  let statuses: Status[] | null = intersect(query.status ?? null, preset.status ?? null);
  let expiresAfter: Date | null = null;
  let expiresAtOrBefore: Date | null = null;
  let expiredAsOf: Date | null = null;
  if (expiry === 'expired') {
    statuses = intersect(statuses, ['expired', ...OPEN_STATUSES]);
    expiredAsOf = now;
  } else if (expiry === 'live') {
    statuses = intersect(statuses, OPEN_STATUSES);
    expiresAfter = now;
  } else if (expiry) {
    statuses = intersect(statuses, OPEN_STATUSES);
    expiresAfter = now;
    expiresAtOrBefore = new Date(now.getTime() + EXPIRY_WINDOWS[expiry]);
  }
  if (statuses && statuses.length === 0) return null;

  const versionIds = resolveVersions(effective, catalog);
  if (versionIds && versionIds.length === 0) return null;

  let search: list.ListPlan['search'] = null;
  if (query.search) {
    const term = query.search;
    search = { id: INQUIRY_ID_PATTERN.test(term) ? term : null, text: INQUIRY_ID_PATTERN.test(term) ? null : term };
  }

  return {
    statuses,
    versionIds,
    customerId: query.customerId ?? null,
    search,
    expiresAfter,
    expiresAtOrBefore,
    expiredAsOf,
    noLiveSessionAt: (query.noLiveSession ?? preset.noLiveSession) ? now : null,
    noSuccessor: query.quickView === 'expired_resumable',
    createdAfter: query.createdAfter ?? null,
    createdBefore: query.createdBefore ?? null,
    sort: SORT_COLUMNS[query.sort],
    order: query.order,
    after: query.cursor ? decodeCursor(query.cursor, query.sort, query.order) : null,
    limit: query.limit,
    now,
  };
}

function toListItem(row: list.ListRow): InquiryListItem {
  return {
    id: row.id,
    status: row.status,
    referenceId: row.reference_id,
    templateId: row.template_id,
    templateName: row.template_name,
    versionId: row.version_id,
    versionNumber: row.version_number,
    latestVersionNumber: row.latest_version_number,
    isOutdated: row.version_number < row.latest_version_number,
    customerId: row.customer_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    expiresAt: row.expires_at,
    liveSessionCount: row.live_session_count,
    // Masked here, from the page's own row (read with it, after the index walks): the address never leaves the server.
    emailMasked: row.email_normalized ? maskValue('email-address', row.email_normalized) : null,
  };
}

export async function listInquiries(deps: AppDeps, query: InquiryListQuery): Promise<InquiryListOutput> {
  const { db } = deps.database;
  // Kept between requests and dropped on any change to templates or versions (server/services/catalog-cache.ts).
  const catalog = await deps.catalog.versions();
  const plan = planList(query, catalog, deps.now());
  if (!plan) return { items: [], nextCursor: null, total: 0, totalExact: true };

  // How many match: exact up to TOTAL_EXACT_CAP, else the planner's estimate, labelled as such.
  const count = async () => {
    const counted = await list.countInquiriesUpTo(db, plan, TOTAL_EXACT_CAP);
    return counted !== null ? { total: counted, totalExact: true } : { total: Math.max(await list.estimateInquiries(db, plan), TOTAL_EXACT_CAP + 1), totalExact: false };
  };
  // On a server database the page and the count run at once, each on a connection of the pool, so the request waits
  // for the slower of the two rather than for both; the embedded engine is one session, and counts only when the page
  // needs it. A page that holds the whole result is its own exact total.
  const [rows, counted] = deps.database.kind === 'postgres' ? await Promise.all([list.listInquiries(db, plan), count()]) : [await list.listInquiries(db, plan), null];
  const page = rows.slice(0, plan.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > plan.limit && last
      ? encodeCursor({ sort: query.sort, order: query.order, value: last[plan.sort], id: last.id })
      : null;
  const { total, totalExact } = !plan.after && !nextCursor ? { total: page.length, totalExact: true } : (counted ?? (await count()));
  return { items: page.map(toListItem), nextCursor, total, totalExact };
}

function toLinkSummary(l: AccessLinkRow, now: Date): LinkSummary {
  // As the access report says it (repositories/access-report.ts): a redeemed one-time link stays 'used' past its expiry.
  const state = l.revoked_at ? 'revoked' : l.kind === 'one_time' && l.first_used_at ? 'used' : store.linkExpired(l, now) ? 'expired' : 'live';
  return {
    id: l.id,
    kind: l.kind,
    createdAt: l.created_at,
    expiresAt: l.expires_at,
    firstUsedAt: l.first_used_at,
    useCount: l.use_count,
    revokedAt: l.revoked_at,
    issuedBy: l.issued_by_display,
    issuedById: l.issued_by_id,
    reason: l.reason,
    ticket: l.ticket,
    tokenFingerprint: l.token_fingerprint,
    emailedTo: l.emailed_to_masked,
    state,
  };
}

export async function getInquiry(deps: AppDeps, id: string): Promise<InquiryDetail> {
  const { db } = deps.database;
  const row = await repo.findInquiry(db, id);
  if (!row) throw new AppError('NOT_FOUND', `No inquiry ${id}. Check the id, or search by reference id or email.`);
  const now = deps.now();
  const [sessions, handouts, links, events, successor, predecessor] = await Promise.all([
    repo.listSessions(db, id),
    repo.listSessionHandouts(db, id),
    store.listLinks(db, id),
    repo.listEvents(db, id),
    repo.findSuccessor(db, id),
    row.predecessor_id ? repo.findStatus(db, row.predecessor_id) : Promise.resolve(undefined),
  ]);
  const sessionDtos = sessions.map((s) => ({
    id: s.id,
    createdAt: s.created_at,
    expiresAt: s.expires_at,
    startedAt: s.started_at,
    expiredAt: s.expired_at,
    revokedAt: s.revoked_at,
    issuedByType: s.issued_by_type,
    issuedBy: s.issued_by_display,
    reason: s.reason,
    tokenFingerprint: s.token_fingerprint,
    state: s.revoked_at ? ('revoked' as const) : s.expired_at || s.expires_at <= now ? ('expired' as const) : ('live' as const),
    handedTo: handouts
      .filter((h) => h.session_id === s.id)
      .map((h) => ({ type: h.handed_to_type, by: h.handed_to_display, byId: h.handed_to_id, at: h.handed_at, reason: h.reason })),
  }));
  const base = toListItem({
    ...row,
    live_session_count: sessionDtos.filter((s) => s.state === 'live').length,
  });
  const detail: Omit<InquiryDetail, 'diagnosis'> = {
    ...base,
    kind: row.kind,
    accountId: row.account_id,
    customerName: row.customer_name,
    latestVersionId: row.latest_version_id,
    versionsBehind: Math.max(0, row.latest_version_number - row.version_number),
    versionPublishedAt: row.version_published_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    failedAt: row.failed_at,
    decisionedAt: row.decisioned_at,
    expiredAt: row.expired_at,
    fields: maskFields(row.fields),
    policy:
      row.policy_revision_id !== null && row.after_create_minutes !== null && row.after_resume_minutes !== null && row.one_time_link_minutes !== null
        ? {
            revisionId: row.policy_revision_id,
            afterCreateMinutes: row.after_create_minutes,
            afterStartMinutes: row.after_start_minutes,
            afterResumeMinutes: row.after_resume_minutes,
            oneTimeLinkMinutes: row.one_time_link_minutes,
          }
        : null,
    sessions: sessionDtos,
    links: links.map((l) => toLinkSummary(l, now)),
    timeline: events.map((e) => ({ id: e.id, occurredAt: e.occurred_at, kind: e.kind, detail: e.detail })),
    predecessor: predecessor ?? null,
    successor: successor ?? null,
  };
  return { ...detail, diagnosis: diagnose(detail, now, deps.config.guards) };
}

export async function getOverview(deps: AppDeps): Promise<Overview> {
  const { db } = deps.database;
  const now = deps.now();
  const [byStatus, open] = await Promise.all([repo.countByStatus(db, OVERVIEW_EXACT_ROWS), repo.countOpen(db, now)]);
  return {
    byStatus: byStatus.byStatus,
    expiringWithin24h: open.expiring,
    openOnOutdatedVersion: open.outdated,
    stuck: open.stuck,
    countsExact: byStatus.exact,
  };
}
