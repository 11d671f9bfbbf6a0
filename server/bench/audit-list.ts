import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { chainHash, canonicalEventBody, type CanonicalEvent } from '../audit/canonical.js';
import { verifyAuditChain } from '../audit/verify.js';
import { DEMO_STAFF, ensureDemoStaff } from '../auth/bootstrap.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { auditPageQuery } from '../repositories/audit-list.js';
import { pageFilterFor } from '../services/audit-explorer.js';
import { combineAuditQuery } from '../../shared/audit-query.js';
import { AUDIT_LIST_LIMIT_DEFAULT } from '../../shared/audit-list.js';
import { permissionScope, type Role } from '../../shared/permissions.js';
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
 * The audit explorer at 1,000,000 events (`npm run bench -- --sections auditlist`; docs/performance.md, "Audit
 * explorer and access report at 1,000,000 rows"). In a scratch database of its own (created on DATABASE_URL's
 * server, dropped after; the URL's user must be a superuser: the load writes audit_events directly and moves the
 * chain's head with triggers off) it writes `events` audit events of a realistic mix — 48 support agents, the
 * demo staff, 12 partner keys and the system; resumes, links, revocations, sign-ins, partner reads, PII reveals,
 * explorer views, policy changes… over 180 days, on 300,000 inquiries — chained and hashed in Node exactly as the
 * trigger would (the chain is verified after the load), and COPYed in with the indexes built afterwards.
 *
 * Then the app server runs in a process of its own (server/bench/list-server.ts, compiled) and `audit.list` is
 * measured over HTTP, signed in as the demo compliance officer (scope all) and as demo support (scope own): for
 * each view its first page and its page 500 (reached by following nextCursor), `requests` times each,
 * alternating. Every first page is a real first page: it appends its `audit.viewed` event and commits, as the
 * console's does. Page 500 reuses one cursor (its check that the view was recorded runs every time).
 */

const SPAN_DAYS = 180;
const INQUIRIES = 300_000;
const AGENTS = 48;
const PARTNER_KEYS = 12;
/** A share of the events about inquiries goes to one inquiry, so that an inquiry's page 500 exists (no real inquiry has 30,000 events). */
const HOT_INQUIRY = 'inq_BenchHot0000000001';
const HOT_SHARE = 0.045;

/** Deterministic randomness (mulberry32): the same seed writes the same log. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Actor {
  type: 'staff' | 'partner' | 'system';
  id: string | null;
  display: string | null;
}

export const benchAgentId = (n: number) => `stf_bench${String(n).padStart(2, '0')}`;
export const benchAgentEmail = (n: number) => `agent${String(n).padStart(2, '0')}@bench.test`;
const benchKeyId = (n: number) => `key_bench${String(n).padStart(2, '0')}`;

const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0',
];
const REASONS = [
  'Customer called: the link in the email expired before they finished',
  'End user closed the browser mid-flow; ticket attached',
  'Document upload failed on the customer side, retry requested',
  'Partner escalation: applicant stuck on the selfie step',
  'Re-verification requested after a name change',
  'Compliance review of issued access',
];
const QUERIES = ['', 'has:ticket', 'action:link.*', 'action:inquiry.resumed', 'after:2026-10-01', 'ticket:SUP-10412', 'action:pii.revealed'];

/** The staff a bench world has: the demo accounts (their real ids) and the bench agents. */
export interface StaffIds {
  support: string;
  compliance: string;
  admin: string;
  manager: string;
  viewer: string;
}

export async function demoStaffIds(db: Database['db']): Promise<StaffIds> {
  const rows = await db.selectFrom('staff').select(['id', 'email']).where('email', 'in', DEMO_STAFF.map((d) => d.email)).execute();
  const id = (email: string) => {
    const row = rows.find((r) => r.email === email);
    if (!row) throw new Error(`the demo account ${email} is missing`);
    return row.id;
  };
  return { support: id('support@demo.test'), compliance: id('compliance@demo.test'), admin: id('admin@demo.test'), manager: id('manager@demo.test'), viewer: id('viewer@demo.test') };
}

type Draft = Omit<CanonicalEvent, 'occurredAt'>;

/** The mix of events: [weight, maker]. Each maker draws its actor, target and metadata. */
function eventMix(staffIds: StaffIds, rnd: () => number): [number, (n: number) => Draft][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
  const agent = (): Actor => {
    const r = rnd();
    // Two busy people (demo support, agent 01) take 8 % each, so that one person's page 500 exists.
    if (r < 0.08) return { type: 'staff', id: staffIds.support, display: 'support@demo.test' };
    if (r < 0.16) return { type: 'staff', id: benchAgentId(1), display: benchAgentEmail(1) };
    const n = 2 + Math.floor(rnd() * (AGENTS - 1));
    return { type: 'staff', id: benchAgentId(n), display: benchAgentEmail(n) };
  };
  const compliance = (): Actor =>
    rnd() < 0.75 ? { type: 'staff', id: staffIds.compliance, display: 'compliance@demo.test' } : { type: 'staff', id: staffIds.admin, display: 'admin@demo.test' };
  const manager = (): Actor => ({ type: 'staff', id: staffIds.manager, display: 'manager@demo.test' });
  const partner = (): Actor => {
    const n = 1 + Math.floor(rnd() * PARTNER_KEYS);
    return { type: 'partner', id: benchKeyId(n), display: `Customer ${n} (production key)` };
  };
  const system = (id: string, display: string): Actor => ({ type: 'system', id, display });
  const inquiry = () => {
    if (rnd() < HOT_SHARE) return HOT_INQUIRY;
    return `inq_Bench${Math.floor(rnd() * INQUIRIES).toString(36).padStart(6, '0')}`;
  };
  const id = (prefix: string, n: number) => `${prefix}_Bench${n.toString(36).padStart(8, '0')}`;
  const fingerprint = (n: number) => `sha256:${(Math.imul(n, 2654435761) >>> 0).toString(16).padStart(8, '0')}${(n * 40503).toString(16).padStart(8, '0')}`;
  const ticket = (share: number) => (rnd() < share ? `SUP-${10_000 + Math.floor(rnd() * 90_000)}` : null);
  const request = (n: number) => ({ ip: `203.0.113.${n % 250}`, userAgent: pick(USER_AGENTS), requestId: `req-${n.toString(36)}` });
  const draft = (actor: Actor, action: string, n: number, rest: Partial<Draft> = {}): Draft => {
    const r = request(n);
    return {
      actorType: actor.type,
      actorId: actor.id,
      actorDisplay: actor.display,
      action,
      targetType: null,
      targetId: null,
      reason: null,
      ticket: null,
      metadata: {},
      ip: actor.type === 'system' ? null : r.ip,
      userAgent: actor.type === 'staff' ? r.userAgent : null,
      requestId: r.requestId,
      ...rest,
    };
  };
  const onInquiry = (inquiryId = inquiry()) => ({ targetType: 'inquiry', targetId: inquiryId });
  const expires = (n: number) => new Date(Date.UTC(2026, 10, 1) + (n % 1000) * 60_000).toISOString();
  return [
    [
      15,
      (n) =>
        draft(agent(), 'inquiry.resumed', n, {
          ...onInquiry(),
          reason: pick(REASONS),
          ticket: ticket(0.45),
          metadata: { sessionId: id('iqse', n), tokenFingerprint: fingerprint(n), sessionExpiresAt: expires(n), reusedSession: rnd() < 0.05, previousStatus: pick(['pending', 'expired', 'created']), versionNumber: 2, latestVersionNumber: 3, acknowledgedExpired: rnd() < 0.3, acknowledgedOutdated: false },
        }),
    ],
    [
      8,
      (n) =>
        draft(partner(), 'inquiry.resumed', n, {
          ...onInquiry(),
          metadata: { via: 'partner_api', customerId: `cus_Bench${n % PARTNER_KEYS}`, apiKeyPrefix: `pk_${n % PARTNER_KEYS}`, sessionId: id('iqse', n), tokenFingerprint: fingerprint(n), sessionExpiresAt: expires(n), reusedSession: false, previousStatus: 'pending', versionNumber: 1, latestVersionNumber: 1 },
        }),
    ],
    [3, (n) => draft(system('backend-api', 'Customer backend'), 'inquiry.resumed', n, { ...onInquiry(), metadata: { via: 'api', sessionId: id('iqse', n), tokenFingerprint: fingerprint(n), sessionExpiresAt: expires(n) } })],
    [
      12,
      (n) =>
        draft(agent(), 'link.created', n, {
          ...onInquiry(),
          reason: pick(REASONS),
          ticket: ticket(0.7),
          metadata: { linkId: id('lnk', n), kind: rnd() < 0.65 ? 'one_time' : 'token', linkExpiresAt: expires(n), versionNumber: 2, latestVersionNumber: 2 },
        }),
    ],
    [
      2,
      (n) =>
        draft(rnd() < 0.3 ? compliance() : agent(), 'link.revoked', n, {
          targetType: 'link',
          targetId: id('lnk', n - 1000),
          reason: 'Sent to the wrong address',
          ticket: ticket(0.3),
          metadata: { inquiryId: inquiry(), kind: 'token', sessionId: id('iqse', n - 1000), tokenFingerprint: fingerprint(n - 1000), sessionExpired: true },
        }),
    ],
    [2, (n) => draft(agent(), 'session.expired', n, { ...onInquiry(), reason: 'Customer asked to stop the verification', metadata: { sessionIds: [id('iqse', n - 500)], count: 1 } })],
    [9, (n) => draft(rnd() < 0.1 ? compliance() : agent(), 'auth.login', n, { metadata: { method: 'password' } })],
    [4, (n) => draft(agent(), 'auth.logout', n)],
    [1.5, (n) => draft(system('sign-in', 'Sign-in'), 'auth.login_failed', n, { ip: `198.51.100.${n % 200}`, metadata: { emailHash: fingerprint(n).slice(7, 23), reason: 'wrong_password' } })],
    [16, (n) => draft(partner(), 'partner.inquiry_read', n, { ...onInquiry(), metadata: { fields: ['status', 'expiresAt'] } })],
    [10, (n) => draft(rnd() < 0.6 ? partner() : system('backend-api', 'Customer backend'), 'inquiry.created', n, { ...onInquiry(), metadata: { source: 'partner_api', versionNumber: 3 } })],
    [3, (n) => draft(system('hosted-flow', 'Hosted flow'), 'inquiry.started_from_bare_id', n, { ...onInquiry(), metadata: { sessionId: id('iqse', n), via: '/verify' } })],
    [1.5, (n) => draft(agent(), 'inquiry.recreated', n, { ...onInquiry(), reason: 'Template changed: recreate on the latest version', ticket: ticket(0.5), metadata: { successorId: inquiry() } })],
    [1, (n) => draft(rnd() < 0.5 ? compliance() : agent(), 'pii.revealed', n, { ...onInquiry(), reason: 'Identity check requested by the customer', ticket: ticket(0.8), metadata: { fields: ['email', 'phone'] } })],
    [
      4,
      (n) => {
        const r = rnd();
        const actor = r < 0.7 ? compliance() : agent();
        return draft(actor, 'audit.viewed', n, { metadata: { viewId: id('auv', n), query: pick(QUERIES), scope: actor.id === staffIds.compliance || actor.id === staffIds.admin ? 'all' : 'own', shown: 50, more: true } });
      },
    ],
    [0.3, (n) => draft(compliance(), 'audit.exported', n, { metadata: { format: pick(['csv', 'jsonl']), query: pick(QUERIES), rows: 1000 + (n % 50_000), pii: false } })],
    [1.5, (n) => draft(agent(), 'inquiry.action_refused', n, { ...onInquiry(), metadata: { action: 'resume', refusal: 'cooldown' } })],
    [0.5, (n) => draft({ type: 'staff', id: staffIds.viewer, display: 'viewer@demo.test' }, 'access.denied', n, { metadata: { procedure: 'inquiries.resume', permission: 'inquiry:act' } })],
    [0.3, (n) => draft(manager(), 'policy.updated', n, { targetType: 'template', targetId: `itmpl_Bench${n % 12}`, reason: 'Shorter expiry for the selfie flow', metadata: { before: { expiryHours: 48 }, after: { expiryHours: 24 } } })],
    [0.2, (n) => draft(manager(), 'template.version_published', n, { targetType: 'template', targetId: `itmpl_Bench${n % 12}`, metadata: { versionNumber: 2 + (n % 5) } })],
    [0.3, (n) => draft(manager(), 'policy.applied', n, { targetType: 'template', targetId: `itmpl_Bench${n % 12}`, reason: 'Apply the new policy to open inquiries', metadata: { inquiries: 120 + (n % 900) } })],
    [0.4, (n) => draft(agent(), 'link.approval_requested', n, { ...onInquiry(), reason: pick(REASONS), ticket: ticket(1), metadata: { requestId: id('tlr', n) } })],
    [0.3, (n) => draft(compliance(), 'link.approved', n, { ...onInquiry(), reason: 'Checked with the ticket', metadata: { requestId: id('tlr', n - 200), linkId: id('lnk', n) } })],
    [0.1, (n) => draft({ type: 'staff', id: staffIds.admin, display: 'admin@demo.test' }, 'staff.role_changed', n, { targetType: 'staff', targetId: benchAgentId(1 + (n % AGENTS)), reason: 'Team change', metadata: { before: 'support', after: 'support' } })],
    [0.5, (n) => draft(system('sign-in', 'Sign-in'), 'auth.slowed_down', n, { metadata: { seconds: 2 } })],
  ];
}

const COPY_COLUMNS = 'seq, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id, reason, ticket, metadata, ip, user_agent, request_id, prev_hash, hash';

/** COPY's text format: \N for null; backslash, tab and line breaks escaped. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/**
 * Extends the chain from its head to `total` events of the mix, hashed in Node as the trigger would, COPYed in
 * with audit_events' secondary indexes dropped and rebuilt after; then moves the head (triggers off: superuser).
 */
export async function fillAuditLog(database: Database, direct: pg.Client, total: number, staffIds: StaffIds, end: Date, seed = 1): Promise<void> {
  const head = await database.db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
  const startSeq = Number(head.seq);
  const rnd = random(seed);
  const mix = eventMix(staffIds, rnd);
  const weights = mix.reduce((sum, [w]) => sum + w, 0);
  const makers = mix.map(([w, make]) => ({ share: w / weights, make }));
  const choose = () => {
    let r = rnd();
    for (const m of makers) {
      if (r < m.share) return m.make;
      r -= m.share;
    }
    return makers[0]?.make ?? (() => { throw new Error('empty mix'); });
  };
  const spanMs = SPAN_DAYS * 86_400_000;
  const startMs = end.getTime() - spanMs;

  const indexes = await direct.query<{ name: string; definition: string }>(
    `select i.relname as name, pg_get_indexdef(x.indexrelid) as definition from pg_index x
       join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     where t.relname = 'audit_events' and t.relnamespace = current_schema()::regnamespace and not x.indisprimary`,
  );
  for (const index of indexes.rows) await direct.query(`drop index ${index.name}`);

  let seq = startSeq;
  let prev = head.hash;
  let prevOfLast: string | null = null;
  const CHUNK = 5_000;
  function* chunks(): Generator<string> {
    while (seq < total) {
      let text = '';
      for (let i = 0; i < CHUNK && seq < total; i++) {
        seq += 1;
        const draft = choose()(seq);
        // Time follows seq, each event up to 2 s earlier than its place (its action started before it committed).
        const occurredAt = new Date(Math.round(startMs + ((seq - startSeq) / (total - startSeq)) * spanMs - rnd() * 2_000));
        const event: CanonicalEvent = { ...draft, occurredAt };
        const body = canonicalEventBody(event);
        const hash = chainHash(prev, seq, body);
        text +=
          [
            String(seq),
            occurredAt.toISOString(),
            event.actorType,
            event.actorId,
            event.actorDisplay,
            event.action,
            event.targetType,
            event.targetId,
            event.reason,
            event.ticket,
            JSON.stringify(event.metadata),
            event.ip,
            event.userAgent,
            event.requestId,
            prev,
            hash,
          ]
            .map(copyText)
            .join('\t') + '\n';
        prevOfLast = prev;
        prev = hash;
      }
      yield text;
    }
  }
  await pipeline(Readable.from(chunks()), direct.query(copyFrom(`copy audit_events (${COPY_COLUMNS}) from stdin`)));

  await direct.query(`set maintenance_work_mem = '512MB'`);
  for (const index of indexes.rows) await direct.query(index.definition);
  await direct.query('reset maintenance_work_mem');
  // The head may only advance one event at a time through its trigger; a bulk load moves it with triggers off.
  await direct.query('begin');
  await direct.query('set local session_replication_role = replica');
  await direct.query('update audit_chain_head set seq = $1, hash = $2, prev_hash = $3 where id = 1', [seq, prev, prevOfLast]);
  await direct.query('commit');
  await direct.query('vacuum (analyze) audit_events');
}

/** The views: filters a compliance officer uses, and support's own events. */
function auditViews(end: Date, hotEvents: number): PagedView[] {
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const period = `after:${iso(end.getTime() - 90 * day)} before:${iso(end.getTime() - 60 * day)}`;
  const limit = AUDIT_LIST_LIMIT_DEFAULT;
  const view = (name: string, q: string, as = 'compliance', note?: string): PagedView => ({
    name,
    procedure: 'audit.list',
    input: { q, limit },
    as,
    ...(note ? { note } : {}),
  });
  return [
    view('no filter (newest first)', ''),
    view(`actor (${benchAgentId(1)}, ~8 % of staff events)`, `actor:${benchAgentId(1)}`),
    view('actor by email (support@demo.test)', 'actor:support@demo.test'),
    view('action family (link.*)', 'action:link.*'),
    view('action (pii.revealed, ~1 %)', 'action:pii.revealed'),
    view('actor + action', `actor:${benchAgentId(1)} action:link.created`),
    view(`inquiry (one inquiry, ${hotEvents.toLocaleString('en-US')} events)`, `inquiry:${HOT_INQUIRY}`),
    view('period (30 days, 60–90 days ago)', period),
    view('period + action family', `${period} action:link.*`),
    view('period + actor', `${period} actor:${benchAgentId(1)}`),
    view('ticket present', 'has:ticket'),
    view('support: own events (scope own)', '', 'support'),
  ].map((v) => ({ ...v, input: { ...v.input } }));
}

/** The page statement a request runs, rebuilt as the service builds it (the cursor decoded as the service does). */
function auditStatements(db: Database['db'], principals: Record<string, { id: string; email: string; role: Role }>): StatementsOf {
  return async (view, cursor) => {
    const staff = principals[view.as];
    if (!staff) throw new Error(`no principal ${view.as}`);
    const scope = permissionScope(staff.role, 'audit:read');
    if (scope === null) throw new Error(`${staff.role} cannot read the audit log`);
    const read = combineAuditQuery(typeof view.input.q === 'string' ? view.input.q : '', {});
    if (!read.ok) throw new Error(`${view.name}: ${read.message}`);
    const plan = await pageFilterFor({ database: { db } as Database, staff: { ...staff, displayName: staff.email } } as Parameters<typeof pageFilterFor>[0], read.filter, scope);
    if (!plan) return [];
    const limit = Number(view.input.limit ?? AUDIT_LIST_LIMIT_DEFAULT) + 1;
    let position: { seq: number; occurredAt: Date } | undefined;
    if (cursor) {
      const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s: number; t?: string };
      position = { seq: decoded.s, occurredAt: new Date(decoded.t ?? 0) };
    }
    return [auditPageQuery(db, { ...plan, ...(position ? { position } : {}), limit })];
  };
}

export interface PagedBenchOptions {
  /** The compiled app server (server/bench/list-server.ts); the caller builds it. */
  serverFile: string;
  requests?: number;
  log?: (line: string) => void;
  /** Called with each view's result (the caller may keep them for --json). */
  onResult?: (result: PagedResult) => void;
}

export async function runAuditListBench(databaseUrl: string, options: PagedBenchOptions & { events?: number }): Promise<BenchRow[]> {
  const events = options.events ?? 1_000_000;
  const requests = options.requests ?? 200;
  const log = options.log ?? (() => undefined);
  const password = loadConfig().demoPassword ?? 'bench-demo-password';
  const scratch = await createScratchDatabase(databaseUrl, 'auditlist', 4);
  let server: Awaited<ReturnType<typeof startBenchServer>> | null = null;
  const clients: Record<string, BenchHttpClient> = {};
  try {
    const { database, direct } = scratch;
    await migrate(database);
    const end = new Date(Math.floor(Date.now() / 1000) * 1000);
    // The demo staff exist before the period the log covers.
    await ensureDemoStaff(database.db, password, new Date(end.getTime() - (SPAN_DAYS + 1) * 86_400_000));
    const staffIds = await demoStaffIds(database.db);

    log(`audit explorer: writing ${events.toLocaleString('en-US')} chained audit events (${SPAN_DAYS} days, ${AGENTS} agents, ${PARTNER_KEYS} partner keys, ${INQUIRIES.toLocaleString('en-US')} inquiries)…`);
    let started = performance.now();
    await fillAuditLog(database, direct, events, staffIds, end);
    log(`  written, indexed and analysed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    started = performance.now();
    const verification = await verifyAuditChain(database.db, { databaseUrl: scratch.url });
    if (!verification.ok) throw new Error(`the bench's audit chain does not verify: broken at ${verification.firstBrokenSeq}`);
    log(`  chain verified: ${verification.checked.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);

    // The server's clock: just after the last event.
    const now = new Date(end.getTime() + 60_000);
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
    const calibration = await calibrate(database.db, 'select seq, action, occurred_at from audit_events where seq = $1', Array.from({ length: 500 }, (_, i) => 1 + i * 1999));
    const hot = await sql<{ n: number }>`select count(*)::int as n from audit_events
      where (case when target_type = 'inquiry' then target_id else metadata ->> 'inquiryId' end) = ${HOT_INQUIRY}`.execute(database.db);
    const views = auditViews(end, hot.rows[0]?.n ?? 0);
    // A person may open 30 new searches a minute (services/audit-reads.ts: each is recorded), and the server's clock
    // stands still, so the bench, which opens thousands, empties the person's window before each first page (outside
    // the timing). The bound's own work (an advisory lock, a count, a row) is still in every first page measured.
    const beforeFirstPage = async (v: PagedView) => {
      const staff = principals[v.as as keyof typeof principals];
      await database.db.deleteFrom('rate_limit_events').where('bucket', '=', `audit_read:${staff.id}`).execute();
    };
    // Warm the server's code paths before the first measured view.
    for (let round = 0; round < 5; round++) {
      for (const v of views) {
        await beforeFirstPage(v);
        await clients[v.as]?.request('GET', BenchHttpClient.queryPath(v.procedure, v.input));
      }
    }
    log(`audit.list over HTTP: ${requests} first pages and ${requests} deep pages per view; load ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
    const results: PagedResult[] = [];
    const statementsOf = auditStatements(database.db, principals);
    for (const v of views) {
      const result = await measurePagedView(clients, database.db, v, { requests, statementsOf, beforeFirstPage });
      results.push(result);
      options.onResult?.(result);
      log(describeResult(result));
    }
    calibration.push(...(await calibrate(database.db, 'select seq, action, occurred_at from audit_events where seq = $1', Array.from({ length: 500 }, (_, i) => 7 + i * 1997))));
    const calibrationMs = latency(calibration).p50;
    const appended = await database.db.selectFrom('audit_events').select(sql<number>`count(*)::int`.as('n')).where('seq', '>', events).executeTakeFirstOrThrow();
    log(`  ${appended.n.toLocaleString('en-US')} events appended during the run (audit.viewed of each first page, sign-ins); server peak RSS ${Math.round(serverRssMb(server.pid))} MB`);
    const section = `audit.list (${events.toLocaleString('en-US')} events)`;
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

// Standalone: `npx tsx server/bench/audit-list.ts [admin database url] [events]`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { compileBenchServer } = await import('./export.js');
  const url = process.argv[2] ?? loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const events = process.argv[3] ? Number(process.argv[3]) : undefined;
  const rows = await runAuditListBench(url, { serverFile: await compileBenchServer(), log: (line) => console.log(line), ...(events ? { events } : {}) });
  printTable(rows);
  if (rows.some((r) => r.checks.some((c) => !c.pass))) process.exitCode = 1;
}
