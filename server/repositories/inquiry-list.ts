import { sql, type SqlBool } from 'kysely';
import type { Executor } from './executor.js';
import { liveSessionCount, noLiveSessionAt } from './inquiry-store/live-sessions.js';

/**
 * The triage list's physical plan: how one resolved list query (a ListPlan) becomes index walks. The service
 * (services/inquiries.ts) resolves filters into a plan; this module only decides how to read it. Why the list is
 * shaped this way, with measurements: docs/performance.md.
 */

export type SortColumn = 'created_at' | 'expires_at' | 'updated_at';

/** A fully resolved list query: every set is explicit, nothing left to interpret. */
export interface ListPlan {
  statuses: readonly string[] | null;
  versionIds: readonly string[] | null;
  customerId: string | null;
  search: { id: string | null; text: string | null } | null;
  expiresAfter: Date | null; // expires_at > value
  expiresAtOrBefore: Date | null; // expires_at <= value
  /** The "expired" filter: status expired, or open but past its expiry and not yet swept. */
  expiredAsOf: Date | null;
  noLiveSessionAt: Date | null;
  noSuccessor: boolean;
  createdAfter: Date | null;
  createdBefore: Date | null;
  sort: SortColumn;
  order: 'asc' | 'desc';
  after: { value: Date; id: string } | null;
  limit: number;
  now: Date;
}

export interface ListRow {
  id: string;
  status: string;
  reference_id: string | null;
  template_id: string;
  template_name: string;
  version_id: string;
  version_number: number;
  latest_version_number: number;
  customer_id: string | null;
  created_at: Date;
  updated_at: Date;
  expires_at: Date;
  live_session_count: number;
  /** The stored (lower-cased) email: the service masks it and it goes no further. */
  email_normalized: string | null;
}

/**
 * Several `status = ANY(...)` or `version_id = ANY(...)` values cannot walk one composite index in order, so the
 * list is a UNION ALL of one keyset walk per (status, version) pair, each on its own index and each stopping
 * after `limit` rows, merged by the outer ORDER BY. Past this many branches the larger set becomes a filter.
 */
const MAX_BRANCHES = 48;
/** From this many branches on, branches of the same shape share one plan (a LATERAL walk over their values). */
const LATERAL_FROM_BRANCHES = 8;
/** A creation range spanning at most this many UTC days is walked day by day (migrations/0009). */
export const MAX_CREATED_DAY_BUCKETS = 120;
/**
 * An expiry window spanning at most this many UTC hours (expiring within 1 h) is walked hour by hour (migrations/0009).
 * Wider windows hold enough of the open inquiries that the sort-order walk of each (status, version) meets them
 * soon; hour buckets would read a template or version filter from the entries and pass over other templates' rows.
 */
export const MAX_EXPIRY_HOUR_BUCKETS = 6;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

interface Branch {
  status: string | null;
  versionId: string | null;
  /** The UTC creation day ('2026-11-26') or expiry hour ('2026-11-26 14:00:00') this walk is confined to. */
  bucket: string | null;
}

/**
 * A range of one column listed in the order of another is not one btree range: walking the sort column and
 * filtering the range skips everything outside it, and collecting the range and sorting it grows with the range
 * (docs/performance.md, "Why the list is shaped this way"). Bucketed by UTC creation day (or, for a short expiry
 * window, UTC expiry hour), every bucket is an ordered range of a migrations/0009 index: the list becomes one
 * keyset walk per bucket, each stopping after `limit` rows, like the (status, version) branches.
 * The range's own bounds stay as filters; they only remove rows in the buckets at its two ends.
 */
interface Buckets {
  kind: 'created_day' | 'expires_hour';
  values: string[];
}

/** Rows a bucket's walk may filter without visiting the heap: the columns the 0009 indexes carry. */
function bucketable(plan: ListPlan): boolean {
  return plan.search === null && plan.customerId === null && !plan.noSuccessor && plan.expiredAsOf === null;
}

/** The UTC days from `from` to `to` ('2026-11-26'), or null when there are more than `max` (not listed). */
function utcDays(from: Date, to: Date, max: number): string[] | null {
  const first = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  if ((to.getTime() - first) / DAY_MS >= max) return null;
  const days: string[] = [];
  for (let t = first; t <= to.getTime(); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** The UTC hours from `from` to `to` ('2026-11-26 14:00:00'), or null when there are more than `max`. */
function utcHours(from: Date, to: Date, max: number): string[] | null {
  const first = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
  if ((to.getTime() - first) / HOUR_MS >= max) return null;
  const hours: string[] = [];
  for (let t = first; t <= to.getTime(); t += HOUR_MS) hours.push(`${new Date(t).toISOString().slice(0, 13).replace('T', ' ')}:00:00`);
  return hours;
}

/** The first and last creation time in the table: two index endpoint lookups. */
async function createdSpan(db: Executor): Promise<{ first: Date | null; last: Date | null }> {
  const result = await sql<{ first: Date | null; last: Date | null }>`select min(created_at) as first, max(created_at) as last from inquiries`.execute(db);
  return result.rows[0] ?? { first: null, last: null };
}

/** Whether (and how) this list is walked bucket by bucket; null for the plain (status, version) walks. */
async function bucketsOf(db: Executor, plan: ListPlan): Promise<Buckets | null> {
  if (!bucketable(plan)) return null;
  if (plan.sort !== 'created_at' && (plan.createdAfter || plan.createdBefore) && plan.expiresAfter === null && plan.noLiveSessionAt === null) {
    let { createdAfter: from, createdBefore: to } = plan;
    if (!from || !to) {
      const span = await createdSpan(db);
      from ??= span.first;
      to ??= span.last;
      if (!from || !to) return null; // no inquiries at all
    }
    if (to < from) return null;
    // A range of years is not listed day by day only to be refused.
    const days = utcDays(from, to, MAX_CREATED_DAY_BUCKETS);
    return days ? { kind: 'created_day', values: days } : null;
  }
  if (plan.sort !== 'expires_at' && plan.expiresAfter && plan.expiresAtOrBefore && plan.expiresAtOrBefore > plan.expiresAfter) {
    // The expiry windows apply to open inquiries only (the service narrows the statuses to created/pending).
    if (!plan.statuses || !plan.statuses.every(isOpen)) return null;
    const hours = utcHours(plan.expiresAfter, plan.expiresAtOrBefore, MAX_EXPIRY_HOUR_BUCKETS);
    return hours ? { kind: 'expires_hour', values: hours } : null;
  }
  return null;
}

function bucketCondition(kind: Buckets['kind'], value: ReturnType<typeof sql>) {
  return kind === 'created_day'
    ? sql<SqlBool>`((i.created_at at time zone 'UTC')::date) = ${value}`
    : sql<SqlBool>`date_trunc('hour', i.expires_at at time zone 'UTC') = ${value}`;
}

function bucketValue(kind: Buckets['kind'], value: string) {
  return kind === 'created_day' ? sql`${value}::date` : sql`${value}::timestamp`;
}

/**
 * Every predicate of the plan except the keyset position. With `bound`, the branch's equalities compare with the
 * columns of the lateral VALUES row `b` instead of its own values (see `listInquiries`): `branch` then stands for
 * every branch of its shape.
 */
function filters(plan: ListPlan, branch: Branch, bound = false, bucketKind: Buckets['kind'] | null = null, windowApart = false) {
  const parts: ReturnType<typeof sql<SqlBool>>[] = [];
  if (branch.bucket !== null && bucketKind) {
    parts.push(bucketCondition(bucketKind, bound ? sql`b.bucket` : bucketValue(bucketKind, branch.bucket)));
    // The open-status bucket indexes are partial: with the status bound from a VALUES row the planner cannot
    // prove their predicate unless it is stated, and would not consider them.
    if (bound && isOpen(branch.status)) parts.push(sql<SqlBool>`i.status in ('created', 'pending')`);
  }
  if (branch.status !== null) parts.push(bound ? sql<SqlBool>`i.status = b.status` : sql<SqlBool>`i.status = ${branch.status}`);
  else if (plan.statuses) parts.push(sql<SqlBool>`i.status in (${sql.join(plan.statuses)})`);
  if (branch.versionId !== null) parts.push(bound ? sql<SqlBool>`i.version_id = b.version_id` : sql<SqlBool>`i.version_id = ${branch.versionId}`);
  else if (plan.versionIds) parts.push(sql<SqlBool>`i.version_id in (${sql.join(plan.versionIds)})`);
  if (plan.customerId) parts.push(sql<SqlBool>`i.customer_id = ${plan.customerId}`);
  if (plan.search) {
    const { id, text } = plan.search;
    const alternatives: ReturnType<typeof sql<SqlBool>>[] = [];
    if (id) alternatives.push(sql<SqlBool>`i.id = ${id}`);
    if (text) {
      alternatives.push(sql<SqlBool>`i.reference_id = ${text}`);
      alternatives.push(sql<SqlBool>`i.email_normalized = ${text.toLowerCase()}`);
    }
    parts.push(sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`);
  }
  if (windowApart) {
    // Applied by the walk, outside its fence (see `listInquiries`). The open-status predicate, stated, lets the
    // planner prove that the partial (status, version, created_at) index applies to a status bound from VALUES.
    parts.push(sql<SqlBool>`i.status in ('created', 'pending')`);
  } else {
    if (plan.expiresAfter) parts.push(sql<SqlBool>`i.expires_at > ${plan.expiresAfter}`);
    if (plan.expiresAtOrBefore) parts.push(sql<SqlBool>`i.expires_at <= ${plan.expiresAtOrBefore}`);
  }
  if (plan.expiredAsOf) {
    // Within a status branch the status is known: keep only the half of the condition that applies, so the
    // open branches walk (status, expires_at) over the few overdue rows instead of filtering every open one.
    if (branch.status === 'expired') {
      // every row of this branch matches
    } else if (isOpen(branch.status)) {
      parts.push(sql<SqlBool>`i.expires_at <= ${plan.expiredAsOf}`);
    } else {
      parts.push(sql<SqlBool>`(i.status = 'expired' or (i.status in ('created', 'pending') and i.expires_at <= ${plan.expiredAsOf}))`);
    }
  }
  if (plan.noLiveSessionAt) {
    parts.push(noLiveSessionAt('i', plan.noLiveSessionAt));
  }
  if (plan.noSuccessor) parts.push(sql<SqlBool>`not exists (select 1 from inquiries succ where succ.predecessor_id = i.id)`);
  if (plan.createdAfter) parts.push(sql<SqlBool>`i.created_at >= ${plan.createdAfter}`);
  if (plan.createdBefore) parts.push(sql<SqlBool>`i.created_at <= ${plan.createdBefore}`);
  return parts;
}

/**
 * Whether one plan, made without knowing which (status, version) pair it runs for, is right for every pair: when
 * the walk's only conditions besides the pair are ranges of the sort column (the keyset, a creation range sorted by
 * creation, an expiry window sorted by expiry), the overdue read (fenced, in expiry order), or a bucket (each an
 * ordered range of its own index). A range of another column or a filter (live sessions, customer) leaves a choice
 * between walking the sort order and collecting the range, which depends on the pair: a generic plan chose to
 * collect and sort each pair's whole range, even for the latest versions, which hold the most rows
 * (docs/performance.md, "Why the list is shaped this way").
 */
function sharesOnePlan(plan: ListPlan, buckets: Buckets | null): boolean {
  // Each bucket's walk is an ordered range of its own index; the range's bounds only trim the end buckets.
  if (buckets) return true;
  const expiryRange = plan.expiresAfter !== null || plan.expiresAtOrBefore !== null;
  const createdRange = plan.createdAfter !== null || plan.createdBefore !== null;
  return (
    (!expiryRange || plan.sort === 'expires_at' || walksWindow(plan)) &&
    (!createdRange || plan.sort === 'created_at') &&
    plan.noLiveSessionAt === null &&
    plan.customerId === null &&
    !plan.noSuccessor &&
    plan.search === null
  );
}

/** What `filters` and `listInquiries` do differently by status (the expired filter keeps one half per status). */
function shapeOf(plan: ListPlan, status: string | null): string {
  if (!plan.expiredAsOf || status === null) return 'any';
  return status === 'expired' ? 'expired' : isOpen(status) ? 'open' : 'other';
}

/**
 * An expiry window of open inquiries listed in another order, not walked hour by hour: each (status, version) pair
 * is walked in the sort order under one shared plan, the window filtering what the walk streams (`listInquiries`).
 */
function walksWindow(plan: ListPlan): boolean {
  if (plan.expiresAfter === null || plan.sort === 'expires_at' || plan.expiredAsOf !== null) return false;
  return plan.statuses?.every(isOpen) ?? false;
}

function isOpen(status: string | null): boolean {
  return status === 'created' || status === 'pending';
}

function where(parts: ReturnType<typeof sql<SqlBool>>[]) {
  return parts.length === 0 ? sql`` : sql`where ${sql.join(parts, sql` and `)}`;
}

function branches(plan: ListPlan, buckets: Buckets | null): Branch[] {
  // A search hits a handful of rows through its own indexes; branching would only multiply work.
  if (plan.search) return [{ status: null, versionId: null, bucket: null }];
  if (buckets?.kind === 'created_day') {
    // Open statuses only: by (status, day), on their own small indexes. Otherwise by day, reading the status and
    // version filters from the index entries (0009 includes them).
    const statuses = plan.statuses?.every(isOpen) ? plan.statuses : [null];
    return statuses.flatMap((status) => buckets.values.map((bucket) => ({ status, versionId: null, bucket })));
  }
  // By expiry hour within each open status; the version filter is read from the index entries.
  if (buckets?.kind === 'expires_hour') return (plan.statuses ?? []).flatMap((status) => buckets.values.map((bucket) => ({ status, versionId: null, bucket })));
  let statuses: (string | null)[] = plan.statuses ? [...plan.statuses] : [null];
  let versions: (string | null)[] = plan.versionIds ? [...plan.versionIds] : [null];
  if (statuses.length * versions.length > MAX_BRANCHES) {
    if (versions.length >= statuses.length) versions = [null];
    else statuses = [null];
    if (statuses.length * versions.length > MAX_BRANCHES) {
      statuses = [null];
      versions = [null];
    }
  }
  return statuses.flatMap((status) => versions.map((versionId) => ({ status, versionId, bucket: null })));
}

export async function listInquiries(db: Executor, plan: ListPlan): Promise<ListRow[]> {
  const col = sql.ref(`i.${plan.sort}`);
  const dir = plan.order === 'asc' ? sql`asc` : sql`desc`;
  const keyset = plan.after
    ? plan.order === 'asc'
      ? sql<SqlBool>`(${col}, i.id) > (${plan.after.value}, ${plan.after.id})`
      : sql<SqlBool>`(${col}, i.id) < (${plan.after.value}, ${plan.after.id})`
    : null;
  const take = plan.limit + 1; // one extra row tells whether there is a next page

  // Deferred join: each branch reads only (id, sort value), so the composite index that matches its equalities
  // answers it as an index-only scan. Selecting whole rows there made the planner prefer walking the plain sort
  // index and filtering — fine if a version's rows were spread evenly over time, slow when they are all old
  // (docs/performance.md, "Why the list is shaped this way").
  const buckets = await bucketsOf(db, plan);
  const walk = (branch: Branch, bound: boolean) => {
    const windowApart = bound && branch.bucket === null && walksWindow(plan);
    const conditions = filters(plan, branch, bound, buckets?.kind ?? null, windowApart);
    // No inquiry expires or changes before it is created (CHECK constraints of migrations/0009): a creation range
    // bounds an expiry- or update-ordered walk from below, so it starts where the range can begin instead of
    // filtering everything older.
    if (plan.createdAfter && plan.sort !== 'created_at') conditions.push(sql<SqlBool>`${col} >= ${plan.createdAfter}`);
    if (plan.expiredAsOf && isOpen(branch.status)) {
      // Open but overdue: only the few rows the expiry sweep has not reached yet (none, right after a sweep). Read
      // them all in expiry order, as the sweep takes them, from (status, expires_at), and sort them. Left to itself
      // the planner walks the sort order and filters every open inquiry (docs/performance.md, "Why the list is
      // shaped this way"): it takes most open rows for overdue, since most expires_at values of the table are past.
      // The keyset position is applied after the fence, so that it cannot offer the planner a range of the sort
      // index to walk instead.
      const position = plan.after
        ? plan.order === 'asc'
          ? sql`where (sort_value, id) > (${plan.after.value}, ${plan.after.id})`
          : sql`where (sort_value, id) < (${plan.after.value}, ${plan.after.id})`
        : sql``;
      return sql`(select id, sort_value from (select i.id, ${col} as sort_value from inquiries i ${where(conditions)}
          order by i.expires_at offset 0) overdue ${position}
        order by sort_value ${dir}, id ${dir} limit ${take})`;
    }
    if (keyset) conditions.push(keyset);
    if (windowApart) {
      // An expiry window in another order, under the plan every (status, version) pair shares. Made without the
      // pair's values, from the whole table's expiry histogram (six months, mostly past), the window looked like a
      // handful of rows per pair, and the planner collected each pair's window from (status, version, expires_at)
      // and sorted it, far more rows than a page for the Outdated versions × live (docs/performance.md, "Why the
      // list is shaped this way"; a wrapped `(…) is true` got the same plan for the 24 h window). Fenced (OFFSET 0),
      // the inner query is only the pair's walk in the sort order, and the window filters what it streams until the
      // page is full.
      const window = [
        ...(plan.expiresAfter ? [sql<SqlBool>`ordered.expires_at > ${plan.expiresAfter}`] : []),
        ...(plan.expiresAtOrBefore ? [sql<SqlBool>`ordered.expires_at <= ${plan.expiresAtOrBefore}`] : []),
      ];
      return sql`(select id, sort_value from (select i.id, ${col} as sort_value, i.expires_at from inquiries i ${where(conditions)}
          order by ${col} ${dir}, i.id ${dir} offset 0) ordered ${where(window)}
        order by sort_value ${dir}, id ${dir} limit ${take})`;
    }
    return sql`(select i.id, ${col} as sort_value from inquiries i ${where(conditions)}
      order by ${col} ${dir}, i.id ${dir} limit ${take})`;
  };
  const all = branches(plan, buckets);
  let parts: ReturnType<typeof sql>[];
  // Bucketed walks always share one plan: planned with a bucket's own value, the planner estimated a handful of
  // rows in an expiry hour × window and collected and sorted thousands.
  if ((all.length < LATERAL_FROM_BRANCHES && !buckets) || !sharesOnePlan(plan, buckets)) {
    parts = all.map((branch) => walk(branch, false));
  } else {
    // Many branches (the Outdated quick view: 3 statuses × ~15 versions): planning each walk on its own (every index
    // of inquiries is weighed for each) cost more in all than running them (docs/performance.md, "Why the list is
    // shaped this way"). Branches whose SQL differs only in their (status, version) values are one walk instead,
    // planned once and run for each row of a VALUES list of those values: the same index range per pair, the same
    // LIMIT, the same rows. Only when that one plan is bound to be the (status, version, sort) walk for every pair
    // (see sharesOnePlan).
    const groups = new Map<string, Branch[]>();
    for (const branch of all) {
      const key = `${shapeOf(plan, branch.status)}|${branch.status === null}|${branch.versionId === null}|${branch.bucket === null}`;
      groups.set(key, [...(groups.get(key) ?? []), branch]);
    }
    parts = [...groups.values()].map((group) => {
      const first = group[0] as Branch;
      if (group.length === 1) return walk(first, false);
      const columns = [
        ...(first.status !== null ? ['status'] : []),
        ...(first.versionId !== null ? ['version_id'] : []),
        ...(first.bucket !== null ? ['bucket'] : []),
      ];
      const rows = group.map(
        (b) =>
          sql`(${sql.join([
            ...(b.status !== null ? [sql`${b.status}`] : []),
            ...(b.versionId !== null ? [sql`${b.versionId}`] : []),
            ...(b.bucket !== null && buckets ? [bucketValue(buckets.kind, b.bucket)] : []),
          ])})`,
      );
      return sql`(select w.id, w.sort_value from (values ${sql.join(rows)}) b(${sql.join(columns.map((c) => sql.id(c)))})
        cross join lateral ${walk(first, true)} w)`;
    });
  }
  const result = await sql<ListRow>`
    select i.id, i.status, i.reference_id, i.template_id, i.version_id, i.version_number, i.customer_id,
      i.created_at, i.updated_at, i.expires_at, i.email_normalized, t.name as template_name, t.latest_version_number,
      ${liveSessionCount('i', plan.now)} as live_session_count
    from (
      select id, sort_value from (${sql.join(parts, sql` union all `)}) branch_union
      order by sort_value ${dir}, id ${dir} limit ${take}
    ) page
    join inquiries i on i.id = page.id
    join templates t on t.id = i.template_id
    order by page.sort_value ${dir}, page.id ${dir}`.execute(db);
  return result.rows;
}

/**
 * Counts matching rows, stopping at `cap` so a broad filter never scans millions of rows. Returns null when
 * the cap was reached: the caller then asks the planner for an estimate instead.
 */
export async function countInquiriesUpTo(db: Executor, plan: ListPlan, cap: number): Promise<number | null> {
  // The expired filter is an OR across statuses (expired, or open and overdue): as one condition it makes the scan
  // filter every open row before it reaches the expired ones. Counted status by status, each part is an index range.
  const statuses = plan.expiredAsOf && plan.statuses && !plan.search ? plan.statuses : [null];
  const parts = statuses.map((status) => sql`select 1 from inquiries i ${where(filters(plan, { status, versionId: null, bucket: null }))}`);
  const result = await sql<{ n: number }>`
    select count(*)::int as n from (${sql.join(parts, sql` union all `)} limit ${cap + 1}) capped`.execute(db);
  const n = result.rows[0]?.n ?? 0;
  return n > cap ? null : n;
}

/** The planner's row estimate for the filter: instant, approximate, and labelled as such by the caller. */
export async function estimateInquiries(db: Executor, plan: ListPlan): Promise<number> {
  const conditions = filters(plan, { status: null, versionId: null, bucket: null });
  const result = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) select 1 from inquiries i ${where(conditions)}`.execute(db);
  const raw = result.rows[0]?.['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: { 'Plan Rows': number } }];
  return Math.round(parsed[0].Plan['Plan Rows']);
}
