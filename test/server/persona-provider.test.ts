import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppError } from '../../server/errors.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, errorOf, HOUR, NOW, staffPrincipal, type TemplateFixture } from './fixtures.js';
import { providerHarness, type ProviderHarness } from './providers.js';
import { inquiryResource, sessionResource } from '../fakes/persona/index.js';
import { InquiryResource, remoteInquiry, remoteSession, SessionResource } from '../../server/providers/persona/wire.js';
import { inquiryMirrored, sessionMirrored } from '../../server/repositories/inquiry-store/index.js';

/**
 * The Persona provider's failure modes (issue 15), against the fake Persona API: a 5xx or a timeout rolls the action
 * back and is tried again with the same idempotency key (one effect at Persona however many attempts); a 4xx is
 * the agent's answer in plain words, audited as a refusal; a 429 closes the shared gate until Persona's reset.
 */
const reason = 'User closed the browser mid-flow (ticket 5120)';
let counter = 0;
const key = () => `pk-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(testEngines())('the Persona provider on %s', (engine) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  const now = () => NOW;
  const caller = (env: Record<string, string> = {}) => callerFor(database, now, staffPrincipal('support', 'stf_agent'), { ...harness.env, ...env });
  const pending = async () => harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) }));
  const fake = () => {
    if (!harness.fake) throw new Error('no fake');
    return harness.fake;
  };
  const count = async (id: string, action: string) =>
    (await sql<{ n: number }>`select count(*)::int as n from audit_events where target_id = ${id} and action = ${action}`.execute(database.db)).rows[0]?.n ?? 0;
  const localSessions = async (id: string) => database.db.selectFrom('inquiry_sessions').select(['id', 'token_fingerprint']).where('inquiry_id', '=', id).execute();

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness('persona', database, now);
    kyc = await addTemplate(database.db, 'KYC', 1);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });
  beforeEach(() => fake().faults.reset());

  it('sends the key, Persona-Version, kebab keys and an Idempotency-Key on every POST', async () => {
    const id = await pending();
    const before = fake().requests.length;
    await caller().inquiries.resume({ id, reason, idempotencyKey: key() });
    const sent = fake().requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      expect(r).toMatchObject({ authorized: true, personaVersion: '2023-01-05', keyInflection: 'kebab' });
      if (r.method === 'POST') expect(r.idempotencyKey).toMatch(/^idesk-[0-9a-f]{48}$/);
    }
  });

  it('a 5xx after Persona did the work: retried with the same key, one effect, one session, the attempt audited', async () => {
    const id = await pending();
    fake().faults.failNext(1, { status: 502, path: /\/resume$/, afterEffect: true });
    const result = await caller().inquiries.resume({ id, reason, idempotencyKey: key() });
    const resumes = fake().effects.filter((e) => e.operation === 'resume' && e.inquiryId === id);
    expect(resumes).toHaveLength(1);
    const calls = fake().requests.filter((r) => r.path.endsWith(`${id}/resume`));
    expect(calls.map((r) => r.status)).toEqual([502, 200]);
    expect(new Set(calls.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(await localSessions(id)).toEqual([{ id: result.sessionId, token_fingerprint: result.tokenFingerprint }]);
    expect(await count(id, 'provider.call_failed')).toBe(1);
    expect(await count(id, 'inquiry.resumed')).toBe(1);
    const failed = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'provider.call_failed').executeTakeFirstOrThrow();
    expect(failed.metadata).toMatchObject({ provider: 'persona', providerStatus: 502, attempt: 1, retrying: true, procedure: 'inquiries.resume' });
  });

  it('every attempt fails: reported failed, nothing local claims success, each attempt audited; the same request later makes exactly one effect', async () => {
    const id = await pending();
    const k = key();
    fake().faults.failNext(1, { status: 500, path: /\/resume$/, afterEffect: true });
    fake().faults.failNext(2, { status: 503, path: /\/resume$/ });
    const failed = await errorOf(caller().inquiries.resume({ id, reason, idempotencyKey: k }));
    expect(failed.code).toBe('SERVICE_UNAVAILABLE');
    expect(failed.message).toMatch(/Persona did not complete "resume the inquiry" \(503\)\. Tried 3 times: nothing was recorded as done/);
    expect(await localSessions(id)).toEqual([]);
    expect(await count(id, 'inquiry.resumed')).toBe(0);
    expect(await count(id, 'provider.call_failed')).toBe(3);
    const idem = await database.db.selectFrom('idempotency_keys').select('key').where('key', '=', k).execute();
    expect(idem).toEqual([]);
    // Persona did resume once (the first attempt, before its 500): the agent's retry gets that answer back.
    const result = await caller().inquiries.resume({ id, reason, idempotencyKey: k });
    expect(fake().effects.filter((e) => e.operation === 'resume' && e.inquiryId === id)).toHaveLength(1);
    expect((await localSessions(id)).map((s) => s.id)).toEqual([result.sessionId]);
    expect(await count(id, 'inquiry.resumed')).toBe(1);
  });

  it('a timeout is an unknown outcome: the action is tried again and succeeds once', async () => {
    const id = await pending();
    fake().faults.delayNext(1, 1500, { path: /\/resume$/, afterEffect: true });
    const result = await caller({ PERSONA_TIMEOUT_MS: '300' }).inquiries.resume({ id, reason, idempotencyKey: key() });
    expect(fake().effects.filter((e) => e.operation === 'resume' && e.inquiryId === id)).toHaveLength(1);
    expect((await localSessions(id)).map((s) => s.id)).toEqual([result.sessionId]);
    const failed = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'provider.call_failed').executeTakeFirstOrThrow();
    expect(failed.metadata).toMatchObject({ providerStatus: 'timeout', attempt: 1, retrying: true });
  });

  it("a recreate the request's deadline cuts short fails in time, rolled back, instead of committing after the person was given a 503", async () => {
    const id = await pending();
    // Persona takes 700 ms a call; the request has 1.6 s left: the create fits, the expire after it does not.
    fake().faults.delayNext(1, 700, { path: /^\/api\/v1\/inquiries$/ });
    fake().faults.delayNext(1, 700, { path: new RegExp(`/inquiries/${id}/expire$`) });
    const started = performance.now();
    const agent = callerFor(database, now, staffPrincipal('support', 'stf_agent'), harness.env, started + 1_600);
    const failed = await errorOf(agent.inquiries.recreate({ id, reason, idempotencyKey: key() }));
    expect(failed.code).toBe('SERVICE_UNAVAILABLE');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await database.db.selectFrom('inquiries').select('id').where('predecessor_id', '=', id).execute()).toEqual([]);
    expect(await count(id, 'inquiry.recreated')).toBe(0);
    // No second attempt: none would have had time for a call.
    const failures = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'provider.call_failed').execute();
    expect(failures).toMatchObject([{ metadata: { operation: 'expire the inquiry', providerStatus: 'timeout', retrying: false } }]);
    expect(fake().inquiry(id)?.status).toBe('pending');
  });

  it('Persona refuses (4xx): the agent reads why, nothing is recorded as done, the refusal is audited', async () => {
    const id = await pending();
    // Persona has moved on (the end user completed it) before the webhook reached the console.
    await caller().inquiries.actionsFor({ id });
    fake().seed({ id, templateId: kyc.id, versionId: kyc.versionIds[0] ?? '', status: 'completed', createdAt: ago(2 * HOUR), completedAt: ago(HOUR), expiresAt: ahead(20 * HOUR) });
    const refused = await errorOf(caller().inquiries.resume({ id, reason, idempotencyKey: key() }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/^Persona refused to resume the inquiry \(409\): Conflict.*Nothing was done\.$/);
    expect(await localSessions(id)).toEqual([]);
    expect(await count(id, 'inquiry.resumed')).toBe(0);
    const event = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'inquiry.action_refused').executeTakeFirstOrThrow();
    expect(event.metadata).toMatchObject({ refusal: ['provider_refused'], status: 409 });
    // A refusal is not retried: one call.
    expect(fake().requests.filter((r) => r.path.endsWith(`${id}/resume`))).toHaveLength(1);
  });

  it('recreate and the one-time link go to Persona, and the token is never stored', async () => {
    const id = await pending();
    const link = await caller().links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
    expect(new URL(link.url).origin).toBe('https://inquiry.withpersona.com');
    expect(fake().effects.filter((e) => e.operation === 'one_time_link' && e.inquiryId === id)).toHaveLength(1);
    const { newInquiryId } = await caller().inquiries.recreate({ id, reason, idempotencyKey: key() });
    expect(fake().inquiry(newInquiryId)).toMatchObject({ status: 'created', templateId: kyc.id });
    expect(fake().inquiry(id)?.status).toBe('expired');
    const row = await database.db.selectFrom('inquiries').select(['status', 'predecessor_id']).where('id', '=', newInquiryId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'created', predecessor_id: id });
  });

  it("recreate whose successor Persona's webhook mirrored between an attempt that failed and its retry: the retry claims it, one successor", async () => {
    const id = await pending();
    const k = key();
    // Persona creates the successor, then its expire of the old one fails: the action rolls back here.
    fake().faults.failNext(1, { status: 500, path: new RegExp(`/inquiries/${id}/expire$`) });
    const failed = await errorOf(caller({ PERSONA_ATTEMPTS: '1' }).inquiries.recreate({ id, reason, idempotencyKey: k }));
    expect(failed.code).toBe('SERVICE_UNAVAILABLE');
    const created = fake().effects.filter((e) => e.operation === 'create');
    const successorId = created.at(-1)?.inquiryId ?? '';
    // Its inquiry.created event is applied meanwhile (as the inbox applier would).
    const state = fake().inquiry(successorId);
    if (!state) throw new Error('the fake made no successor');
    await database.db.transaction().execute((trx) =>
      inquiryMirrored(trx, remoteInquiry(InquiryResource.parse(inquiryResource(state))), state.updatedAt),
    );
    const result = await caller().inquiries.recreate({ id, reason, idempotencyKey: k });
    expect(result.newInquiryId).toBe(successorId);
    expect(fake().effects.filter((e) => e.operation === 'create')).toHaveLength(created.length);
    const row = await database.db.selectFrom('inquiries').select(['predecessor_id', 'status']).where('id', '=', successorId).executeTakeFirstOrThrow();
    expect(row).toEqual({ predecessor_id: id, status: 'created' });
    expect(fake().inquiry(id)?.status).toBe('expired');
  });

  it('a one-time link whose first attempt timed out after Persona made it: the retry sends the same request, one link', async () => {
    // The inquiry expires before the policy's 60 minutes, and the clock moves between the attempts.
    const id = await harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(30 * 60_000) }));
    const started = Date.now();
    const moving = () => new Date(NOW.getTime() + (Date.now() - started));
    fake().faults.delayNext(1, 1500, { path: /generate-one-time-link$/, afterEffect: true });
    const agent = callerFor(database, moving, staffPrincipal('support', 'stf_agent'), { ...harness.env, PERSONA_TIMEOUT_MS: '300' });
    const link = await agent.links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
    expect(fake().effects.filter((e) => e.operation === 'one_time_link' && e.inquiryId === id)).toHaveLength(1);
    const calls = fake().requests.filter((r) => r.path.endsWith(`${id}/generate-one-time-link`));
    expect(calls.length).toBe(2);
    expect(calls[1]?.status).toBe(200);
    expect(new URL(link.url).searchParams.get('code')).toBeTruthy();
  });

  it('a one-time link replayed after its policy changed asks Persona the same question as the first time, and shows the same link', async () => {
    const t = await addTemplate(database.db, 'OTL replay', 1);
    await harness.syncTemplates();
    const id = await harness.track(await addInquiry(database.db, t, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) }));
    const input = { inquiryId: id, reason, idempotencyKey: key() };
    const first = await caller().links.createOneTime(input);
    // A manager lengthens the template's one-time links meanwhile: the replay's request body must not change.
    await sql`update policy_revisions set one_time_link_minutes = one_time_link_minutes + 30 where template_id = ${t.id}`.execute(database.db);
    const again = await caller().links.createOneTime(input);
    expect(again.url).toBe(first.url);
    expect(fake().effects.filter((e) => e.operation === 'one_time_link' && e.inquiryId === id)).toHaveLength(1);
  });

  it("a replay within 23 hours asks Persona again with the same key; past Persona's 24-hour memory it is refused, not sent", async () => {
    // Its session lives for days: only the replay's age can refuse it.
    const id = await harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(72 * HOUR) }));
    const k = key();
    const first = await caller().inquiries.resume({ id, reason, idempotencyKey: k });
    const later = (ms: number) => callerFor(database, () => new Date(NOW.getTime() + ms), staffPrincipal('support', 'stf_agent'), harness.env);
    expect((await later(22 * HOUR).inquiries.resume({ id, reason, idempotencyKey: k })).sessionToken).toBe(first.sessionToken);
    const sent = fake().requests.length;
    const stale = await errorOf(later(25 * HOUR).inquiries.resume({ id, reason, idempotencyKey: k }));
    expect(stale.code).toBe('CONFLICT');
    expect(fake().requests.length).toBe(sent);
    expect(fake().effects.filter((e) => e.operation === 'resume' && e.inquiryId === id)).toHaveLength(1);
  });

  it("a resume whose session Persona's webhook mirrored before the retry: the retry claims it, with its fingerprint and issuer", async () => {
    const id = await pending();
    const k = key();
    fake().faults.failNext(1, { status: 500, path: /\/resume$/, afterEffect: true });
    expect((await errorOf(caller({ PERSONA_ATTEMPTS: '1' }).inquiries.resume({ id, reason, idempotencyKey: k }))).code).toBe('SERVICE_UNAVAILABLE');
    const [made] = fake().sessions(id);
    if (!made) throw new Error('the fake made no session');
    await database.db.transaction().execute((trx) => sessionMirrored(trx, remoteSession(SessionResource.parse(sessionResource(made))), made.createdAt));
    const mirrored = await database.db.selectFrom('inquiry_sessions').select(['issued_by_type', 'token_fingerprint']).where('id', '=', made.id).executeTakeFirstOrThrow();
    expect(mirrored).toEqual({ issued_by_type: 'system', token_fingerprint: null });
    const result = await caller().inquiries.resume({ id, reason, idempotencyKey: k });
    expect(result).toMatchObject({ sessionId: made.id, reusedSession: false });
    const row = await database.db.selectFrom('inquiry_sessions').select(['issued_by_type', 'issued_by_id', 'token_fingerprint']).where('id', '=', made.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ issued_by_type: 'staff', issued_by_id: 'stf_agent', token_fingerprint: result.tokenFingerprint });
  });

  it('a token link on an expired inquiry: one resume reopens it and gives the link its session (one call under the row lock)', async () => {
    const id = await harness.track(await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) }));
    const link = await caller().links.createWithToken({ inquiryId: id, reason, ticket: 'T-88', expiresInMinutes: 30, acknowledgeRisk: true, acknowledgeExpired: true, idempotencyKey: key() });
    expect(link.status).toBe('issued');
    expect(fake().requests.filter((r) => r.path.endsWith(`${id}/resume`))).toHaveLength(1);
    expect(fake().inquiry(id)?.status).toBe('pending');
  });

  it("recreate when Persona's own expiry has already ended the old inquiry (its webhook still on the way): one successor, the old one recorded expired", async () => {
    const id = await pending();
    fake().seed({ id, templateId: kyc.id, versionId: kyc.versionIds[0] ?? '', status: 'expired', createdAt: ago(2 * HOUR), expiredAt: ago(60_000), expiresAt: ago(60_000) });
    const creates = fake().effects.filter((e) => e.operation === 'create').length;
    const { newInquiryId } = await caller().inquiries.recreate({ id, reason, idempotencyKey: key() });
    expect(fake().effects.filter((e) => e.operation === 'create')).toHaveLength(creates + 1);
    const rows = await database.db.selectFrom('inquiries').select(['id', 'status', 'predecessor_id']).where('id', 'in', [id, newInquiryId]).orderBy('created_at').execute();
    expect(rows).toEqual([
      { id, status: 'expired', predecessor_id: null },
      { id: newInquiryId, status: 'created', predecessor_id: id },
    ]);
    expect(await count(id, 'inquiry.recreated')).toBe(1);
  });

  it('recreate when Persona says the old inquiry was completed meanwhile: refused in plain words, nothing recorded, the refusal audited', async () => {
    const id = await pending();
    fake().seed({ id, templateId: kyc.id, versionId: kyc.versionIds[0] ?? '', status: 'completed', createdAt: ago(2 * HOUR), completedAt: ago(HOUR), expiresAt: ahead(20 * HOUR) });
    const refused = await errorOf(caller().inquiries.recreate({ id, reason, idempotencyKey: key() }));
    expect(refused.code).toBe('CONFLICT');
    // Persona's details end with a period of their own: the message does not double it.
    expect(refused.message).toMatch(/^Persona refused to expire the inquiry \(409\): Conflict: Inquiries in status completed cannot be expired; only created or pending ones can\. Nothing was done\.$/);
    expect(await database.db.selectFrom('inquiries').select('id').where('predecessor_id', '=', id).execute()).toEqual([]);
    expect(await count(id, 'inquiry.recreated')).toBe(0);
    const event = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'inquiry.action_refused').executeTakeFirstOrThrow();
    expect(event.metadata).toMatchObject({ action: 'recreate', procedure: 'inquiries.recreate', refusal: ['provider_refused'], status: 409 });
  });

  it('a create whose first attempt failed after Persona made the inquiry (500): retried with the same key, one inquiry there and here', async () => {
    fake().faults.failNext(1, { status: 500, path: /^\/api\/v1\/inquiries$/, afterEffect: true });
    const created = await caller().inquiries.create({ templateId: kyc.id, referenceId: 'usr_create_500', reason, idempotencyKey: key() });
    const calls = fake().requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/inquiries' && r.idempotencyKey === fake().requests.at(-1)?.idempotencyKey);
    expect(calls.map((r) => r.status)).toEqual([500, 201]);
    expect(fake().effects.filter((e) => e.operation === 'create' && e.inquiryId === created.inquiryId)).toHaveLength(1);
    expect(await database.db.selectFrom('inquiries').select('id').where('reference_id', '=', 'usr_create_500').execute()).toEqual([{ id: created.inquiryId }]);
    expect(await count(kyc.id, 'provider.call_failed')).toBeGreaterThanOrEqual(1);
  });

  it('creating an inquiry Persona refuses (422): the agent reads why, no inquiry, the refusal audited on the template', async () => {
    fake().faults.failNext(1, { status: 422, path: /^\/api\/v1\/inquiries$/ });
    const before = await count(kyc.id, 'inquiry.action_refused');
    const refused = await errorOf(caller().inquiries.create({ templateId: kyc.id, referenceId: 'usr_refused_422', reason, idempotencyKey: key() }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/^Persona refused to create the inquiry \(422\)/);
    expect(await database.db.selectFrom('inquiries').select('id').where('reference_id', '=', 'usr_refused_422').execute()).toEqual([]);
    expect(await count(kyc.id, 'inquiry.action_refused')).toBe(before + 1);
    const event = await database.db.selectFrom('audit_events').select(['target_type', 'metadata']).where('target_id', '=', kyc.id).where('action', '=', 'inquiry.action_refused').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(event).toMatchObject({ target_type: 'template', metadata: { action: 'create', refusal: ['provider_refused'], status: 409 } });
  });

  it("expiring a session Persona failed to answer (502): tried again with the same key, one effect, the attempt audited", async () => {
    const id = await pending();
    const { sessionId } = await caller().inquiries.resume({ id, reason, idempotencyKey: key() });
    fake().faults.failNext(1, { status: 502, path: /^\/api\/v1\/inquiry-sessions\/[^/]+\/expire$/, afterEffect: true });
    expect(await caller().inquiries.expireSessions({ inquiryId: id, sessionId, reason })).toEqual({ expired: 1 });
    const calls = fake().requests.filter((r) => r.path === `/api/v1/inquiry-sessions/${sessionId}/expire`);
    expect(calls.map((r) => r.status)).toEqual([502, 200]);
    expect(new Set(calls.map((r) => r.idempotencyKey)).size).toBe(1);
    expect(calls[0]?.idempotencyKey).toMatch(/^idesk-[0-9a-f]{48}$/);
    expect(fake().effects.filter((e) => e.operation === 'session_expire' && e.sessionId === sessionId)).toHaveLength(1);
    const failed = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'provider.call_failed').executeTakeFirstOrThrow();
    expect(failed.metadata).toMatchObject({ action: 'expire_sessions', procedure: 'inquiries.expireSessions', providerStatus: 502, retrying: true });
    expect(await count(id, 'session.expired')).toBe(1);
  });

  it.runIf(engine === 'postgres')("expiring several sessions asks Persona before taking the inquiry's row lock: the row is free while Persona answers", async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
    const sessionIds = [1, 2, 3].map((i) => `iqse_ahead${i}x${Math.random().toString(36).slice(2, 8)}`);
    await database.db
      .insertInto('inquiry_sessions')
      .values(sessionIds.map((sid, i) => ({ id: sid, inquiry_id: id, created_at: ago(HOUR - i * 60_000), expires_at: ahead(10 * HOUR), issued_by_type: 'staff', issued_by_id: 'stf_agent', issued_by_display: 'agent@demo.test', reason })))
      .execute();
    await sql`update inquiries set live_session_until = ${ahead(10 * HOUR)} where id = ${id}`.execute(database.db);
    await harness.track(id);
    fake().faults.delayNext(3, 400, { path: /^\/api\/v1\/inquiry-sessions\/[^/]+\/expire$/ });
    const running = caller().inquiries.expireSessions({ inquiryId: id, reason });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Persona is answering the first of three: another writer can take the inquiry's row lock meanwhile.
    const probe = await sql`select id from inquiries where id = ${id} for update nowait`.execute(database.db).then(
      () => 'free',
      (error: unknown) => (error as { code?: string }).code,
    );
    expect(probe).toBe('free');
    expect(await running).toEqual({ expired: 3 });
    expect(fake().effects.filter((e) => e.operation === 'session_expire' && e.inquiryId === id)).toHaveLength(3);
    // Each session was asked for once: the transaction made no second call for what was ended ahead of it.
    for (const sid of sessionIds) expect(fake().requests.filter((r) => r.path === `/api/v1/inquiry-sessions/${sid}/expire`)).toHaveLength(1);
    expect(await count(id, 'session.expired')).toBe(1);
  });

  it("expiring a session whose end Persona's webhook records first (it was ended before the row lock): still this action's, audited", async () => {
    const id = await pending();
    const { sessionId } = await caller().inquiries.resume({ id, reason, idempotencyKey: key() });
    fake().faults.delayNext(1, 400, { path: /^\/api\/v1\/inquiry-sessions\/[^/]+\/expire$/, afterEffect: true });
    const running = caller().inquiries.expireSessions({ inquiryId: id, sessionId, reason });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Persona has expired it; its inquiry-session.expired event is applied while the answer is still on its way.
    const ended = fake().sessions(id).find((x) => x.id === sessionId);
    if (!ended) throw new Error('the fake lost the session');
    await database.db.transaction().execute((trx) => sessionMirrored(trx, remoteSession(SessionResource.parse(sessionResource(ended))), ended.expiredAt ?? NOW));
    expect(await running).toEqual({ expired: 1 });
    const event = await database.db.selectFrom('audit_events').select('metadata').where('target_id', '=', id).where('action', '=', 'session.expired').executeTakeFirstOrThrow();
    expect(event.metadata).toMatchObject({ sessionIds: [sessionId], count: 1 });
  });

  it('revoking a token link whose session expiry keeps failing: reported failed, the link still live, each attempt audited on the link', async () => {
    const id = await pending();
    const link = await caller().links.createWithToken({ inquiryId: id, reason, ticket: 'T-91', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() });
    if (link.status !== 'issued') throw new Error('expected an issued link');
    fake().faults.failNext(3, { status: 503, path: /^\/api\/v1\/inquiry-sessions\/[^/]+\/expire$/ });
    const failed = await errorOf(caller().links.revoke({ linkId: link.linkId, reason }));
    expect(failed.code).toBe('SERVICE_UNAVAILABLE');
    const row = await database.db.selectFrom('access_links').select('revoked_at').where('id', '=', link.linkId).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeNull();
    expect(await count(link.linkId, 'provider.call_failed')).toBe(3);
    expect(await count(link.linkId, 'link.revoked')).toBe(0);
    // Persona answers again: the same request revokes it — sent with a key of its own, so that a failure Persona
    // may have stored for the first request's key is not what it gets back.
    expect(await caller().links.revoke({ linkId: link.linkId, reason })).toMatchObject({ linkId: link.linkId, sessionExpired: true });
    const keys = fake()
      .requests.filter((r) => /^\/api\/v1\/inquiry-sessions\/[^/]+\/expire$/.test(r.path))
      .slice(-4)
      .map((r) => r.idempotencyKey);
    expect(new Set(keys.slice(0, 3)).size).toBe(1);
    expect(keys[3]).not.toBe(keys[0]);
  });

  // Last: the gate it closes is this database's, for every later call in the file until the (fake) clock moves on.
  it("a 429 closes the gate until Persona's reset: the agent is told when to try again, and no further request is sent meanwhile", async () => {
    const id = await pending();
    fake().faults.rateLimitNext(1, 30);
    const env = { PERSONA_RATE_LIMIT_PER_MINUTE: '300' };
    // One app (one gate) for both calls, as one server instance would be.
    const agent = caller(env);
    const limited = await errorOf(agent.inquiries.resume({ id, reason, idempotencyKey: key() }));
    expect(limited.code).toBe('TOO_MANY_REQUESTS');
    expect((limited.cause as AppError).details).toMatchObject({ retryAfterSeconds: 30, refusalCodes: ['provider_rate_limit'] });
    const sent = fake().requests.length;
    const again = await errorOf(agent.inquiries.resume({ id, reason, idempotencyKey: key() }));
    expect(again.code).toBe('TOO_MANY_REQUESTS');
    expect(fake().requests.length).toBe(sent);
    expect(await localSessions(id)).toEqual([]);
  });
});
