import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents } from '../helpers/auth.js';
import { createContextInner } from '../../server/context.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory } from '../../server/trpc.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry as addLocalInquiry, addTemplate, errorOf, ago, ahead, callerFor, DAY, HOUR, issuedLink, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * Correctness of the guarded actions where a new user tripped (issue 14, "Correctness first"): each test failed
 * before its fix.
 */
const reason = 'End user lost access (ticket 5521)';
let counter = 0;
const key = () => `corr-${++counter}-${Math.random().toString(36).slice(2, 10)}`;


// Over both providers (issue 15): the local engine, and Persona's API as the fake plays it.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('guarded actions, correctness on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  const admin = () => callerFor(database, () => NOW, staffPrincipal(), harness.env);
  const addInquiry = async (...args: Parameters<typeof addLocalInquiry>) => harness.track(await addLocalInquiry(...args));

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, () => NOW);
    kyc = await addTemplate(database.db, 'KYC', 2);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  it('resumes a pending inquiry past its expiry that the sweep has not marked yet, as an expired one (was a 500)', async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(DAY), expiresAt: ago(MINUTE) });
    const verdicts = await admin().inquiries.actionsFor({ id });
    expect(verdicts.resume.requires).toContain('acknowledgeExpired');
    expect(verdicts.oneTimeLink).toMatchObject({ allowed: true, requires: ['acknowledgeExpired'] });

    const unacknowledged = await errorOf(admin().inquiries.resume({ id, reason, idempotencyKey: key() }));
    expect(unacknowledged.code).toBe('PRECONDITION_FAILED');
    const resumed = await admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: key() });
    expect(resumed.expiresAt.getTime()).toBeGreaterThan(NOW.getTime());
    const row = await database.db.selectFrom('inquiries').select(['status', 'expires_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(row.expires_at.getTime()).toBeGreaterThan(NOW.getTime());
  });

  it('refuses a one-time link that could not be used before the inquiry expires', async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(DAY), expiresAt: ahead(3 * MINUTE) });
    const error = await errorOf(admin().links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(/too soon for a link to be used/);
  });

  it('asks a token link on an outdated version to acknowledge it, and records the version gap', async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', version: 1, createdAt: ago(HOUR), expiresAt: ahead(DAY) });
    const input = { inquiryId: id, reason, ticket: 'T-77', expiresInMinutes: 30, acknowledgeRisk: true as const };
    const refused = await errorOf(admin().links.createWithToken({ ...input, idempotencyKey: key() }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toMatch(/acknowledgeOutdated/);
    const link = issuedLink(await admin().links.createWithToken({ ...input, acknowledgeOutdated: true, idempotencyKey: key() }));
    const [event] = await auditEvents(database.db, { action: 'link.created', targetId: id });
    expect(event?.metadata).toMatchObject({ versionNumber: 1, latestVersionNumber: 2, acknowledgedOutdated: true });
    expect(link.linkId).toMatch(/^lnk_/);
  });

  it('an idempotent replay never hands out the token of a session revoked since', async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(DAY) });
    const idempotencyKey = key();
    const first = await admin().inquiries.resume({ id, reason, idempotencyKey });
    expect((await admin().inquiries.resume({ id, reason, idempotencyKey })).sessionToken).toBe(first.sessionToken);
    await admin().inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Token was pasted in a public channel' });
    const replay = await errorOf(admin().inquiries.resume({ id, reason, idempotencyKey }));
    expect(replay.code).toBe('CONFLICT');
    expect(replay.message).toMatch(/ended since/);
  });

  it("warns, for an expired inquiry created over 30 days ago, that recreating is usually better", async () => {
    const id = await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(40 * DAY), expiresAt: ago(20 * DAY) });
    const verdicts = await admin().inquiries.actionsFor({ id });
    expect(verdicts.resume.warnings.join(' ')).toMatch(/Created 40 days ago: check how old it is/);
  });

  it('says the configured session cap, not 25, when an inquiry nears it', async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(DAY), liveSessions: 4 });
    const withCap = (cap: string) =>
      createCallerFactory(appRouter)(createContextInner(testDeps(database, () => NOW, { ...harness.env, SESSION_CAP: cap }), { requestId: 'test', staff: staffPrincipal() }));
    const messages = async (cap: string) => (await withCap(cap).inquiries.get({ id })).diagnosis.map((f) => f.message).join(' ');
    expect(await messages('5')).toMatch(/4 live sessions: close to the limit of 5 per inquiry/);
    expect(await messages('25')).not.toMatch(/close to the limit/);
  });
});

describe.each(combinations)('creating an inquiry for a known user (the seed’s Option 2) on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  const support = (env: Record<string, string> = {}) =>
    createCallerFactory(appRouter)(createContextInner(testDeps(database, () => NOW, { ...harness.env, ...env }), { requestId: 'test', staff: staffPrincipal('support', 'stf_creator') }));

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, () => NOW);
    kyc = await addTemplate(database.db, 'KYC', 2);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  it('creates it on the latest version with the prefill, once per idempotency key, audited without the PII', async () => {
    const input = { templateId: kyc.id, referenceId: 'usr_4242', email: 'Ada@Example.com', nameFirst: 'Ada', reason, idempotencyKey: key() };
    const [first, again] = await Promise.all([support().inquiries.create(input), support().inquiries.create(input)]);
    expect(again).toEqual(first);
    expect(first.versionNumber).toBe(2);
    const rows = await database.db.selectFrom('inquiries').select(['id', 'status', 'reference_id', 'fields', 'email_normalized']).where('reference_id', '=', 'usr_4242').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: first.inquiryId, status: 'created', email_normalized: 'ada@example.com' });
    const [event] = await auditEvents(database.db, { action: 'inquiry.created', targetId: first.inquiryId });
    expect(event).toMatchObject({ actor_type: 'staff', reason });
    expect(JSON.stringify(event)).not.toMatch(/ada@example\.com|"Ada"/i);
  });

  it('answers an unknown template 404, and counts against the person’s action budget', async () => {
    const unknown = await errorOf(support().inquiries.create({ templateId: 'itmpl_nope', referenceId: 'usr_1', reason, idempotencyKey: key() }));
    expect(unknown.code).toBe('NOT_FOUND');
    const tight = createCallerFactory(appRouter)(
      createContextInner(testDeps(database, () => NOW, { ...harness.env, STAFF_ACTION_BUDGET: '2' }), { requestId: 'test', staff: staffPrincipal('support', 'stf_budget') }),
    );
    const create = (referenceId: string) => tight.inquiries.create({ templateId: kyc.id, referenceId, reason, idempotencyKey: key() });
    await create('usr_b1');
    await create('usr_b2');
    const refused = await errorOf(create('usr_b3'));
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.message).toMatch(/You have taken 2 actions in the last 1 h: wait/);
  });
});
