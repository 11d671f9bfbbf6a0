import { sql, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import type { AccessKind, AccessState } from '../../shared/access.js';
import { preparedLarge, useGenericPlans } from '../db/prepared.js';
import type { DB } from '../db/schema.js';
import type { Executor } from './executor.js';
import { sessionLiveAt, sessionOpen } from './inquiry-store/live-sessions.js';

/**
 * The session-bearing access report's reads (docs/access-report.md). One row per issue of access, from five
 * sources, each read as its own keyset walk newest first and merged by issue time (`issued_at desc, row_id asc`,
 * the order of the indexes in migrations/0018):
 *
 * - `inquiry_sessions` issued by someone (staff: console resume; partner key: partner API resume; system: the
 *   customer's backend), except a token link's own session (the link is its row);
 * - `session_handouts`: a reused session handed out again, one row per hand-out;
 * - `access_links`: one-time links and token links;
 * - `inquiry_sessions` marked `from_bare_id`: a created inquiry opened from its bare id, and the session it got;
 * - `token_link_requests`: token links asked for under the two-person rule (pending, approved, rejected, expired).
 *
 * A row's state is derived here, once, as SQL (the list shows it, the filters and the bulk revocation select by it).
 * A *live* or *revoked* filter also names a column each source keeps for it (migrations/0027: a link's sweep mark,
 * a hand-out's or token link's copy of its session's end), so that the walk reads only rows that can be in that
 * state, along a partial index, instead of reading a source to its end when it has none left below the cursor. A
 * hand-out's and a token link's state is read from those copies alone (migrations/0029 made them whole and exact),
 * never from a lookup of the session per row.
 */

export interface ReportFilter {
  kinds: readonly AccessKind[] | null;
  states: readonly AccessState[] | null;
  issuerId: string | null;
  issuerType: 'staff' | 'partner' | 'system' | null;
  inquiryId: string | null;
  issuedAfter: Date | null;
  /** Inclusive. */
  issuedBefore: Date | null;
  hasTicket: boolean | null;
  /** Only rows that revoking would end now. */
  revocableOnly: boolean;
}

export interface ReportPosition {
  issuedAt: Date;
  id: string;
}

export interface ReportRow {
  row_id: string;
  kind: AccessKind;
  inquiry_id: string;
  issuer_type: string;
  issuer_id: string | null;
  issuer_display: string | null;
  issued_at: Date;
  reason: string | null;
  ticket: string | null;
  fingerprint: string | null;
  expires_at: Date;
  state: AccessState;
  first_used_at: Date | null;
  last_used_at: Date | null;
  use_count: number | null;
  revoked_at: Date | null;
  session_id: string | null;
  link_id: string | null;
  reused_session: boolean;
  version_number: number | null;
  latest_version_number: number | null;
  note: string | null;
  revocable: boolean;
  /** The two-person rule: who approved a token link (the link's row, and its approved request's). */
  approved_by: string | null;
}

type Predicate = RawBuilder<SqlBool>;
const TRUE: Predicate = sql<SqlBool>`true`;
const FALSE: Predicate = sql<SqlBool>`false`;
const and = (parts: readonly Predicate[]): Predicate => (parts.length === 0 ? TRUE : sql<SqlBool>`(${sql.join(parts, sql` and `)})`);
const or = (parts: readonly Predicate[]): Predicate => (parts.length === 0 ? FALSE : sql<SqlBool>`(${sql.join(parts, sql` or `)})`);
/**
 * A value from a fixed set (a kind, an issuer type, a state, a row limit) written into the statement's text rather
 * than sent as a parameter. The list runs its statements under generic plans (listAccess), which are made without
 * the parameters' values: with `l.kind = $1` a generic plan cannot use an index whose predicate says
 * `kind = 'token'`, and with `limit $1` it expects a tenth of the rows and sorts them rather than walk to a page.
 * Only values from a closed set, so the number of distinct texts stays small. (The limit too: with the walks' limit
 * fixed at the largest page and only the page's own as a parameter, a generic plan of *revoked* sorted its rows
 * rather than walk them, 1.2 → 19 ms.)
 */
const lit = (value: string | number) => sql.lit(value);

/** The issuer type of a session or hand-out that makes each kind. */
const ISSUER_OF_KIND: Partial<Record<AccessKind, string>> = { console_resume: 'staff', partner_resume: 'partner', system_resume: 'system' };

/** The issuer of a bare-id start: nobody issued it; the hosted flow let the visit in (as its audit event says). */
export const BARE_ID_ISSUER = { type: 'system', id: 'hosted-flow', display: 'Hosted flow (no code or session token)' } as const;

/** A session's state: revoked, expired (marked, or past its own expiry), or live. */
function sessionState(a: string, now: Date): RawBuilder<AccessState> {
  const c = (column: string) => sql.ref(`${a}.${column}`);
  return sql<AccessState>`(case when ${c('revoked_at')} is not null then 'revoked'
    when ${c('expired_at')} is not null or ${c('expires_at')} <= ${now} then 'expired' else 'live' end)`;
}

/**
 * `now` as an initplan the planner cannot see, for the live walks' expiry checks. Beside a guard that says nearly the
 * same ("open", "not marked expired"), a visible `now` has the planner multiply the two selectivities as if
 * independent, take live rows for a tenth of what they are, and read and sort them all rather than walk to a page.
 */
const planNow = (now: Date) => sql<Date>`(select ${now}::timestamptz)`;

/**
 * The sessions and the links past their expiry that the expiry sweep has not marked yet (its lag: normally a
 * handful), found along the sweep's own indexes (inquiry_sessions_live_idx; access_links_due_idx, on the expiry as
 * UTC wall time) as an array the *expired* walks look up by key (Branch.expiredDue). As a walk in issue order they
 * would read every open row to find them: the newest rows are nearly all live.
 */
const dueSessionIds = (now: Date) =>
  sql<string[]>`array(select ds.id from inquiry_sessions ds where ds.expired_at is null and ds.revoked_at is null and ds.expires_at <= ${now})`;
const dueLinkIds = (now: Date) =>
  sql<string[]>`array(select dl.id from access_links dl where dl.revoked_at is null and dl.expired_at is null
    and (dl.expires_at at time zone 'UTC') <= (${now}::timestamptz at time zone 'UTC'))`;

/** The session row `a` is open and past its expiry: expired, not yet marked. */
function sessionExpiredDue(a: string, now: Date): Predicate {
  return sql<SqlBool>`${sql.ref(`${a}.id`)} = any(${dueSessionIds(now)})`;
}

/**
 * The session row `a` (the row itself: a resume, a bare-id start) is in one of `states`; for *expired*, only the
 * sessions marked expired (sessionExpiredDue: the rest).
 */
function sessionStateIs(a: string, states: readonly AccessState[], now: Date): Predicate {
  const c = (column: string) => sql.ref(`${a}.${column}`);
  return or(
    states.flatMap((state) => {
      switch (state) {
        case 'live':
          return [sql<SqlBool>`(${sessionOpen(a)} and ${c('expires_at')} > ${planNow(now)})`];
        case 'expired':
          // Marked only: the rest are walked apart (Branch.expiredDue).
          return [sql<SqlBool>`(${c('revoked_at')} is null and ${c('expired_at')} is not null)`];
        case 'revoked':
          return [sql<SqlBool>`${c('revoked_at')} is not null`];
        case 'used':
        case 'pending':
        case 'approved':
        case 'rejected':
          return [];
      }
    }),
  );
}

/** One source of rows: its FROM, its column expressions, and how its filters and states read. */
interface Branch {
  kinds: readonly AccessKind[];
  from: RawBuilder<unknown>;
  base: Predicate;
  rowId: RawBuilder<string>;
  issuedAt: RawBuilder<Date>;
  issuerId: RawBuilder<string | null>;
  inquiryId: RawBuilder<string>;
  ticket: RawBuilder<string | null>;
  /** The predicate that keeps only `kinds` (a subset of the branch's own). */
  kindIn: (kinds: readonly AccessKind[]) => Predicate;
  issuerTypeIs: (type: string) => Predicate;
  /** For *expired*, only the rows marked ended (by the sweep, or a session's end copied beside the row). */
  stateIn: (states: readonly AccessState[], now: Date) => Predicate;
  /**
   * The other expired rows: past their expiry, not yet marked. With *expired* asked for, plan() walks them apart,
   * by key (dueSessionIds, dueLinkIds), so that neither walk passes the live rows above the first expired one
   * (at 1,000,000 rows the first page of *state: expired* read 8,000 one-time links and 2,600 sessions).
   */
  expiredDue?: (now: Date) => Predicate;
  revocable: (now: Date) => Predicate;
  columns: (now: Date) => Record<keyof ReportRow, RawBuilder<unknown>>;
  /** `order by` of the branch's own walk: its index's order. */
  order: RawBuilder<unknown>;
  /**
   * The branch's own table alone, for the total when the filter reads nothing of the joined ones (`usable`): a join
   * PostgreSQL removes still keeps it from counting along an index alone (an index-only scan).
   */
  countFrom?: { from: RawBuilder<unknown>; usable: (filter: ReportFilter) => boolean };
  /** Every row has a ticket (a NOT NULL column): *without a ticket* leaves the branch out rather than read it to its end. */
  ticketRequired?: true;
}

const nullText = sql`null::text`;
const nullInt = sql`null::int`;

function sessionColumns(s: string, now: Date) {
  const c = (column: string) => sql.ref(`${s}.${column}`);
  return {
    fingerprint: c('token_fingerprint'),
    expires_at: c('expires_at'),
    state: sessionState(s, now),
    first_used_at: c('started_at'),
    last_used_at: c('last_used_at'),
    use_count: nullInt,
    revoked_at: c('revoked_at'),
    session_id: c('id'),
    link_id: nullText,
    version_number: nullInt,
    latest_version_number: nullInt,
    revocable: sessionLiveAt(s, now),
    approved_by: nullText,
  };
}

const kindOfIssuerType = (column: RawBuilder<unknown>) =>
  sql<AccessKind>`(case ${column} when 'staff' then 'console_resume' when 'partner' then 'partner_resume' else 'system_resume' end)`;
const issuerTypesOf = (kinds: readonly AccessKind[]) => kinds.flatMap((k) => ISSUER_OF_KIND[k] ?? []);

/** Sessions issued by someone; a token link's own session is that link's row. */
const SESSIONS: Branch = {
  kinds: ['console_resume', 'partner_resume', 'system_resume'],
  from: sql`inquiry_sessions s`,
  // carried_by_token_link: set by a trigger when a token link is written (migrations/0027).
  base: sql<SqlBool>`s.issued_by_type <> 'end_user' and not s.carried_by_token_link`,
  rowId: sql<string>`s.id`,
  issuedAt: sql<Date>`s.created_at`,
  issuerId: sql<string | null>`s.issued_by_id`,
  inquiryId: sql<string>`s.inquiry_id`,
  ticket: sql<string | null>`s.ticket`,
  kindIn: (kinds) => sql<SqlBool>`s.issued_by_type in (${sql.join(issuerTypesOf(kinds).map(lit))})`,
  issuerTypeIs: (type) => sql<SqlBool>`s.issued_by_type = ${lit(type)}`,
  stateIn: (states, now) => sessionStateIs('s', states, now),
  expiredDue: (now) => sessionExpiredDue('s', now),
  revocable: (now) => sessionLiveAt('s', now),
  columns: (now) => ({
    row_id: sql`s.id`,
    kind: kindOfIssuerType(sql`s.issued_by_type`),
    inquiry_id: sql`s.inquiry_id`,
    issuer_type: sql`s.issued_by_type`,
    issuer_id: sql`s.issued_by_id`,
    issuer_display: sql`s.issued_by_display`,
    issued_at: sql`s.created_at`,
    reason: sql`s.reason`,
    ticket: sql`s.ticket`,
    reused_session: sql`false`,
    note: nullText,
    ...sessionColumns('s', now),
  }),
  order: sql`s.created_at desc, s.id asc`,
};

/** Zero-padded so that text order is number order (the index's). */
const handoutRowId = sql<string>`('hnd_' || lpad(h.id::text, 19, '0'))`;

/**
 * A row's session state from the copies of its session's end kept beside it (migrations/0027, 0029: `session_open`,
 * `session_revoked`, `session_expires_at`, written by triggers whenever the session changes), so that a walk reads
 * each row's state from the row alone. `r` is the row's alias.
 */
function copiedSessionState(r: string) {
  const c = (column: string) => sql.ref(`${r}.${column}`);
  return {
    live: (now: Date) => sql<SqlBool>`(${c('session_open')} and ${c('session_expires_at')} > ${planNow(now)})`,
    liveAt: (now: Date) => sql<SqlBool>`(${c('session_open')} and ${c('session_expires_at')} > ${now})`,
    revoked: sql<SqlBool>`${c('session_revoked')}`,
    /** Marked expired (and not revoked): the session ended before its expiry or the sweep reached it. */
    ended: sql<SqlBool>`(not ${c('session_revoked')} and not ${c('session_open')})`,
    /** Ended without a revocation: marked expired, or past its expiry. */
    expired: (now: Date) => sql<SqlBool>`(not ${c('session_revoked')} and (not ${c('session_open')} or ${c('session_expires_at')} <= ${now}))`,
  };
}

/** A reused session's later hand-outs: each receiver holds the token too. */
const handoutSession = copiedSessionState('h');
const HANDOUTS: Branch = {
  kinds: ['console_resume', 'partner_resume', 'system_resume'],
  from: sql`session_handouts h join inquiry_sessions hs on hs.id = h.session_id`,
  countFrom: { from: sql`session_handouts h`, usable: (f) => f.inquiryId === null },
  base: sql<SqlBool>`h.handed_to_type <> 'end_user'`,
  rowId: handoutRowId,
  issuedAt: sql<Date>`h.handed_at`,
  issuerId: sql<string | null>`h.handed_to_id`,
  inquiryId: sql<string>`hs.inquiry_id`,
  ticket: sql<string | null>`h.ticket`,
  kindIn: (kinds) => sql<SqlBool>`h.handed_to_type in (${sql.join(issuerTypesOf(kinds).map(lit))})`,
  issuerTypeIs: (type) => sql<SqlBool>`h.handed_to_type = ${lit(type)}`,
  stateIn: (states, now) =>
    or(
      states.flatMap((state) => {
        switch (state) {
          case 'live':
            return [handoutSession.live(now)];
          case 'revoked':
            return [handoutSession.revoked];
          case 'expired':
            return [handoutSession.ended];
          case 'used':
          case 'pending':
          case 'approved':
          case 'rejected':
            return [];
        }
      }),
    ),
  // Open and past its expiry: the session's id is among the due ones (the copies are exact).
  expiredDue: (now) => sql<SqlBool>`h.session_id = any(${dueSessionIds(now)})`,
  revocable: (now) => handoutSession.liveAt(now),
  columns: (now) => ({
    row_id: handoutRowId,
    kind: kindOfIssuerType(sql`h.handed_to_type`),
    inquiry_id: sql`hs.inquiry_id`,
    issuer_type: sql`h.handed_to_type`,
    issuer_id: sql`h.handed_to_id`,
    issuer_display: sql`h.handed_to_display`,
    issued_at: sql`h.handed_at`,
    reason: sql`h.reason`,
    ticket: sql`h.ticket`,
    reused_session: sql`true`,
    note: nullText,
    ...sessionColumns('hs', now),
  }),
  order: sql`h.handed_at desc, h.id asc`,
};

function linkBranch(kind: 'one_time' | 'token'): Branch {
  const oneTime = kind === 'one_time';
  // A token link's session, from the copies beside the link (migrations/0029); a one-time link's is the end user's.
  const tokenSession = copiedSessionState('l');
  const reportKind: AccessKind = oneTime ? 'one_time_link' : 'token_link';
  // A one-time link's code is spent once redeemed ('used'); a token link lives as long as its session does.
  const state = (now: Date) =>
    oneTime
      ? sql<AccessState>`(case when l.revoked_at is not null then 'revoked' when l.first_used_at is not null then 'used'
          when l.expired_at is not null or l.expires_at <= ${now} then 'expired' else 'live' end)`
      : sql<AccessState>`(case when l.revoked_at is not null or ${tokenSession.revoked} then 'revoked'
          when l.expired_at is not null or l.expires_at <= ${now} or ${tokenSession.expired(now)} then 'expired' else 'live' end)`;
  // A link is expired once the sweep marked it (expired_at) or past its expiry, whichever comes first, as a session
  // is (and as store.linkExpired says it for the hosted flow): so the mark is in every state check alike, and a live
  // walk reads only unmarked links (the expiry against planNow).
  const unexpired = (now: Date) => sql<SqlBool>`l.expires_at > ${planNow(now)}`;
  const live = (now: Date): Predicate =>
    oneTime
      ? sql<SqlBool>`(l.revoked_at is null and l.expired_at is null and l.first_used_at is null and ${unexpired(now)})`
      : // The link's expiry and its session's as one bound: as two, a generic plan (planReportStatements) multiplies
        // two guesses of a third, takes the live token links for fewer than a count's 1,001, and reads and sorts
        // them all instead of walking to the 1,001st (5 → 80 ms).
        sql<SqlBool>`(l.revoked_at is null and l.expired_at is null and l.session_open and least(l.expires_at, l.session_expires_at) > ${planNow(now)})`;
  const stateIn = (states: readonly AccessState[], now: Date): Predicate =>
    or(
      states.map((s) => {
        switch (s) {
          case 'live':
            return live(now);
          case 'revoked':
            return oneTime ? sql<SqlBool>`l.revoked_at is not null` : sql<SqlBool>`(l.revoked_at is not null or ${tokenSession.revoked})`;
          case 'used':
            return oneTime ? sql<SqlBool>`(l.revoked_at is null and l.first_used_at is not null)` : FALSE;
          case 'expired':
            // Marked only (the link by the sweep; a token link's session, copied): the rest are expiredDue's.
            return oneTime
              ? sql<SqlBool>`(l.revoked_at is null and l.first_used_at is null and l.expired_at is not null)`
              : sql<SqlBool>`(l.revoked_at is null and not ${tokenSession.revoked} and (l.expired_at is not null or not l.session_open))`;
          case 'pending':
          case 'approved':
          case 'rejected':
            return FALSE;
        }
      }),
    );
  // Unmarked and past its expiry: a token link also when its session (open, copied) is past its own.
  const expiredDue = (now: Date): Predicate =>
    oneTime
      ? sql<SqlBool>`(l.first_used_at is null and l.id = any(${dueLinkIds(now)}))`
      : // Its session open: one marked expired leaves the link to the marked walk (stateIn).
        sql<SqlBool>`(l.session_open and l.id = any(array(select unnest(${dueLinkIds(now)})
          union all select dt.id from access_links dt where dt.kind = 'token' and dt.revoked_at is null and dt.expired_at is null
            and dt.session_id = any(${dueSessionIds(now)}))))`;
  // Revoking a redeemed one-time link still ends the session it opened, while that lives.
  const revocable = (now: Date): Predicate =>
    oneTime ? sql<SqlBool>`(${live(now)} or (l.revoked_at is null and ls.id is not null and ${sessionLiveAt('ls', now)}))` : live(now);
  return {
    kinds: [reportKind],
    // A token link issued on approval (the two-person rule) names its approver, from its request.
    from: oneTime
      ? sql`access_links l left join inquiry_sessions ls on ls.id = l.session_id`
      : sql`access_links l left join inquiry_sessions ls on ls.id = l.session_id left join token_link_requests ar on ar.link_id = l.id`,
    // A link's state is its own (a token link's session's, copied beside it); revoking a one-time link reads the
    // session it opened.
    countFrom: { from: sql`access_links l`, usable: (f) => !(oneTime && f.revocableOnly) },
    base: sql<SqlBool>`l.kind = ${lit(kind)}`,
    rowId: sql<string>`l.id`,
    issuedAt: sql<Date>`l.created_at`,
    issuerId: sql<string | null>`l.issued_by_id`,
    inquiryId: sql<string>`l.inquiry_id`,
    ticket: sql<string | null>`l.ticket`,
    kindIn: () => TRUE,
    issuerTypeIs: (type) => sql<SqlBool>`l.issued_by_type = ${lit(type)}`,
    stateIn,
    expiredDue,
    revocable,
    columns: (now) => ({
      row_id: sql`l.id`,
      kind: sql`${lit(reportKind)}::text`,
      inquiry_id: sql`l.inquiry_id`,
      issuer_type: sql`l.issued_by_type`,
      issuer_id: sql`l.issued_by_id`,
      issuer_display: sql`l.issued_by_display`,
      issued_at: sql`l.created_at`,
      reason: sql`l.reason`,
      ticket: sql`l.ticket`,
      fingerprint: sql`coalesce(l.token_fingerprint, ls.token_fingerprint)`,
      expires_at: sql`l.expires_at`,
      state: state(now),
      // The hosted flow's use of the link itself and of the session it carries (or, redeemed, opened).
      first_used_at: oneTime ? sql`l.first_used_at` : sql`least(l.first_used_at, ls.started_at)`,
      last_used_at: sql`greatest(l.last_used_at, ls.last_used_at)`,
      use_count: sql`l.use_count`,
      revoked_at: oneTime ? sql`l.revoked_at` : sql`coalesce(l.revoked_at, ls.revoked_at)`,
      session_id: sql`l.session_id`,
      link_id: sql`l.id`,
      reused_session: sql`false`,
      version_number: sql`l.inquiry_version_number`,
      latest_version_number: sql`l.latest_version_number`,
      note: oneTime
        ? sql`case when l.emailed_to_masked is not null then 'emailed to ' || l.emailed_to_masked end`
        : sql`case when ar.id is not null then 'issued on approval of ' || ar.id end`,
      revocable: revocable(now),
      approved_by: oneTime ? nullText : sql`ar.decided_by_display`,
    }),
    order: sql`l.created_at desc, l.id asc`,
  };
}

/** How the bare-id visit came in, from the start's timeline event (read for the rows of a page only). */
const bareIdVia = sql<string>`(select e.detail->>'via' from inquiry_events e
  where e.inquiry_id = bs.inquiry_id and e.kind = 'started_from_bare_id' and e.detail->>'sessionId' = bs.id limit 1)`;

/**
 * The instant of a bare-id start: the session's first use, which the hosted flow sets in the start's transaction to
 * the instant its timeline event records (the session's created_at is kept to the second). Never null on such a
 * session; the fallback only keeps the order total.
 */
const bareIdStartedAt = sql<Date>`coalesce(bs.started_at, bs.created_at)`;

/**
 * Created inquiries opened from their bare id (hosted flow, issue 13): the session each visit got, marked
 * `from_bare_id` by a trigger on the start's timeline entry (migrations/0027). Walked over the sessions themselves,
 * so that the session's own end is in reach of a partial index for the state filters.
 */
const BARE_ID_STARTS: Branch = {
  kinds: ['bare_id_start'],
  from: sql`inquiry_sessions bs`,
  base: sql<SqlBool>`bs.from_bare_id`,
  rowId: sql<string>`bs.id`,
  issuedAt: bareIdStartedAt,
  issuerId: sql<string | null>`${lit(BARE_ID_ISSUER.id)}::text`,
  inquiryId: sql<string>`bs.inquiry_id`,
  ticket: sql<string | null>`null::text`,
  kindIn: () => TRUE,
  issuerTypeIs: (type) => (type === BARE_ID_ISSUER.type ? TRUE : FALSE),
  stateIn: (states, now) => sessionStateIs('bs', states, now),
  expiredDue: (now) => sessionExpiredDue('bs', now),
  revocable: (now) => sessionLiveAt('bs', now),
  columns: (now) => ({
    row_id: sql`bs.id`,
    kind: sql`'bare_id_start'::text`,
    inquiry_id: sql`bs.inquiry_id`,
    issuer_type: sql`${lit(BARE_ID_ISSUER.type)}::text`,
    issuer_id: sql`${lit(BARE_ID_ISSUER.id)}::text`,
    issuer_display: sql`${lit(BARE_ID_ISSUER.display)}::text`,
    issued_at: bareIdStartedAt,
    reason: nullText,
    ticket: nullText,
    reused_session: sql`false`,
    note: sql`'opened from its bare id via ' || coalesce(${bareIdVia}, '/verify')`,
    ...sessionColumns('bs', now),
  }),
  order: sql`coalesce(bs.started_at, bs.created_at) desc, bs.id asc`,
};

/** A pending request past its expiry reads as expired before anything marks it (services/inquiry-actions/approval-expiry.ts). */
function requestState(now: Date): RawBuilder<AccessState> {
  return sql<AccessState>`(case when r.state = 'pending' and r.expires_at <= ${now} then 'expired' else r.state end)`;
}

/**
 * Token link requests under the two-person rule (docs/two-person-rule.md): they grant nothing themselves (never
 * revocable); an approved one's link is a token link row of its own, issued to the requester.
 */
const TOKEN_LINK_REQUESTS: Branch = {
  kinds: ['token_link_request'],
  from: sql`token_link_requests r left join access_links rl on rl.id = r.link_id`,
  countFrom: { from: sql`token_link_requests r`, usable: () => true },
  // token_link_requests.ticket is NOT NULL (migrations/0022).
  ticketRequired: true,
  base: TRUE,
  rowId: sql<string>`r.id`,
  issuedAt: sql<Date>`r.created_at`,
  issuerId: sql<string | null>`r.requested_by_id`,
  inquiryId: sql<string>`r.inquiry_id`,
  ticket: sql<string | null>`r.ticket`,
  kindIn: () => TRUE,
  issuerTypeIs: (type) => (type === 'staff' ? TRUE : FALSE),
  stateIn: (states, now) =>
    or(
      states.map((state) => {
        switch (state) {
          case 'pending':
            return sql<SqlBool>`(r.state = 'pending' and r.expires_at > ${now})`;
          case 'expired':
            return sql<SqlBool>`(r.state = 'expired' or (r.state = 'pending' and r.expires_at <= ${now}))`;
          case 'approved':
          case 'rejected':
            return sql<SqlBool>`r.state = ${lit(state)}`;
          case 'live':
          case 'used':
          case 'revoked':
            return FALSE;
        }
      }),
    ),
  revocable: () => FALSE,
  columns: (now) => ({
    row_id: sql`r.id`,
    kind: sql`'token_link_request'::text`,
    inquiry_id: sql`r.inquiry_id`,
    issuer_type: sql`'staff'::text`,
    issuer_id: sql`r.requested_by_id`,
    issuer_display: sql`r.requested_by_display`,
    issued_at: sql`r.created_at`,
    reason: sql`r.reason`,
    ticket: sql`r.ticket`,
    fingerprint: sql`rl.token_fingerprint`,
    expires_at: sql`r.expires_at`,
    state: requestState(now),
    first_used_at: sql`null::timestamptz`,
    last_used_at: sql`null::timestamptz`,
    use_count: nullInt,
    revoked_at: sql`null::timestamptz`,
    session_id: sql`rl.session_id`,
    link_id: sql`r.link_id`,
    reused_session: sql`false`,
    version_number: nullInt,
    latest_version_number: nullInt,
    note: sql`(case when r.state = 'approved' then 'approved by ' || r.decided_by_display || ': ' || r.decision_reason
      when r.state = 'rejected' then 'rejected by ' || r.decided_by_display || ': ' || r.decision_reason
      when r.state = 'expired' or r.expires_at <= ${now} then 'expired: nobody decided in time'
      else 'waiting for a second person (a ' || r.expires_in_minutes || '-minute link)' end)`,
    revocable: sql`false`,
    approved_by: sql`case when r.state = 'approved' then r.decided_by_display end`,
  }),
  order: sql`r.created_at desc, r.id asc`,
};

const BRANCHES: readonly Branch[] = [SESSIONS, HANDOUTS, linkBranch('one_time'), linkBranch('token'), BARE_ID_STARTS, TOKEN_LINK_REQUESTS];

const COLUMN_ORDER: readonly (keyof ReportRow)[] = [
  'row_id',
  'kind',
  'inquiry_id',
  'issuer_type',
  'issuer_id',
  'issuer_display',
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
  'note',
  'revocable',
  'approved_by',
];

/** The branches a filter reads, each with its WHERE; a branch the filter rules out entirely is left out. */
function plan(filter: ReportFilter, now: Date, after: ReportPosition | null): { branch: Branch; where: Predicate }[] {
  return BRANCHES.flatMap((branch) => {
    const kinds = filter.kinds ? branch.kinds.filter((k) => filter.kinds?.includes(k)) : branch.kinds;
    if (kinds.length === 0) return [];
    if (filter.states?.length === 0) return [];
    if (filter.hasTicket === false && branch.ticketRequired) return [];
    const parts: Predicate[] = [branch.base];
    if (kinds.length < branch.kinds.length) parts.push(branch.kindIn(kinds));
    if (filter.issuerType) parts.push(branch.issuerTypeIs(filter.issuerType));
    if (filter.issuerId !== null) parts.push(sql<SqlBool>`${branch.issuerId} = ${filter.issuerId}`);
    if (filter.inquiryId !== null) parts.push(sql<SqlBool>`${branch.inquiryId} = ${filter.inquiryId}`);
    if (filter.issuedAfter) parts.push(sql<SqlBool>`${branch.issuedAt} >= ${filter.issuedAfter}`);
    if (filter.issuedBefore) parts.push(sql<SqlBool>`${branch.issuedAt} <= ${filter.issuedBefore}`);
    if (filter.hasTicket !== null) parts.push(filter.hasTicket ? sql<SqlBool>`${branch.ticket} is not null` : sql<SqlBool>`${branch.ticket} is null`);
    if (filter.revocableOnly) parts.push(branch.revocable(now));
    if (after) {
      // Newest first, ties by id ascending: the indexes' order. The first bound lets the walk start at the position.
      parts.push(sql<SqlBool>`${branch.issuedAt} <= ${after.issuedAt}`);
      parts.push(sql<SqlBool>`(${branch.issuedAt} < ${after.issuedAt} or ${branch.rowId} > ${after.id})`);
    }
    if (!filter.states) return [{ branch, where: and(parts) }];
    // With *expired*, the rows past their expiry and not yet marked are a walk of their own, by key (disjoint from
    // the first: those rows are unmarked and past expiry, so in no other state).
    const walks = [{ branch, where: and([branch.stateIn(filter.states, now), ...parts]) }];
    if (branch.expiredDue && filter.states.includes('expired')) walks.push({ branch, where: and([branch.expiredDue(now), ...parts]) });
    return walks;
  });
}

function selectList(branch: Branch, now: Date): RawBuilder<unknown> {
  const columns = branch.columns(now);
  return sql.join(COLUMN_ORDER.map((name) => sql`(${columns[name]}) as ${sql.id(name)}`));
}

/** The statement of one page (null when the filter rules out every source): for reportPage, and for EXPLAIN. */
export function reportPageQuery(filter: ReportFilter, now: Date, after: ReportPosition | null, limit: number): RawBuilder<ReportRow> | null {
  const branches = plan(filter, now, after);
  if (branches.length === 0) return null;
  const walks = branches.map(
    ({ branch, where }) => sql`(select ${selectList(branch, now)} from ${branch.from} where ${where} order by ${branch.order} limit ${lit(limit)})`,
  );
  return sql<ReportRow>`select * from (${sql.join(walks, sql` union all `)}) r
    order by r.issued_at desc, r.row_id asc limit ${lit(limit)}`;
}

/**
 * How the list's statements are planned in the rest of `trx` (db/prepared.ts): the report's union takes about twice
 * as long to parse and plan as to run, so the list runs it prepared (`{ prepared: true }` below), planned once for
 * all values (a generic plan), and without bitmap scans. Every source is a keyset walk that must come out in its
 * index's order, which a bitmap scan does not give: its rows must then all be fetched and sorted. A plan made for the
 * values only chooses that when it is cheap, but a generic plan cannot tell the agent with thousands of live token
 * links from one with none, and for the busiest it fetched and sorted them all (28 ms) rather than walk newest first
 * (1.2 ms). With bitmap scans off, every filter measured reads at least as fast as planned for its values (npm run
 * bench "accessreport"; docs/performance.md "Prepared plans").
 */
export async function planReportStatements(trx: Transaction<DB>): Promise<void> {
  await useGenericPlans(trx);
}

/** Whether a statement runs prepared (preparedLarge), inside planReportStatements' transaction. */
export interface ReportRunOptions {
  prepared?: boolean;
}

const asRun = <T>(query: RawBuilder<T>, options: ReportRunOptions) => (options.prepared ? preparedLarge(query) : query);

/** One page of rows, newest first, after `after`; `limit` rows at most. */
export async function reportPage(
  db: Executor,
  filter: ReportFilter,
  now: Date,
  after: ReportPosition | null,
  limit: number,
  options: ReportRunOptions = {},
): Promise<ReportRow[]> {
  const query = reportPageQuery(filter, now, after, limit);
  return query ? (await asRun(query, options).execute(db)).rows : [];
}

/**
 * How many rows match, by kind, each source counted up to `cap + 1` rows (so a count never walks more than
 * that): `exact` is false when a source reached it. Each source is counted along the same index walk as its page.
 */
export function reportCountsQuery(filter: ReportFilter, now: Date, cap: number): RawBuilder<{ branch: number; kind: AccessKind; n: number }> | null {
  const branches = plan(filter, now, null);
  if (branches.length === 0) return null;
  const counts = branches.map(
    ({ branch, where }, i) =>
      sql`(select ${i}::int as branch, kind, count(*)::int as n from
        (select ${branch.columns(now).kind} as kind from ${branch.from} where ${where} order by ${branch.order} limit ${cap + 1}) c group by kind)`,
  );
  return sql<{ branch: number; kind: AccessKind; n: number }>`${sql.join(counts, sql` union all `)}`;
}

export async function reportCounts(db: Executor, filter: ReportFilter, now: Date, cap: number): Promise<{ byKind: { kind: AccessKind; count: number }[]; exact: boolean }> {
  const query = reportCountsQuery(filter, now, cap);
  if (!query) return { byKind: [], exact: true };
  const result = await query.execute(db);
  const perBranch = new Map<number, number>();
  const byKind = new Map<AccessKind, number>();
  for (const row of result.rows) {
    perBranch.set(row.branch, (perBranch.get(row.branch) ?? 0) + row.n);
    byKind.set(row.kind, (byKind.get(row.kind) ?? 0) + row.n);
  }
  const exact = [...perBranch.values()].every((n) => n <= cap);
  return { byKind: [...byKind].map(([kind, count]) => ({ kind, count })), exact };
}

/**
 * How many rows match, counting at most `cap + 1` of them over all sources together: the list's total (exact up to
 * `cap`). The sources are read one after another, cheapest first, only until `cap + 1` rows are found (npm run bench,
 * "accessreport": at 1,000,000 rows, up to 6,006 ordered rows per request cost far more than the page); each along
 * its own order, where recent rows are, with no outer order to sort by.
 */
export function reportTotalQuery(filter: ReportFilter, now: Date, cap: number): RawBuilder<{ n: number }> | null {
  // Hand-outs (joined to their session when the filter names an inquiry) go after the rest; sessions, the largest
  // source, last.
  const rank = (branch: Branch) => (branch === SESSIONS ? 2 : branch === HANDOUTS ? 1 : 0);
  const branches = plan(filter, now, null).sort((a, b) => rank(a.branch) - rank(b.branch));
  if (branches.length === 0) return null;
  const sources = branches.map(({ branch, where }) => {
    const from = branch.countFrom?.usable(filter) ? branch.countFrom.from : branch.from;
    // One person's rows are few in every source: the planner reads them in no order and stops at the cap, where in
    // `order` it would fetch all of them (a live token link with its session each) to sort.
    const order = filter.issuerId === null ? sql`order by ${branch.order}` : sql``;
    return sql`(select 1 from ${from} where ${where} ${order} limit ${lit(cap + 1)})`;
  });
  return sql<{ n: number }>`select count(*)::int as n from (select 1 from (${sql.join(sources, sql` union all `)}) s limit ${lit(cap + 1)}) c`;
}

/** The number of matching rows if it is at most `cap`, else null (more than `cap`). */
export async function reportTotalUpTo(db: Executor, filter: ReportFilter, now: Date, cap: number, options: ReportRunOptions = {}): Promise<number | null> {
  const query = reportTotalQuery(filter, now, cap);
  if (!query) return 0;
  const n = (await asRun(query, options).execute(db)).rows[0]?.n ?? 0;
  return n > cap ? null : n;
}

/**
 * Issues by staff per UTC day or ISO week (Monday) in [from, to): console resumes (and hand-outs received), one-time
 * links and token links. One row per agent and bucket that has any.
 */
export async function issuesPerAgent(
  db: Executor,
  unit: 'day' | 'week',
  from: Date,
  to: Date,
): Promise<{ bucket: Date; issuer_id: string; issuer_display: string | null; n: number }[]> {
  const result = await sql<{ bucket: Date; issuer_id: string; issuer_display: string | null; n: number }>`
    with issues as (
      select s.issued_by_id as issuer_id, s.issued_by_display as issuer_display, s.created_at as at
      from inquiry_sessions s
      where s.issued_by_type = 'staff' and s.issued_by_id is not null and s.created_at >= ${from} and s.created_at < ${to}
        and not s.carried_by_token_link
      union all
      select h.handed_to_id, h.handed_to_display, h.handed_at
      from session_handouts h
      where h.handed_to_type = 'staff' and h.handed_to_id is not null and h.handed_at >= ${from} and h.handed_at < ${to}
      union all
      select l.issued_by_id, l.issued_by_display, l.created_at
      from access_links l
      where l.issued_by_type = 'staff' and l.issued_by_id is not null and l.created_at >= ${from} and l.created_at < ${to}
    )
    select date_trunc(${unit}, at, 'UTC') as bucket, issuer_id, max(issuer_display) as issuer_display, count(*)::int as n
    from issues
    group by 1, 2
    order by 1, 2`.execute(db);
  return result.rows;
}
