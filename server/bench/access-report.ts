import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { ensureDemoStaff } from '../auth/bootstrap.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/index.js';
import type { DB } from '../db/schema.js';
import { migrate } from '../db/migrate.js';
import { genericPlansQuery, preparedLarge } from '../db/prepared.js';
import { reportPageQuery, reportTotalQuery } from '../repositories/access-report.js';
import { refreshLiveSessionUntil } from '../repositories/inquiry-store/index.js';
import { COUNT_CAP, decodeCursor, resolveFilter } from '../services/access-report.js';
import { runSeed } from '../seed/cli.js';
import { withBulkLoad } from '../seed/indexes.js';
import { ACCESS_LIMIT_DEFAULT, AccessListInputSchema } from '../../shared/access.js';
import type { Role } from '../../shared/permissions.js';
import { benchAgentEmail, benchAgentId, demoStaffIds, type PagedBenchOptions, type StaffIds } from './audit-list.js';
import { BenchHttpClient } from './http-client.js';
import { latency, printTable, type BenchRow } from './report.js';
import {
  calibrate,
  createScratchDatabase,
  describeResult,
  measurePagedView,
  pagedRows,
  serverRssMb,
  startBenchServer,
  type PagedResult,
  type PagedView,
  type StatementsOf,
} from './paged-views.js';

/**
 * The session-bearing access report at 1,000,000 issued artifacts (`npm run bench -- --sections accessreport`;
 * docs/performance.md, "Audit explorer and access report at 1,000,000 rows"). In a scratch database of its own
 * (created on DATABASE_URL's server, dropped after): a seeded world of `inquiries` inquiries (npm run seed's
 * generator, which also issues partner API and backend resumes), then, set-based, everything else the report lists
 * until it holds `artifacts` rows — console resumes by 48 agents and the demo support account, later hand-outs of
 * reused sessions, one-time links (some redeemed, with the session each opened), token links with their sessions,
 * bare-id starts, and token link requests under the two-person rule (approved ones issue a token link) — each issued
 * some time between its inquiry's creation and now, with expiries, uses and revocations, loaded with the tables'
 * indexes and keys rebuilt after (as the seed loads).
 *
 * Then `access.list` is measured over HTTP against the app server in its own process, signed in as the demo
 * compliance officer (scope all) and as demo support (scope own: what they issued): each view's first page and its
 * page 500 (following nextCursor), `requests` times each, alternating. `access.list` reads only (no audit event).
 */

const SHARES = {
  console: 0.38,
  handout: 0.05,
  oneTime: 0.24,
  token: 0.12,
  bareId: 0.02,
  request: 0.01,
};
const AGENTS = 48;
const PARTNER_KEYS = 12;

/** How many rows the report lists, per source (the same predicates as repositories/access-report.ts's branches). */
async function reportRowCount(db: Kysely<DB>): Promise<number> {
  const row = await sql<{ n: string }>`select (
      (select count(*) from inquiry_sessions s where s.issued_by_type <> 'end_user'
        and not exists (select 1 from access_links tl where tl.session_id = s.id and tl.kind = 'token'))
    + (select count(*) from session_handouts where handed_to_type <> 'end_user')
    + (select count(*) from access_links)
    + (select count(*) from inquiry_sessions where from_bare_id)
    + (select count(*) from token_link_requests))::int8 as n`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

/** Milliseconds, as the application writes times (a cursor carries an issue time to the millisecond). */
const ms = (expression: string) => `date_trunc('milliseconds', ${expression})`;

/**
 * Adds report rows until the report holds `total`: the draws (which inquiry, when, by whom, the dice of each
 * artifact) in a temporary table, then one insert per table.
 */
async function fillAccessArtifacts(database: Database, total: number, staffIds: StaffIds, now: Date, log: (line: string) => void): Promise<Record<string, number>> {
  const existing = await reportRowCount(database.db);
  const counts = {
    console: Math.round(total * SHARES.console),
    handout: Math.round(total * SHARES.handout),
    oneTime: Math.round(total * SHARES.oneTime),
    token: Math.round(total * SHARES.token),
    bareId: Math.round(total * SHARES.bareId),
    request: Math.round(total * SHARES.request),
    resume: 0,
  };
  const planned = counts.console + counts.handout + counts.oneTime + counts.token + counts.bareId + counts.request;
  counts.resume = Math.max(0, total - existing - planned);
  if (counts.resume === 0) throw new Error(`the seeded world already lists ${existing} rows: seed fewer inquiries`);
  const nowSql = `'${now.toISOString()}'::timestamptz`;
  // Kinds by ranges of g, in this order.
  const order = ['console', 'handout', 'oneTime', 'token', 'bareId', 'request', 'resume'] as const;
  const start: Record<string, number> = {};
  let next = 1;
  for (const kind of order) {
    start[kind] = next;
    next += counts[kind];
  }
  const draws = next - 1;
  const lastRequest = (start.request ?? 0) + counts.request - 1;
  const range = (kind: (typeof order)[number]) => `g between ${start[kind]} and ${(start[kind] ?? 0) + counts[kind] - 1}`;

  await database.db.transaction().execute(async (trx) => {
    const run = (text: string) => sql.raw(text).execute(trx);
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const result = await work();
      const took = performance.now() - t0;
      if (took >= 2_000) log(`    ${name} ${(took / 1000).toFixed(1)} s`);
      return result;
    };
    await run(`set local work_mem = '256MB'`);
    await run(`select setseed(0.42)`);
    // Inquiries numbered in creation order.
    await run(`create temp table bench_inq on commit drop as
      select row_number() over (order by i.created_at, i.id)::int as n, i.id, i.created_at, i.version_number, t.latest_version_number
      from inquiries i join templates t on t.id = i.template_id`);
    await run(`create index on bench_inq (n)`);
    const inquiries = Number((await sql<{ n: string }>`select count(*) as n from bench_inq`.execute(trx)).rows[0]?.n ?? 0);
    // Issuers: demo support (k 0) and agent 01 (k 1) issue 8 % each, the other 47 agents the rest.
    const staffValues = [
      `(0, '${staffIds.support}', 'support@demo.test')`,
      ...Array.from({ length: AGENTS }, (_, i) => `(${i + 1}, '${benchAgentId(i + 1)}', '${benchAgentEmail(i + 1)}')`),
    ].join(', ');
    await run(`create temp table bench_staff (k int primary key, id text, display text) on commit drop`);
    await run(`insert into bench_staff values ${staffValues}`);
    // Access is issued some time after the inquiry's creation (exponential, mean 2 days). A draw whose time would
    // fall after now goes to an inquiry among the older 97 % instead (so that the issue rate stays steady up to now,
    // rather than every late draw piling up just before it); if that too would be late, within its lifetime so far.
    const delay = `interval '2 days' * -ln(1 - d.r_time)`;
    const first = `q1.created_at + ${delay} < ${nowSql}`;
    const pick = (column: string) => `case when ${first} then q1.${column} else q2.${column} end`;
    await run(`create temp table bench_draw on commit drop as
      select d.g, ${pick('id')} as inquiry_id, ${pick('version_number')} as version_number,
        greatest(${pick('latest_version_number')}, ${pick('version_number')}) as latest_version_number,
        ${ms(`case when ${first} then q1.created_at + ${delay} when q2.created_at + ${delay} < ${nowSql} then q2.created_at + ${delay}
          else q2.created_at + (${nowSql} - q2.created_at) * d.r_time end`)} as issued_at,
        d.r1, d.r2, d.r3, d.r4, d.r5, st.id as staff_id, st.display as staff_display
      from (select g, 1 + floor(random() * ${inquiries})::int as pick, 1 + floor(random() * ${Math.floor(inquiries * 0.97)})::int as pick2,
              random() as r_time, random() as r1, random() as r2, random() as r3, random() as r4, random() as r5,
              case when random() < 0.08 then 0 when random() < 0.087 then 1 else 2 + floor(random() * ${AGENTS - 1})::int end as k
            from generate_series(1, ${draws}) g) d
      join bench_inq q1 on q1.n = d.pick
      join bench_inq q2 on q2.n = d.pick2
      join bench_staff st on st.k = d.k`);
    await run(`create index on bench_draw (g)`);
    await run(`analyze bench_draw`);

    const tables = ['inquiry_sessions', 'session_handouts', 'access_links', 'inquiry_events', 'token_link_requests'];
    // The triggers of migrations/0027 (a hand-out's session end, a token link's session, a bare-id start's session)
    // look up a session by the key the load drops: they are off for the load, and what they would write is written
    // after, set-based (bare-id sessions are inserted marked, hand-outs with their session's state).
    await run(`alter table session_handouts disable trigger session_handouts_state`);
    await run(`alter table access_links disable trigger access_links_token_session`);
    await run(`alter table inquiry_events disable trigger inquiry_events_bare_id_session`);
    await withBulkLoad(trx, tables, step, async () => {
      // Sessions a person issued: console resumes (staff, with reason and often a ticket) and partner / backend resumes.
      const sessionsOf = (kind: 'console' | 'resume', prefix: string, hours: string) => `
        insert into inquiry_sessions (id, inquiry_id, created_at, expires_at, started_at, expired_at, revoked_at, token_fingerprint,
          issued_by_type, issued_by_id, issued_by_display, reason, ticket, last_used_at)
        select '${prefix}' || g, inquiry_id, issued_at, expires_at,
          case when started_at <= ${nowSql} then started_at end,
          case when revoked_at is null and expires_at + interval '30 seconds' <= ${nowSql} then expires_at + interval '30 seconds' end,
          case when revoked_at <= ${nowSql} then revoked_at end,
          'sha256:' || left(md5('${prefix}' || g), 16), issuer_type, issuer_id, issuer_display, reason, ticket,
          case when started_at <= ${nowSql} then least(${ms(`started_at + (expires_at - started_at) * r5 * 0.2`)}, ${nowSql}) end
        from (
          select g, inquiry_id, issued_at, r5,
            ${ms(`issued_at + interval '1 hour' * ${hours}`)} as expires_at,
            case when r2 < 0.7 then ${ms(`issued_at + interval '1 hour' * ${hours} * r3 * 0.5`)} end as started_at,
            case when r4 < 0.05 then ${ms(`issued_at + interval '1 hour' * ${hours} * r4 * 10`)} end as revoked_at,
            ${
              kind === 'console'
                ? `'staff' as issuer_type, staff_id as issuer_id, staff_display as issuer_display,
                   (array['Customer called: the link expired', 'End user closed the browser mid-flow', 'Partner escalation: stuck on the selfie step'])[1 + floor(r5 * 3)::int] as reason,
                   case when r1 < 0.45 then 'SUP-' || (10000 + floor(r1 * 200000)::int) end as ticket`
                : `case when r1 < 0.7 then 'partner' else 'system' end as issuer_type,
                   case when r1 < 0.7 then 'key_bench' || lpad((1 + floor(r1 * 1000)::int % ${PARTNER_KEYS})::text, 2, '0') else 'backend-api' end as issuer_id,
                   case when r1 < 0.7 then 'Customer ' || (1 + floor(r1 * 1000)::int % ${PARTNER_KEYS}) || ' (production key)' else 'Customer backend' end as issuer_display,
                   null::text as reason, null::text as ticket`
            }
          from bench_draw where ${range(kind)}
        ) x`;
      await step('console resumes', () => run(sessionsOf('console', 'iqse_Bc', '(1 + floor(r1 * 23))')));
      await step('partner and backend resumes', () => run(sessionsOf('resume', 'iqse_Br', '(1 + floor(r1 * 23))')));

      // A reused console session handed out again to another agent, while it lived.
      await step('hand-outs', () =>
        run(`insert into session_handouts (session_id, handed_at, handed_to_type, handed_to_id, handed_to_display, reason, ticket,
            session_open, session_revoked, session_expires_at)
          select s.id, least(${ms(`s.created_at + (s.expires_at - s.created_at) * d.r2 * 0.5`)}, ${nowSql}), 'staff', d.staff_id, d.staff_display,
            'Customer called again: same session handed out', case when d.r3 < 0.5 then 'SUP-' || (10000 + floor(d.r3 * 200000)::int) end,
            s.expired_at is null and s.revoked_at is null, s.revoked_at is not null, s.expires_at
          from bench_draw d join inquiry_sessions s on s.id = 'iqse_Bc' || (${start.console} + floor(d.r1 * ${counts.console})::int)
          where d.${range('handout')}`),
      );

      // One-time links: 60 % redeemed (the session the code opened, the end user's), some revoked, the rest expire.
      await step('one-time links', async () => {
        await run(`create temp table bench_one_time on commit drop as
          select g, inquiry_id, issued_at, staff_id, staff_display, version_number, latest_version_number, r1, r4, r5,
            ${ms(`issued_at + interval '1 hour' * (24 + floor(r1 * 48))`)} as expires_at,
            case when r2 < 0.6 then ${ms(`issued_at + interval '1 hour' * (24 + floor(r1 * 48)) * r3 * 0.4`)} end as used_at
          from bench_draw where ${range('oneTime')}`);
        await run(`insert into inquiry_sessions (id, inquiry_id, created_at, expires_at, started_at, expired_at, token_fingerprint, issued_by_type)
          select 'iqse_Bu' || g, inquiry_id, used_at, used_at + interval '24 hours', used_at,
            case when used_at + interval '24 hours 30 seconds' <= ${nowSql} then used_at + interval '24 hours 30 seconds' end,
            'sha256:' || left(md5('iqse_Bu' || g), 16), 'end_user'
          from bench_one_time where used_at <= ${nowSql}`);
        await run(`insert into access_links (id, inquiry_id, kind, code_hash, session_id, created_at, expires_at, first_used_at, last_used_at, use_count,
            revoked_at, revoked_by, issued_by_type, issued_by_id, issued_by_display, reason, ticket, inquiry_version_number, latest_version_number)
          select 'lnk_Bo' || g, inquiry_id, 'one_time', md5('code' || g), case when used_at <= ${nowSql} then 'iqse_Bu' || g end, issued_at, expires_at,
            case when used_at <= ${nowSql} then used_at end, case when used_at <= ${nowSql} then used_at end,
            case when used_at <= ${nowSql} then 1 + floor(r5 * 2)::int else 0 end,
            revoked_at, case when revoked_at is not null then staff_id end,
            'staff', staff_id, staff_display, 'Customer asked for a fresh link', case when r1 < 0.7 then 'SUP-' || (10000 + floor(r5 * 200000)::int) end,
            version_number, latest_version_number
          from (select *, case when r4 < 0.04 and used_at is null and ${ms(`issued_at + (expires_at - issued_at) * r4 * 10`)} <= ${nowSql}
                  then ${ms(`issued_at + (expires_at - issued_at) * r4 * 10`)} end as revoked_at from bench_one_time) o`);
      });

      // Token links: the link and the session it carries, 1 to 30 days; 6 % revoked (link and session).
      await step('token links', async () => {
        await run(`create temp table bench_token on commit drop as
          select g, inquiry_id, issued_at, staff_id, staff_display, version_number, latest_version_number, r1, r3, r5,
            ${ms(`issued_at + interval '1 day' * (1 + floor(r1 * 30))`)} as expires_at,
            case when r2 < 0.5 then ${ms(`issued_at + interval '1 day' * (1 + floor(r1 * 30)) * r3 * 0.3`)} end as started_at,
            case when r4 < 0.06 then ${ms(`issued_at + interval '1 day' * (1 + floor(r1 * 30)) * r4 * 8`)} end as revoked_at
          from bench_draw where ${range('token')}`);
        await run(`insert into inquiry_sessions (id, inquiry_id, created_at, expires_at, started_at, expired_at, revoked_at, token_fingerprint,
            issued_by_type, issued_by_id, issued_by_display, reason, ticket, last_used_at)
          select 'iqse_Bt' || g, inquiry_id, issued_at, expires_at, case when started_at <= ${nowSql} then started_at end,
            case when revoked_at is null and expires_at + interval '30 seconds' <= ${nowSql} then expires_at + interval '30 seconds' end,
            case when revoked_at <= ${nowSql} then revoked_at end,
            'sha256:' || left(md5('iqse_Bt' || g), 16), 'staff', staff_id, staff_display, 'Token link for the partner portal', null,
            case when started_at <= ${nowSql} then started_at end
          from bench_token`);
        await run(`insert into access_links (id, inquiry_id, kind, session_id, token_fingerprint, created_at, expires_at, first_used_at, last_used_at, use_count,
            revoked_at, revoked_by, issued_by_type, issued_by_id, issued_by_display, reason, ticket, inquiry_version_number, latest_version_number)
          select 'lnk_Bt' || g, inquiry_id, 'token', 'iqse_Bt' || g, 'sha256:' || left(md5('iqse_Bt' || g), 16), issued_at, expires_at,
            case when started_at <= ${nowSql} then started_at end, case when started_at <= ${nowSql} then started_at end,
            case when started_at <= ${nowSql} then 1 else 0 end,
            case when revoked_at <= ${nowSql} then revoked_at end, case when revoked_at <= ${nowSql} then staff_id end,
            'staff', staff_id, staff_display, 'Token link for the partner portal', 'SUP-' || (10000 + floor(r5 * 200000)::int),
            version_number, greatest(latest_version_number, version_number + case when r3 < 0.2 then 1 else 0 end)
          from bench_token`);
      });

      // Bare-id starts: the hosted flow opened a created inquiry from its bare id; the session the visit got.
      await step('bare-id starts', async () => {
        await run(`insert into inquiry_sessions (id, inquiry_id, created_at, expires_at, started_at, expired_at, token_fingerprint, issued_by_type, from_bare_id)
          select 'iqse_Bb' || g, inquiry_id, issued_at, issued_at + interval '24 hours', issued_at,
            case when issued_at + interval '24 hours 30 seconds' <= ${nowSql} then issued_at + interval '24 hours 30 seconds' end,
            'sha256:' || left(md5('iqse_Bb' || g), 16), 'end_user', true
          from bench_draw where ${range('bareId')}`);
        await run(`insert into inquiry_events (inquiry_id, occurred_at, kind, detail)
          select inquiry_id, issued_at, 'started_from_bare_id', jsonb_build_object('sessionId', 'iqse_Bb' || g, 'via', case when r1 < 0.8 then '/verify' else '/widget' end)
          from bench_draw where ${range('bareId')}`);
      });

      // Token link requests (two-person rule): 60 % approved (each issued one of the token links above, to its
      // requester), 25 % rejected, the rest expired undecided; a few of the newest still pending.
      await step('token link requests', () =>
        run(`insert into token_link_requests (id, inquiry_id, state, requested_by_id, requested_by_display, reason, ticket, expires_in_minutes,
            idempotency_key, created_at, expires_at, decided_at, decided_by_id, decided_by_display, decision_reason, link_id)
          select 'tlr_B' || r.g, coalesce(t.inquiry_id, r.inquiry_id), r.state, coalesce(t.staff_id, r.staff_id), coalesce(t.staff_display, r.staff_display),
            'Partner portal needs a long-lived link', 'SUP-' || (10000 + floor(r.r5 * 200000)::int), 1440, 'bench-key-' || r.g,
            coalesce(t.issued_at - interval '10 minutes', r.created_at), coalesce(t.issued_at - interval '10 minutes', r.created_at) + interval '1 hour',
            case when r.state = 'expired' then r.created_at + interval '1 hour' when r.state <> 'pending' then coalesce(t.issued_at, r.decided_at) end,
            case when r.state in ('approved', 'rejected') then '${staffIds.compliance}' end,
            case when r.state in ('approved', 'rejected') then 'compliance@demo.test' end,
            case when r.state = 'approved' then 'Checked against the ticket' when r.state = 'rejected' then 'No ticket for this customer' end,
            t.link_id
          from (
            select d.g, d.inquiry_id, d.staff_id, d.staff_display, d.r5,
              case when d.g > ${lastRequest - 5} then 'pending'
                when d.r1 < 0.6 then 'approved' when d.r1 < 0.85 then 'rejected' else 'expired' end as state,
              case when d.g > ${lastRequest - 5} then ${ms(`${nowSql} - interval '1 minute' * (1 + d.r2 * 30)`)} else d.issued_at end as created_at,
              ${ms(`d.issued_at + interval '1 minute' * (5 + d.r2 * 50)`)} as decided_at,
              row_number() over (partition by (d.r1 < 0.6 and d.g <= ${lastRequest - 5}) order by d.g) as nth
            from bench_draw d where d.${range('request')}
          ) r
          left join (select g, 'lnk_Bt' || g as link_id, inquiry_id, staff_id, staff_display, issued_at from bench_token) t
            on r.state = 'approved' and t.g = ${start.token} + r.nth - 1`),
      );
      // The expiry sweep's mark on links past their expiry (migrations/0027), while the indexes are down.
      await step('links: the sweep\'s mark', () =>
        run(`update access_links set expired_at = expires_at where revoked_at is null and expires_at + interval '30 seconds' <= ${nowSql}`),
      );
    });
    await run(`alter table session_handouts enable trigger session_handouts_state`);
    await run(`alter table access_links enable trigger access_links_token_session`);
    await run(`alter table inquiry_events enable trigger inquiry_events_bare_id_session`);
    // What the triggers keep in a running system (migrations/0027, 0029); the hand-outs copied their sessions above.
    await step('token links\' sessions', () =>
      run(`update inquiry_sessions s set carried_by_token_link = true from access_links l where l.kind = 'token' and l.session_id = s.id`),
    );
    await step('token links: their sessions\' state', () =>
      run(`update access_links l
        set session_revoked = (s.revoked_at is not null), session_open = (s.expired_at is null and s.revoked_at is null), session_expires_at = s.expires_at
        from inquiry_sessions s where l.kind = 'token' and s.id = l.session_id`),
    );
    await step('live sessions', () => refreshLiveSessionUntil(trx, 'all'));
  });
  await sql.raw('vacuum (analyze) inquiry_sessions, session_handouts, access_links, inquiry_events, token_link_requests, inquiries').execute(database.db);
  return { ...counts, seeded: existing };
}

/** The views: the report's filters, the live token links quick view, and support's own issues. */
export function accessViews(staffIds: StaffIds, now: Date): PagedView[] {
  const day = 86_400_000;
  const limit = ACCESS_LIMIT_DEFAULT;
  const view = (name: string, input: Record<string, unknown>, as = 'compliance'): PagedView => ({ name, procedure: 'access.list', input: { ...input, limit }, as });
  void staffIds;
  return [
    view('no filter (newest first)', {}),
    view('kind: one-time links', { kind: ['one_time_link'] }),
    view('kind: console resumes', { kind: ['console_resume'] }),
    view('state: live', { state: ['live'] }),
    view('state: revoked', { state: ['revoked'] }),
    view(`issuer (${benchAgentId(1)})`, { issuer: benchAgentId(1) }),
    view('issuer by email (support@demo.test)', { issuer: 'support@demo.test' }),
    view('period (30 days, 60–90 days ago)', { issuedAfter: new Date(now.getTime() - 90 * day), issuedBefore: new Date(now.getTime() - 60 * day) }),
    view('ticket present', { hasTicket: true }),
    view('ticket absent', { hasTicket: false }),
    view('state: expired', { state: ['expired'] }),
    view('live token links (quick view)', { kind: ['token_link'], state: ['live'] }),
    view('issuer + state: live', { issuer: benchAgentId(1), state: ['live'] }),
    view('live token links of one agent', { kind: ['token_link'], state: ['live'], issuer: benchAgentId(1) }),
    view('support: own issues (scope own)', {}, 'support'),
  ];
}

function accessStatements(db: Kysely<DB>, reads: Kysely<DB> | null, now: Date, principals: Record<string, { id: string; email: string; role: Role }>): StatementsOf {
  return async (view, cursor) => {
    const staff = principals[view.as];
    if (!staff) throw new Error(`no principal ${view.as}`);
    const input = AccessListInputSchema.parse(view.input);
    const { filter } = await resolveFilter(db, { ...staff, displayName: staff.email }, 'access:read', input);
    const after = cursor ? decodeCursor(cursor) : null;
    // As listAccess runs them: prepared, on the report's read connections (which start with planReportStatements'
    // settings), or else after those settings in a transaction.
    const page = reportPageQuery(filter, now, after, input.limit + 1);
    const total = reportTotalQuery(filter, now, COUNT_CAP);
    return {
      setup: [genericPlansQuery().compile(db)],
      statements: [page, total].flatMap((q: RawBuilder<unknown> | null) => (q ? [preparedLarge(q).compile(db)] : [])),
      reads,
    };
  };
}

/** Migrates, seeds and fills an empty database with the bench's world: `artifacts` rows of the report. */
export async function prepareAccessWorld(
  database: Database,
  options: { artifacts: number; inquiries: number; now: Date; password: string; log: (line: string) => void },
): Promise<{ staffIds: StaffIds; listed: number }> {
  const { artifacts, inquiries, now, log } = options;
  await migrate(database);
  await ensureDemoStaff(database.db, options.password, new Date(now.getTime() - 400 * 86_400_000));
  const staffIds = await demoStaffIds(database.db);
  log(`access report: seeding ${inquiries.toLocaleString('en-US')} inquiries, then issuing access until the report lists ${artifacts.toLocaleString('en-US')} rows…`);
  let started = performance.now();
  await runSeed(database, { inquiries, seed: 1, reset: false }, { now });
  log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  const made = await fillAccessArtifacts(database, artifacts, staffIds, now, log);
  const listed = await reportRowCount(database.db);
  log(
    `  issued in ${((performance.now() - started) / 1000).toFixed(1)} s: the report lists ${listed.toLocaleString('en-US')} rows ` +
      `(${Object.entries(made).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(', ')})`,
  );
  return { staffIds, listed };
}

export async function runAccessReportBench(databaseUrl: string, options: PagedBenchOptions & { artifacts?: number; inquiries?: number }): Promise<BenchRow[]> {
  const artifacts = options.artifacts ?? 1_000_000;
  const inquiries = options.inquiries ?? Math.max(1_000, Math.round(artifacts / 5));
  const requests = options.requests ?? 200;
  const log = options.log ?? (() => undefined);
  const password = loadConfig().demoPassword ?? 'bench-demo-password';
  const scratch = await createScratchDatabase(databaseUrl, 'access', 4);
  let server: Awaited<ReturnType<typeof startBenchServer>> | null = null;
  const clients: Record<string, BenchHttpClient> = {};
  try {
    const { database } = scratch;
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const { staffIds, listed } = await prepareAccessWorld(database, { artifacts, inquiries, now, password, log });

    server = await startBenchServer(options.serverFile, scratch.url, now);
    const origin = new URL(loadConfig().publicUrl).origin;
    for (const [as, email] of [
      ['compliance', 'compliance@demo.test'],
      ['support', 'support@demo.test'],
    ] as const) {
      const client = new BenchHttpClient(server.baseUrl);
      await client.signIn(email, password, origin);
      clients[as] = client;
    }
    const principals = {
      compliance: { id: staffIds.compliance, email: 'compliance@demo.test', role: 'compliance' as Role },
      support: { id: staffIds.support, email: 'support@demo.test', role: 'support' as Role },
    };
    const ids = (await sql<{ id: string }>`select id from inquiries order by id limit 500`.execute(database.db)).rows.map((r) => r.id);
    const calibrationSql = 'select id, status, expires_at from inquiries where id = $1';
    const calibration = await calibrate(database.db, calibrationSql, ids);
    const views = accessViews(staffIds, now);
    for (let round = 0; round < 5; round++) {
      for (const v of views) await clients[v.as]?.request('GET', BenchHttpClient.queryPath(v.procedure, v.input));
    }
    log(`access.list over HTTP: ${requests} first pages and ${requests} deep pages per view; load ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
    const results: PagedResult[] = [];
    const statementsOf = accessStatements(database.db, (await database.reportReads?.()) ?? null, now, principals);
    for (const v of views) {
      const result = await measurePagedView(clients, database.db, v, { requests, statementsOf });
      results.push(result);
      options.onResult?.(result);
      log(describeResult(result));
    }
    calibration.push(...(await calibrate(database.db, calibrationSql, ids)));
    const calibrationMs = latency(calibration).p50;
    log(`  server peak RSS ${Math.round(serverRssMb(server.pid))} MB`);
    const section = `access.list (${listed.toLocaleString('en-US')} issued artifacts)`;
    return [
      ...pagedRows(section, results, calibrationMs),
      {
        section,
        name: `calibration: single-row primary-key select, ${calibration.length} times (the unit of ×cal)`,
        cells: { 'p1 p50': calibrationMs },
        checks: [],
      },
    ];
  } finally {
    for (const client of Object.values(clients)) client.close();
    await server?.stop();
    await scratch.drop();
  }
}

// Standalone: `npx tsx server/bench/access-report.ts [admin database url] [artifacts]`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { compileBenchServer } = await import('./export.js');
  const url = process.argv[2] ?? loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const artifacts = process.argv[3] ? Number(process.argv[3]) : undefined;
  const rows = await runAccessReportBench(url, { serverFile: await compileBenchServer(), log: (line) => console.log(line), ...(artifacts ? { artifacts } : {}) });
  printTable(rows);
  if (rows.some((r) => r.checks.some((c) => !c.pass))) process.exitCode = 1;
}
