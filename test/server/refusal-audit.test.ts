import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../server/context.js';
import type { DB } from '../../server/db/schema.js';
import { appRouter } from '../../server/routers/_app.js';
import { REFUSAL_EVENTS_PER_PERSON, REFUSAL_WINDOW_MS } from '../../server/services/refusal-audit.js';
import { verifyAuditChain } from '../../server/services/audit.js';
import { createCallerFactory } from '../../server/trpc.js';
import { SENSITIVE_PERMISSIONS } from '../../shared/permissions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, consoleHeaders, createStaffAccount, signIn, startApp } from '../helpers/auth.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry as addLocalInquiry, addTemplate, ago, ahead, errorOf, HOUR, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

const createCaller = createCallerFactory(appRouter);
const reason = 'Customer says the flow closed on them (ticket 5120)';
let keyCounter = 0;
const key = () => `refusal-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

/** Rows an action could leave behind, besides its audit event: a refused one must leave none of them. */
async function footprint(db: Kysely<DB>) {
  const count = async (table: 'inquiry_sessions' | 'access_links' | 'rate_limit_events' | 'idempotency_keys' | 'inquiry_events' | 'session_handouts') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const inquiries = await db.selectFrom('inquiries').select(['id', 'status', 'expires_at', 'updated_at']).orderBy('id').execute();
  return {
    sessions: await count('inquiry_sessions'),
    links: await count('access_links'),
    rateEvents: await count('rate_limit_events'),
    idempotencyKeys: await count('idempotency_keys'),
    timeline: await count('inquiry_events'),
    handouts: await count('session_handouts'),
    inquiries,
  };
}

// Over both providers (issue 15): the local engine, and Persona's API as the fake plays it.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('refusals are audited on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  let clock = NOW;
  const now = () => clock;
  let staffCounter = 0;
  /** A fresh person each time, so one test's refusal windows do not touch another's. */
  const person = (role: Parameters<typeof staffPrincipal>[0]) => staffPrincipal(role, `stf_${role}${++staffCounter}x`);
  const callerAs = (staff: ReturnType<typeof person>, env: Record<string, string> = {}) =>
    createCaller(createContextInner(testDeps(database, now, { ...harness.env, ...env }), { requestId: `req-${staffCounter}`, ip: '198.51.100.7', userAgent: 'vitest-probe', staff }));
  const addInquiry = async (...args: Parameters<typeof addLocalInquiry>) => harness.track(await addLocalInquiry(...args));
  const pending = () => addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
  const created = () => addInquiry(database.db, kyc, { status: 'created', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
  const refusalsBy = async (staffId: string) => (await auditEvents(database.db, { action: 'inquiry.action_refused' })).filter((e) => e.actor_id === staffId);
  const denialsOf = async (staffId: string) => (await auditEvents(database.db, { action: 'access.denied' })).filter((e) => e.actor_id === staffId);

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

  describe('a guard refusing a session-bearing action', () => {
    it('a refused resume leaves exactly one refusal event and nothing else', async () => {
      clock = NOW;
      const id = await created();
      const support = person('support');
      const before = await footprint(database.db);
      const eventsBefore = await auditEvents(database.db);

      const refused = await errorOf(callerAs(support).inquiries.resume({ id, reason, idempotencyKey: key() }));
      expect(refused.code).toBe('CONFLICT');

      expect(await footprint(database.db)).toEqual(before);
      const added = (await auditEvents(database.db)).slice(eventsBefore.length);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({
        action: 'inquiry.action_refused',
        actor_type: 'staff',
        actor_id: support.id,
        actor_display: support.email,
        target_type: 'inquiry',
        target_id: id,
        reason,
        ip: '198.51.100.7',
        metadata: { action: 'resume', procedure: 'inquiries.resume', refusal: ['status'], status: 409 },
      });
      expect((added[0]?.metadata as { message: string }).message).toContain('this one is created');
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
    });

    it('repeated refusals within the bound leave one event; the next window records again and counts what it left out', async () => {
      clock = NOW;
      const id = await created();
      const support = person('support');
      for (let i = 0; i < 5; i++) {
        expect((await errorOf(callerAs(support).inquiries.resume({ id, reason, idempotencyKey: key() }))).code).toBe('CONFLICT');
        clock = new Date(clock.getTime() + 1000);
      }
      expect(await refusalsBy(support.id)).toHaveLength(1);

      clock = new Date(NOW.getTime() + REFUSAL_WINDOW_MS + 1);
      await errorOf(callerAs(support).inquiries.resume({ id, reason, idempotencyKey: key() }));
      const events = await refusalsBy(support.id);
      expect(events).toHaveLength(2);
      expect(events[0]?.metadata).not.toHaveProperty('omittedBefore');
      expect(events[1]?.metadata).toMatchObject({ omittedBefore: { sameRefusal: 4, overPersonLimit: 0 } });
    });

    it('a different refusal, action or inquiry is a different kind: each is recorded once', async () => {
      clock = NOW;
      const support = person('support');
      const first = await created();
      const second = await created();
      const caller = callerAs(support);
      await errorOf(caller.inquiries.resume({ id: first, reason, idempotencyKey: key() }));
      await errorOf(caller.inquiries.resume({ id: second, reason, idempotencyKey: key() }));
      await errorOf(caller.links.createWithToken({ inquiryId: first, reason, ticket: 'SUP-1', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }));
      const events = await refusalsBy(support.id);
      expect(events.map((e) => [e.target_id, (e.metadata as { action: string }).action])).toEqual([
        [first, 'resume'],
        [second, 'resume'],
        [first, 'token_link'],
      ]);
      expect(events[2]).toMatchObject({ reason, metadata: { procedure: 'links.createWithToken', refusal: ['status'] } });
    });

    it('records a missing acknowledgement, a cooldown, the staff budget, a one-time link and a token link over its lifetime cap', async () => {
      clock = NOW;
      const support = person('support');
      const caller = callerAs(support, { STAFF_ACTION_BUDGET: '3', RESUME_COOLDOWN_MAX: '1' });

      const expired = await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(3 * HOUR), expiresAt: ago(HOUR) });
      expect((await errorOf(caller.inquiries.resume({ id: expired, reason, idempotencyKey: key() }))).code).toBe('PRECONDITION_FAILED');

      const id = await pending();
      await caller.inquiries.resume({ id, reason, idempotencyKey: key() });
      expect((await errorOf(caller.inquiries.resume({ id, reason, idempotencyKey: key() }))).code).toBe('TOO_MANY_REQUESTS');

      const completed = await addInquiry(database.db, kyc, { status: 'completed', createdAt: ago(3 * HOUR), expiresAt: ahead(HOUR) });
      expect((await errorOf(caller.links.createOneTime({ inquiryId: completed, reason, idempotencyKey: key() }))).code).toBe('CONFLICT');

      const other = await pending();
      const overCap = await errorOf(caller.links.createWithToken({ inquiryId: other, reason, ticket: 'SUP-2', expiresInMinutes: 5000, acknowledgeRisk: true, idempotencyKey: key() }));
      expect(overCap.code).toBe('BAD_REQUEST');

      await caller.links.createOneTime({ inquiryId: other, reason, idempotencyKey: key() });
      // Persona answers a second link on `other` with its unused first one, which the adapter then fails to record
      // (a 500; the known bug in one-time-link-email.test.ts): the budget's second use goes to another inquiry there.
      await caller.links.createOneTime({ inquiryId: providerKind === 'persona' ? await pending() : other, reason, idempotencyKey: key() });
      expect((await errorOf(caller.links.createOneTime({ inquiryId: other, reason, idempotencyKey: key() }))).code).toBe('TOO_MANY_REQUESTS');

      const events = await refusalsBy(support.id);
      expect(events.map((e) => e.metadata)).toMatchObject([
        { action: 'resume', refusal: ['missing_acknowledgement'], status: 412, missingAcknowledgements: ['acknowledgeExpired'] },
        { action: 'resume', refusal: ['resume_cooldown'], status: 429, retryAfterSeconds: expect.any(Number) as number },
        { action: 'one_time_link', refusal: ['status'], status: 409 },
        { action: 'token_link', refusal: ['lifetime_over_cap'], status: 400 },
        { action: 'one_time_link', refusal: ['staff_budget'], status: 429 },
      ]);
      const tokenRefusal = await database.db.selectFrom('audit_events').select(['ticket']).where('seq', '=', events[3]?.seq ?? -1).executeTakeFirstOrThrow();
      expect(tokenRefusal.ticket).toBe('SUP-2');
    });

    // Persona's own refusal: it knows the inquiry completed before the console has mirrored it (the webhook is late).
    it.skipIf(providerKind !== 'persona')('Persona refusing an action the guards allowed leaves one refusal event and nothing else', async () => {
      clock = NOW;
      const id = await pending();
      harness.fake?.simulate.complete(id);
      const support = person('support');
      const before = await footprint(database.db);
      const refused = await errorOf(callerAs(support).inquiries.resume({ id, reason, idempotencyKey: key() }));
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toMatch(/^Persona refused to resume the inquiry \(409\).*Nothing was done\.$/);
      expect(await footprint(database.db)).toEqual(before);
      expect(await refusalsBy(support.id)).toMatchObject([
        { target_id: id, reason, metadata: { action: 'resume', procedure: 'inquiries.resume', refusal: ['provider_refused'], status: 409 } },
      ]);
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
    });

    it('records no refusal for input the schema rejects, an unknown inquiry, or an action that went through', async () => {
      clock = NOW;
      const support = person('support');
      const caller = callerAs(support);
      expect((await errorOf(caller.inquiries.resume({ id: await pending(), reason: 'no', idempotencyKey: key() }))).code).toBe('BAD_REQUEST');
      expect((await errorOf(caller.inquiries.resume({ id: 'inq_doesnotexist1', reason, idempotencyKey: key() }))).code).toBe('NOT_FOUND');
      await caller.inquiries.resume({ id: await pending(), reason, idempotencyKey: key() });
      expect(await refusalsBy(support.id)).toEqual([]);
    });

    it(`one person records at most ${REFUSAL_EVENTS_PER_PERSON} refusals a minute, however many kinds; the next minute says how many were left out`, async () => {
      clock = NOW;
      const support = person('support');
      const caller = callerAs(support);
      const ids: string[] = [];
      for (let i = 0; i < REFUSAL_EVENTS_PER_PERSON + 5; i++) ids.push(await created());
      for (const id of ids) await errorOf(caller.inquiries.resume({ id, reason, idempotencyKey: key() }));
      expect(await refusalsBy(support.id)).toHaveLength(REFUSAL_EVENTS_PER_PERSON);

      clock = new Date(NOW.getTime() + REFUSAL_WINDOW_MS + 1);
      await errorOf(caller.inquiries.resume({ id: await created(), reason, idempotencyKey: key() }));
      const events = await refusalsBy(support.id);
      expect(events).toHaveLength(REFUSAL_EVENTS_PER_PERSON + 1);
      expect(events.at(-1)?.metadata).toMatchObject({ omittedBefore: { sameRefusal: 0, overPersonLimit: 5 } });
    });
  });

  describe('a 403 on a sensitive procedure', () => {
    it('lists the sensitive permissions in one place', () => {
      expect([...SENSITIVE_PERMISSIONS].sort()).toEqual(['access:revoke', 'apikey:manage', 'audit:export', 'inquiry:act', 'link:token', 'pii:reveal', 'staff:manage']);
    });

    it('a viewer calling links.createWithToken gets 403 and leaves an access.denied event; repeats within the bound leave one', async () => {
      clock = NOW;
      const id = await pending();
      const viewer = person('viewer');
      const before = await footprint(database.db);
      for (let i = 0; i < 3; i++) {
        const denied = await errorOf(
          callerAs(viewer).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-9', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }),
        );
        expect(denied.code).toBe('FORBIDDEN');
      }
      expect(await footprint(database.db)).toEqual(before);
      const events = await denialsOf(viewer.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actor_id: viewer.id,
        target_type: 'inquiry',
        target_id: id,
        ip: '198.51.100.7',
        metadata: { procedure: 'links.createWithToken', permission: 'link:token', role: 'viewer', refusal: 'missing_permission' },
      });
    });

    it('records a refused scope (support revoking a link someone else issued) but not a refused read or policy edit', async () => {
      clock = NOW;
      const id = await pending();
      const issuer = person('admin');
      const { linkId } = await callerAs(issuer).links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      const support = person('support');
      expect((await errorOf(callerAs(support).links.revoke({ linkId, reason }))).code).toBe('FORBIDDEN');
      expect(await denialsOf(support.id)).toMatchObject([
        { target_type: 'link', target_id: linkId, metadata: { procedure: 'links.revoke', permission: 'access:revoke', refusal: 'outside_scope' } },
      ]);

      const manager = person('manager');
      const viewer = person('viewer');
      expect((await errorOf(callerAs(viewer).templates.updatePolicy({} as never))).code).toBe('FORBIDDEN');
      expect((await errorOf(callerAs(viewer).audit.list({}))).code).toBe('FORBIDDEN');
      expect(await denialsOf(viewer.id)).toEqual([]);
      // A manager revealing PII is refused by role: recorded.
      expect((await errorOf(callerAs(manager).inquiries.revealPii({ id, reason }))).code).toBe('FORBIDDEN');
      expect(await denialsOf(manager.id)).toMatchObject([{ target_id: id, metadata: { procedure: 'inquiries.revealPii', permission: 'pii:reveal' } }]);
    });

    it('over HTTP: a signed-in viewer gets a 403 and the event carries the request', async () => {
      const app = await startApp(database, harness.env);
      try {
        const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: new Date(app.deps.now().getTime() - HOUR), expiresAt: new Date(app.deps.now().getTime() + HOUR) });
        const viewer = await createStaffAccount(database.db, { role: 'viewer' });
        const cookie = await signIn(app, viewer.email, viewer.password);
        const response = await fetch(`${app.baseUrl}/trpc/links.createWithToken`, {
          method: 'POST',
          headers: consoleHeaders(app, { cookie, 'user-agent': 'probe/1.0' }),
          body: JSON.stringify({ json: { inquiryId: id, reason, ticket: 'SUP-3', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() } }),
        });
        expect(response.status).toBe(403);
        const events = await denialsOf(viewer.id);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ target_id: id, metadata: { procedure: 'links.createWithToken', permission: 'link:token' } });
        expect(events[0]?.request_id).toEqual(expect.any(String));
      } finally {
        await app.close();
      }
    });
  });
});
