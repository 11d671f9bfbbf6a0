import type { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import type { AppError } from '../../server/errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../server/services/audit.js';
import { STATUSES } from '../../shared/statuses.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry, addTemplate, errorOf, ago, ahead, callerFor, DAY, HOUR, issuedLink, liveSessionUntilDrift, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

const reason = 'User closed the browser mid-flow (ticket 4411)';
let keyCounter = 0;
const key = () => `key-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;


// Every guarded action over both providers (issue 15): the local engine, and Persona's API as the fake plays it.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('guarded actions on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  let clock = NOW;
  const now = () => clock;
  const callerAs = (staff: ReturnType<typeof staffPrincipal>) => callerFor(database, now, staff, harness.env);
  const admin = () => callerAs(staffPrincipal());
  const persona = providerKind === 'persona';

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, now);
    kyc = await addTemplate(database.db, 'KYC', 2);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  const fresh = async (status: string, extra: Partial<Parameters<typeof addInquiry>[2]> = {}) =>
    harness.track(
      await addInquiry(database.db, kyc, {
        status,
        createdAt: ago(2 * HOUR),
        expiresAt: status === 'expired' || !['created', 'pending'].includes(status) ? ago(HOUR) : ahead(20 * HOUR),
        ...extra,
      }),
    );

  describe('the guard matrix: every status × every action', () => {
    const allowed: Record<'resume' | 'oneTimeLink' | 'tokenLink' | 'recreate', string[]> = {
      resume: ['pending', 'expired'],
      oneTimeLink: ['created', 'pending', 'expired'],
      tokenLink: ['pending', 'expired'],
      recreate: ['created', 'pending', 'expired', 'failed'],
    };

    it.each(STATUSES.map((s) => [s]))('%s: actionsFor says what the server then enforces', async (status) => {
      clock = NOW;
      const id = await fresh(status);
      const verdicts = await admin().inquiries.actionsFor({ id });
      for (const action of ['resume', 'oneTimeLink', 'tokenLink', 'recreate'] as const) {
        const statuses = allowed[action];
        const v = verdicts[action];
        expect({ action, allowed: v.allowed }).toEqual({ action, allowed: statuses.includes(status) });
        if (!v.allowed) expect(v.reasons.join(' ')).toMatch(new RegExp(status === 'expired' ? 'resume it first' : status));
      }

      const attempts = {
        resume: () => admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: key() }),
        oneTimeLink: () => admin().links.createOneTime({ inquiryId: id, reason, acknowledgeExpired: true, idempotencyKey: key() }),
        tokenLink: () =>
          admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-1', expiresInMinutes: 30, acknowledgeRisk: true, acknowledgeExpired: true, idempotencyKey: key() }),
        recreate: () => admin().inquiries.recreate({ id, reason, idempotencyKey: key() }),
      };
      // Each attempt on a fresh inquiry of this status, so one action's effect does not change the next.
      for (const [action, attempt] of Object.entries(attempts)) {
        if (action !== 'resume') {
          const other = await fresh(status);
          const run = {
            oneTimeLink: () => admin().links.createOneTime({ inquiryId: other, reason, acknowledgeExpired: true, idempotencyKey: key() }),
            tokenLink: () =>
              admin().links.createWithToken({ inquiryId: other, reason, ticket: 'T-1', expiresInMinutes: 30, acknowledgeRisk: true, acknowledgeExpired: true, idempotencyKey: key() }),
            recreate: () => admin().inquiries.recreate({ id: other, reason, idempotencyKey: key() }),
          }[action as 'oneTimeLink' | 'tokenLink' | 'recreate'];
          if (allowed[action as keyof typeof allowed].includes(status)) await expect(run()).resolves.toBeDefined();
          else expect((await errorOf(run())).code).toBe('CONFLICT');
        } else if (allowed.resume.includes(status)) {
          await expect(attempt()).resolves.toBeDefined();
        } else {
          expect((await errorOf(attempt())).code).toBe('CONFLICT');
        }
      }
    });
  });

  describe('resume and copy a token', () => {
    it('an expired inquiry needs an explicit acknowledgement, then becomes pending with a fresh expiry', async () => {
      clock = NOW;
      const id = await fresh('expired');
      const refused = await errorOf(admin().inquiries.resume({ id, reason, idempotencyKey: key() }));
      expect(refused.code).toBe('PRECONDITION_FAILED');
      expect(refused.message).toContain('acknowledgeExpired');

      const result = await admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: key() });
      expect(result.status).toBe('pending');
      expect(result.expiresAt.getTime()).toBe(Math.floor((NOW.getTime() + DAY) / 1000) * 1000);
      const row = await database.db.selectFrom('inquiries').select(['status', 'expires_at', 'expired_at']).where('id', '=', id).executeTakeFirstOrThrow();
      // Persona's clock (the fake's keeps its timestamps strictly increasing) may be a few ms on.
      if (persona) expect(Math.abs(row.expires_at.getTime() - (NOW.getTime() + DAY))).toBeLessThan(1000);
      else expect(row.expires_at).toEqual(new Date(NOW.getTime() + DAY));
      expect(row).toMatchObject({ status: 'pending', expired_at: null });

      if (persona) {
        // Persona's token names its session; the fake issued it for this inquiry.
        expect(harness.fake?.sessions(id).map((s) => s.id)).toContain(result.sessionId);
        return;
      }
      const { provider } = testDeps(database);
      await provider.ready();
      const keys = provider.hostedFlow;
      expect(await keys?.verifySessionToken(result.sessionToken, NOW)).toEqual({ sessionId: result.sessionId, inquiryId: id });
      expect(await keys?.verifySessionToken(result.sessionToken, ahead(2 * DAY))).toBeNull();
    });

    it('an outdated inquiry warns and needs acknowledgeOutdated', async () => {
      clock = NOW;
      const id = await fresh('pending', { version: 1 });
      const verdicts = await admin().inquiries.actionsFor({ id });
      expect(verdicts.resume.requires).toContain('acknowledgeOutdated');
      expect(verdicts.resume.warnings.join(' ')).toMatch(/v1, 1 behind v2.*recreating/);
      expect((await errorOf(admin().inquiries.resume({ id, reason, idempotencyKey: key() }))).code).toBe('PRECONDITION_FAILED');
      await expect(admin().inquiries.resume({ id, reason, acknowledgeOutdated: true, idempotencyKey: key() })).resolves.toMatchObject({ status: 'pending' });
    });

    it('hands out a live session nobody has used before creating another, like Persona', async () => {
      clock = NOW;
      const id = await fresh('pending');
      const first = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      const second = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      expect(second.sessionId).toBe(first.sessionId);
      expect(second.reusedSession).toBe(true);
      await harness.sessionStarted(first.sessionId, NOW);
      const third = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      expect(third.sessionId).not.toBe(first.sessionId);
    });

    it('a repeated idempotency key replays the first result and creates nothing; a reused key with other input is refused', async () => {
      clock = NOW;
      const id = await fresh('pending');
      const k = key();
      const [a, b] = await Promise.all([admin().inquiries.resume({ id, reason, idempotencyKey: k }), admin().inquiries.resume({ id, reason, idempotencyKey: k })]);
      expect(b).toEqual(a);
      const sessions = await database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute();
      expect(sessions).toHaveLength(1);
      const events = await sql<{ n: number }>`select count(*)::int as n from audit_events where target_id = ${id} and action = 'inquiry.resumed'`.execute(database.db);
      expect(events.rows[0]?.n).toBe(1);
      const mismatch = await errorOf(admin().inquiries.resume({ id, reason: 'A different reason entirely', idempotencyKey: k }));
      expect(mismatch.code).toBe('CONFLICT');
      expect(mismatch.message).toContain('idempotencyKey');
    });

    it('a refused request leaves its idempotency key unused: the same key then carries the corrected request', async () => {
      clock = NOW;
      const id = await fresh('expired');
      const k = key();
      expect((await errorOf(admin().inquiries.resume({ id, reason, idempotencyKey: k }))).code).toBe('PRECONDITION_FAILED');
      const stored = await database.db.selectFrom('idempotency_keys').select('key').where('key', '=', k).execute();
      expect(stored).toEqual([]);
      const result = await admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: k });
      expect(result.status).toBe('pending');
      await expect(admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: k })).resolves.toEqual(result);
    });

    it('never stores or audits the token itself: only its fingerprint and session id', async () => {
      clock = NOW;
      const id = await fresh('pending');
      const result = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      const dump = await sql<{ t: string }>`select (
        coalesce((select string_agg(e::text, '') from audit_events e), '') ||
        coalesce((select string_agg(k::text, '') from idempotency_keys k), '') ||
        coalesce((select string_agg(s::text, '') from inquiry_sessions s), '') ||
        coalesce((select string_agg(v::text, '') from inquiry_events v), '')) as t`.execute(database.db);
      const everything = dump.rows[0]?.t ?? '';
      expect(everything).not.toContain(result.sessionToken);
      expect(everything).not.toContain(result.sessionToken.split('.')[2]);
      expect(everything).toContain(result.tokenFingerprint);
      const event = await database.db.selectFrom('audit_events').select(['metadata', 'reason', 'actor_id']).where('target_id', '=', id).executeTakeFirstOrThrow();
      expect(event).toMatchObject({ reason, actor_id: 'stf_admin', metadata: { sessionId: result.sessionId, tokenFingerprint: result.tokenFingerprint } });
    });

    it('cools down after 3 console resumes of one inquiry in 10 minutes, saying when to retry', async () => {
      clock = NOW;
      const id = await fresh('pending');
      for (let i = 0; i < 3; i++) await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      const refused = await errorOf(admin().inquiries.resume({ id, reason, idempotencyKey: key() }));
      expect(refused.code).toBe('TOO_MANY_REQUESTS');
      expect(refused.message).toMatch(/Resumed 3 times in the last 10 min/);
      const verdict = await admin().inquiries.actionsFor({ id });
      expect(verdict.resume.allowed).toBe(false);
      // The disabled verdict carries the same wait as the 429, so the console can count it down.
      const retryAfter = (refused.cause as AppError).details?.['retryAfterSeconds'];
      expect(retryAfter).toBeGreaterThan(0);
      expect(verdict.resume.retryAfterSeconds).toBe(retryAfter);
      expect(verdict.oneTimeLink.retryAfterSeconds).toBeUndefined();
      clock = new Date(NOW.getTime() + 10 * MINUTE + 1000);
      await expect(admin().inquiries.resume({ id, reason, idempotencyKey: key() })).resolves.toBeDefined();
      clock = NOW;
    });

    it('an agent has a budget of session-bearing actions per hour', async () => {
      clock = ahead(3 * DAY); // a fresh window for this agent
      const agent = staffPrincipal('support', 'stf_budget');
      const caller = callerAs(agent);
      const ids = await Promise.all(Array.from({ length: 5 }, () => fresh('pending', { createdAt: ago(0), expiresAt: ahead(4 * DAY) })));
      const deps = testDeps(database, now, harness.env);
      const budget = deps.config.guards.staffBudget;
      await database.db.insertInto('rate_limit_events').values(Array.from({ length: budget - 1 }, () => ({ bucket: 'staff-actions:stf_budget', occurred_at: clock }))).execute();
      await caller.links.createOneTime({ inquiryId: ids[0] ?? '', reason, idempotencyKey: key() });
      const refused = await errorOf(caller.inquiries.resume({ id: ids[1] ?? '', reason, idempotencyKey: key() }));
      expect(refused.code).toBe('TOO_MANY_REQUESTS');
      expect(refused.message).toMatch(new RegExp(`issued ${budget} sessions or links`));
      clock = NOW;
    });
  });

  describe('links', () => {
    it('a token link is the hosted-flow URL with inquiry-id and session-token, time-boxed and audited with the ticket', async () => {
      clock = NOW;
      const id = await fresh('pending');
      const link = issuedLink(await admin().links.createWithToken({ inquiryId: id, reason, ticket: 'ZD-4411', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
      const url = new URL(link.url);
      expect(`${url.origin}${url.pathname}`).toBe(harness.hostedFlowUrl);
      expect(url.searchParams.get('inquiry-id')).toBe(id);
      expect(url.searchParams.get('session-token')).toMatch(/^eyJ/);
      expect(link.expiresAt).toEqual(new Date(NOW.getTime() + HOUR));
      const event = await database.db.selectFrom('audit_events').select(['action', 'ticket', 'metadata']).where('target_id', '=', id).executeTakeFirstOrThrow();
      expect(event).toMatchObject({ action: 'link.created', ticket: 'ZD-4411', metadata: { kind: 'token', linkId: link.linkId } });
      expect(JSON.stringify(event)).not.toContain(url.searchParams.get('session-token'));
    });

    it('a token link may not outlive the inquiry or the policy cap, and needs the risk acknowledged', async () => {
      clock = NOW;
      const id = await fresh('pending', { expiresAt: ahead(2 * HOUR) });
      const tooLong = await errorOf(admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-1', expiresInMinutes: 180, acknowledgeRisk: true, idempotencyKey: key() }));
      expect(tooLong.code).toBe('BAD_REQUEST');
      expect(tooLong.message).toMatch(/expiresInMinutes: at most 120/);
      const noAck = await errorOf(
        admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-1', expiresInMinutes: 30, acknowledgeRisk: false as unknown as true, idempotencyKey: key() }),
      );
      expect(noAck.code).toBe('BAD_REQUEST');
      expect(noAck.message).toContain('acknowledgeRisk');
    });

    it('roles: compliance cannot issue links; support can revoke only what they issued; revoking expires the session', async () => {
      clock = NOW;
      const id = await fresh('pending');
      const compliance = callerAs(staffPrincipal('compliance'));
      expect((await errorOf(compliance.links.createWithToken({ inquiryId: id, reason, ticket: 'T-1', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }))).code).toBe('FORBIDDEN');

      const alice = callerAs(staffPrincipal('support', 'stf_alice'));
      const bob = callerAs(staffPrincipal('support', 'stf_bob'));
      const link = issuedLink(await alice.links.createWithToken({ inquiryId: id, reason, ticket: 'T-2', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }));
      const notBobs = await errorOf(bob.links.revoke({ linkId: link.linkId, reason: 'Not mine to revoke' }));
      expect(notBobs.code).toBe('FORBIDDEN');
      const revoked = await alice.links.revoke({ linkId: link.linkId, reason: 'Sent to the wrong address' });
      expect(revoked.sessionExpired).toBe(true);
      const session = await database.db.selectFrom('access_links').innerJoin('inquiry_sessions', 'inquiry_sessions.id', 'access_links.session_id').select('inquiry_sessions.revoked_at').where('access_links.id', '=', link.linkId).executeTakeFirstOrThrow();
      expect(session.revoked_at).toEqual(NOW);
      expect((await errorOf(compliance.links.revoke({ linkId: link.linkId, reason: 'Again, just in case' }))).code).toBe('CONFLICT');
    });

    it('a one-time link for an expired inquiry asks to acknowledge that it reopens it (issue 14: one step)', async () => {
      clock = NOW;
      const id = await fresh('expired');
      const refused = await errorOf(admin().links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() }));
      expect(refused.code).toBe('PRECONDITION_FAILED');
      expect(refused.message).toContain('creating the link reopens it');
    });

    it('a static link carries the template and an opaque reference id, and no token', async () => {
      const result = await admin().templates.staticLink({ templateId: kyc.id });
      const url = new URL(result.url);
      expect(url.searchParams.get('inquiry-template-id')).toBe(kyc.id);
      expect(url.searchParams.get('reference-id')).toBe(result.referenceId);
      expect(result.referenceId).toMatch(/^ref_[A-Za-z0-9]{16}$/);
      expect(url.searchParams.has('session-token')).toBe(false);
    });
  });

  describe('recreate on the latest version', () => {
    it('copies reference id, customer and prefill onto the latest version; the old one is expired and linked', async () => {
      clock = NOW;
      const old = await fresh('pending', { version: 1, referenceId: 'usr_recreate', liveSessions: 1 });
      const { newInquiryId, versionNumber } = await admin().inquiries.recreate({ id: old, reason, idempotencyKey: key() });
      expect(versionNumber).toBe(2);
      const rows = await database.db.selectFrom('inquiries').selectAll().where('id', 'in', [old, newInquiryId]).execute();
      const before = rows.find((r) => r.id === old);
      const after = rows.find((r) => r.id === newInquiryId);
      expect(before?.status).toBe('expired');
      expect(after).toMatchObject({ status: 'created', version_number: 2, reference_id: 'usr_recreate', predecessor_id: old, fields: before?.fields });
      const live = await sql<{ n: number }>`select count(*)::int as n from inquiry_sessions where inquiry_id = ${old} and expired_at is null and revoked_at is null`.execute(database.db);
      expect(live.rows[0]?.n).toBe(0);
      const again = await errorOf(admin().inquiries.recreate({ id: old, reason, idempotencyKey: key() }));
      expect(again.code).toBe('CONFLICT');
      expect(again.message).toContain(newInquiryId);
    });

    it('20 agents clicking at once (same and different keys) make exactly one successor', async () => {
      clock = NOW;
      const old = await fresh('pending', { version: 1 });
      const shared = key();
      const agents = Array.from({ length: 20 }, (_, i) => callerAs(staffPrincipal('support', i < 10 ? 'stf_same' : `stf_${i}`)));
      const results = await Promise.allSettled(agents.map((c, i) => c.inquiries.recreate({ id: old, reason, idempotencyKey: i < 10 ? shared : key() })));
      const successors = await database.db.selectFrom('inquiries').select('id').where('predecessor_id', '=', old).execute();
      expect(successors).toHaveLength(1);
      const ok = results.filter((r) => r.status === 'fulfilled').map((r) => r.value.newInquiryId);
      expect(new Set(ok)).toEqual(new Set([successors[0]?.id]));
      for (const r of results) if (r.status === 'rejected') expect((r.reason as TRPCError).code).toBe('CONFLICT');
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
    });
  });

  describe('limits under concurrency and atomicity', () => {
    it.skipIf(persona)('30 parallel token links never push an inquiry past its live-session cap', async () => {
      clock = ahead(10 * DAY);
      const id = await fresh('pending', { createdAt: ahead(9 * DAY), expiresAt: ahead(12 * DAY) });
      const cap = testDeps(database).config.guards.sessionCap;
      const agents = Array.from({ length: 30 }, (_, i) => callerAs(staffPrincipal('support', `stf_cap_${i}`)));
      const results = await Promise.allSettled(
        agents.map((c) => c.links.createWithToken({ inquiryId: id, reason, ticket: 'T-9', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() })),
      );
      const live = await sql<{ n: number }>`select count(*)::int as n from inquiry_sessions where inquiry_id = ${id} and expired_at is null and revoked_at is null`.execute(database.db);
      expect(live.rows[0]?.n).toBe(cap);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(cap);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as TRPCError).message).toMatch(/live sessions/);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
      clock = NOW;
    });

    it.skipIf(!persona)("30 parallel token links under Persona share Persona's one unused session (it has no call for a new one); each link is recorded and audited", async () => {
      clock = ahead(10 * DAY);
      const id = await fresh('pending', { createdAt: ahead(9 * DAY), expiresAt: ahead(12 * DAY) });
      const agents = Array.from({ length: 30 }, (_, i) => callerAs(staffPrincipal('support', `stf_share_${i}`)));
      const results = await Promise.allSettled(
        agents.map((c) => c.links.createWithToken({ inquiryId: id, reason, ticket: 'T-9', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
      const links = await database.db.selectFrom('access_links').select('session_id').where('inquiry_id', '=', id).execute();
      expect(links).toHaveLength(30);
      expect(new Set(links.map((l) => l.session_id)).size).toBe(1);
      expect(harness.fake?.sessions(id)).toHaveLength(1);
      const handouts = await database.db.selectFrom('session_handouts').select('id').where('session_id', '=', links[0]?.session_id ?? '').execute();
      expect(handouts).toHaveLength(29);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
      clock = NOW;
    });

    // Every writer of an inquiry and its sessions locks the inquiry row first (the inquiry store's rule); the hosted
    // flow redeeming a one-time code locks the inquiry, then the link. Revoking a link whose session is live must take
    // the same order, or the two deadlock (PostgreSQL aborts one: a 500 for the agent or the end user).
    it.skipIf(engine === 'pglite')('revoking a link locks the inquiry before the link, like the hosted flow, so the two never deadlock', async () => {
      clock = NOW;
      const id = await fresh('pending');
      const link = issuedLink(await admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-7', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }));
      let flowDone: () => void = () => undefined;
      const flowHoldsInquiry = new Promise<void>((resolve) => (flowDone = resolve));
      // The end user's side: the inquiry row, then (once the agent's revoke is waiting) the link row.
      const flow = database.db.transaction().execute(async (trx) => {
        await sql`select id from inquiries where id = ${id} for update`.execute(trx);
        flowDone();
        for (let i = 0; i < 100; i++) {
          const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
          if ((waiting.rows[0]?.n ?? 0) > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await sql`select id from access_links where id = ${link.linkId} for update`.execute(trx);
      });
      await flowHoldsInquiry;
      const revoked = admin().links.revoke({ linkId: link.linkId, reason });
      const [flowResult, revokeResult] = await Promise.allSettled([flow, revoked]);
      expect(flowResult.status).toBe('fulfilled');
      expect(revokeResult).toMatchObject({ status: 'fulfilled', value: { linkId: link.linkId, sessionExpired: true } });
    });

    it('if the audit event cannot be written, the action leaves no trace', async () => {
      clock = NOW;
      const id = await fresh('expired');
      await sql`create function fail_audit() returns trigger language plpgsql as $$ begin raise exception 'audit store unavailable'; end $$`.execute(database.db);
      await sql`create trigger fail_audit before insert on audit_events for each row execute function fail_audit()`.execute(database.db);
      try {
        await expect(admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: key() })).rejects.toThrow();
        await expect(admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-1', expiresInMinutes: 30, acknowledgeRisk: true, acknowledgeExpired: true, idempotencyKey: key() })).rejects.toThrow();
      } finally {
        await sql`drop trigger fail_audit on audit_events`.execute(database.db);
        await sql`drop function fail_audit()`.execute(database.db);
      }
      const row = await database.db.selectFrom('inquiries').select('status').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.status).toBe('expired');
      const traces = await sql<{ sessions: number; links: number; events: number }>`select
        (select count(*)::int from inquiry_sessions where inquiry_id = ${id}) as sessions,
        (select count(*)::int from access_links where inquiry_id = ${id}) as links,
        (select count(*)::int from inquiry_events where inquiry_id = ${id} and kind <> 'created') as events`.execute(database.db);
      expect(traces.rows[0]).toEqual({ sessions: 0, links: 0, events: 0 });
    });
  });

  it('leaves live_session_until as the sessions say after every action above (the Stuck view reads it)', async () => {
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);
  });
});
