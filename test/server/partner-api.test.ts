import fs from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../server/crypto.js';
import { createLogger } from '../../server/logger.js';
import { lockAndCheckAs } from '../../server/services/inquiry-actions/common.js';
import { addressOf } from '../../server/auth/throttle.js';
import { ErrorsSchema, InquiryResponseSchema, ResumeResponseSchema } from '../../server/partner-api/schemas.js';
import { API_CLIENT_TYPES, generateApiTypes } from '../../server/scripts/api-client.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, createStaffAccount, startApp, type RunningApp } from '../helpers/auth.js';
import { partnerClient } from '../partner-api/client.js';
import { STATUSES } from '../../shared/statuses.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry as addLocalInquiry, addTemplate, ago, ahead, callerFor, DAY, HOUR, NOW, staffPrincipal, type TemplateFixture } from './fixtures.js';

const UNAUTHENTICATED = { errors: [{ title: 'Must be authenticated to access this endpoint' }] };
const NOT_FOUND = { errors: [{ title: 'Record not found' }] };

// The partner API's resume has the console's guards and provider (issue 15): over the local engine, and over
// Persona's API as the fake plays it.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('partner resume API on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let app: RunningApp;
  let template: TemplateFixture;
  let admin: ReturnType<typeof callerFor>;
  const customerA = 'cust_partnerA';
  const customerB = 'cust_partnerB';
  let keyA = '';
  let keyB = '';

  const createKey = async (customerId: string, extra: { rateLimitPerMinute?: number; canReadPii?: boolean; expiresAt?: Date } = {}) =>
    admin.apiKeys.create({ customerId, name: `key ${Math.random().toString(36).slice(2, 6)}`, reason: 'partner onboarding', ...extra });
  const addInquiry = async (...args: Parameters<typeof addLocalInquiry>) => harness.track(await addLocalInquiry(...args));
  const pending = (customerId: string | null, extra: Partial<Parameters<typeof addInquiry>[2]> = {}) =>
    addInquiry(database.db, template, { status: 'pending', customerId, createdAt: ago(HOUR), expiresAt: ahead(DAY), ...extra });
  const sessionsOf = async (inquiryId: string) =>
    database.db.selectFrom('inquiry_sessions').select(['id', 'issued_by_type', 'issued_by_id']).where('inquiry_id', '=', inquiryId).execute();

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    // Persona's clock is the app's (the tests move it with app.advance).
    harness = await providerHarness(providerKind, database, () => (app as RunningApp | undefined)?.deps.now() ?? NOW);
    template = await addTemplate(database.db, 'KYC', 2);
    await harness.syncTemplates();
    await database.db
      .insertInto('customers')
      .values([
        { id: customerA, name: 'Northwind Lending' },
        { id: customerB, name: 'Fabrikam Payments' },
      ])
      .execute();
    const account = await createStaffAccount(database.db, { role: 'admin' });
    admin = callerFor(database, () => NOW, staffPrincipal('admin', account.id), harness.env);
    app = await startApp(database, harness.env);
    keyA = (await createKey(customerA)).secret;
    keyB = (await createKey(customerB)).secret;
  });
  afterAll(async () => {
    await app?.close();
    await harness?.close();
    await database?.close();
  });

  describe('the document and its client', () => {
    it('serves a valid OpenAPI 3.1 document naming both endpoints', async () => {
      const res = await fetch(`${app.baseUrl}/api/v1/openapi.json`);
      expect(res.status).toBe(200);
      const document = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths).sort()).toEqual(['/api/v1/inquiries/{id}', '/api/v1/inquiries/{id}/resume']);
      const result = await new Validator().validate(document);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
    });

    it('the committed client types are what the served document generates (run npm run api:client after changing the API)', async () => {
      const served: unknown = await (await fetch(`${app.baseUrl}/api/v1/openapi.json`)).json();
      expect(await generateApiTypes(served)).toBe(await fs.readFile(API_CLIENT_TYPES, 'utf8'));
    });

    it('renders a browsable reference of the document', async () => {
      const res = await fetch(`${app.baseUrl}/api/v1/docs`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('/api/v1/inquiries/{id}/resume');
      expect(html).toContain('Retrieve an inquiry');
    });
  });

  describe('keys', () => {
    it('creates a recognisable secret shown once and stores only its hash', async () => {
      const created = await createKey(customerA);
      expect(created.secret).toMatch(/^idk_live_[A-Za-z0-9]{40}$/);
      expect(created.prefix).toBe(created.secret.slice(0, 13));
      const row = await database.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
      expect(row.secret_hash).toBe(sha256Hex(created.secret));
      expect(JSON.stringify(row)).not.toContain(created.secret);
      const listed = await admin.apiKeys.list({ customerId: customerA });
      const item = listed.items.find((k) => k.id === created.id);
      expect(item).toMatchObject({ state: 'active', prefix: created.prefix, customerName: 'Northwind Lending', rateLimitPerMinute: 300 });
      expect(JSON.stringify(listed)).not.toContain(created.secret);
      const [event] = await auditEvents(database.db, { action: 'api_key.created', targetId: created.id });
      expect(event).toMatchObject({ actor_type: 'staff', reason: 'partner onboarding' });
      expect(JSON.stringify(event)).not.toContain(created.secret);
    });

    it('refuses an expiry in the past and an unknown customer with clear errors', async () => {
      await expect(createKey(customerA, { expiresAt: ago(HOUR) })).rejects.toThrow(/expiresAt: must be in the future/);
      await expect(admin.apiKeys.create({ customerId: 'cust_nobody', name: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('lists customers with their inquiry and key counts', async () => {
      const { items } = await admin.customers.list();
      const a = items.find((c) => c.id === customerA);
      expect(a?.activeKeyCount).toBeGreaterThanOrEqual(1);
      expect(a?.name).toBe('Northwind Lending');
    });
  });

  describe('authentication', () => {
    it('answers a missing, malformed, unknown, expired or revoked key with the same 401', async () => {
      const expiring = await createKey(customerA, { expiresAt: new Date(NOW.getTime() + 60_000) });
      const revoked = await createKey(customerA);
      await admin.apiKeys.revoke({ id: revoked.id, reason: 'leaked in a support ticket' });
      const inquiry = await pending(customerA);
      const answers = [];
      for (const key of [null, 'not-a-key', `idk_live_${'x'.repeat(40)}`, revoked.secret]) {
        const { response, error } = await partnerClient(app.baseUrl, key).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
        answers.push({ status: response.status, error, auth: response.headers.get('www-authenticate') });
      }
      // A revoked key that keeps calling leaves one event per window, not one per call.
      await partnerClient(app.baseUrl, revoked.secret).GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
      app.advance(2 * 60_000); // the expiring key is past its expiry now
      const late = await partnerClient(app.baseUrl, expiring.secret).GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
      answers.push({ status: late.response.status, error: late.error, auth: late.response.headers.get('www-authenticate') });
      for (const answer of answers) expect(answer).toEqual({ status: 401, error: UNAUTHENTICATED, auth: 'Bearer' });
      expect(await sessionsOf(inquiry)).toEqual([]);
      // A real key that is revoked or expired leaves a trail; an unknown one only a log line.
      const refused = await auditEvents(database.db, { action: 'partner.call_refused' });
      expect(refused.filter((e) => e.actor_id === revoked.id)).toHaveLength(1);
      expect(refused.filter((e) => e.actor_id === expiring.id)).toHaveLength(1);
    });
  });

  describe('resume', () => {
    it("resumes the customer's pending inquiry in Persona's shape, audited with the key as actor", async () => {
      const inquiry = await pending(customerA);
      const { data, response } = await partnerClient(app.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
      expect(response.status).toBe(200);
      const body = ResumeResponseSchema.parse(data);
      expect(body.data).toMatchObject({ type: 'inquiry', id: inquiry, attributes: { status: 'pending' } });
      expect(body.meta['session-token'].length).toBeGreaterThan(20);
      expect(response.headers.get('ratelimit-limit')).toBe('300');
      const remaining = response.headers.get('ratelimit-remaining');
      expect(remaining).not.toBeNull();
      expect(Number(remaining)).toBeLessThan(300);
      expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
      expect(response.headers.get('request-id')).toBeTruthy();

      const sessions = await sessionsOf(inquiry);
      expect(sessions).toHaveLength(1);
      // With Persona, the session is Persona's: the one its resume made.
      if (harness.fake) expect(harness.fake.sessions(inquiry).map((s) => s.id)).toEqual([sessions[0]?.id]);
      const keyId = (await admin.apiKeys.list({ customerId: customerA })).items.find((k) => keyA.startsWith(k.prefix))?.id;
      expect(sessions[0]).toMatchObject({ issued_by_type: 'partner', issued_by_id: keyId });
      const [event] = await auditEvents(database.db, { action: 'inquiry.resumed', targetId: inquiry });
      expect(event).toMatchObject({ actor_type: 'partner', actor_id: keyId });
      expect(event?.actor_display).toContain('Northwind Lending');
      expect(JSON.stringify(event)).not.toContain(body.meta['session-token']);
    });

    it('hands out the unused session again instead of piling up sessions, then enforces the resume cooldown with 429', async () => {
      const inquiry = await pending(customerA);
      const client = partnerClient(app.baseUrl, keyA);
      const call = () => client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
      const first = await call();
      const second = await call();
      expect(second.data?.meta['session-token']).toBe(first.data?.meta['session-token']);
      expect(await sessionsOf(inquiry)).toHaveLength(1);
      await call(); // the third resume in the cooldown window (RESUME_COOLDOWN_MAX = 3)
      const fourth = await call();
      expect(fourth.response.status).toBe(429);
      expect(Number(fourth.response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(ErrorsSchema.parse(fourth.error).errors[0]?.title).toBe('Rate limit exceeded');
      const refused = await auditEvents(database.db, { action: 'partner.call_refused', targetId: inquiry });
      expect(refused).toHaveLength(1);
      expect(refused[0]?.reason).toMatch(/Resumed 3 times/);
    });

    it('resumes an expired inquiry without an acknowledgement, as Persona does', async () => {
      const inquiry = await addInquiry(database.db, template, { status: 'expired', customerId: customerA, createdAt: ago(3 * DAY), expiresAt: ago(DAY) });
      const { data, response } = await partnerClient(app.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
      expect(response.status).toBe(200);
      expect(data?.data.attributes.status).toBe('pending');
      expect(new Date(data?.data.attributes['expires-at'] ?? 0).getTime()).toBeGreaterThan(NOW.getTime());
    });

    it.each(['completed', 'failed', 'approved', 'declined'])('answers 409 in Persona’s shape for a %s inquiry', async (status) => {
      const inquiry = await addInquiry(database.db, template, { status, customerId: customerA });
      const { error, response } = await partnerClient(app.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
      expect(response.status).toBe(409);
      expect(error?.errors).toHaveLength(1);
      expect(error?.errors[0]?.title).toBe('Conflict');
      expect(error?.errors[0]?.details).toContain(status);
      expect(await sessionsOf(inquiry)).toEqual([]);
      const [refused] = await auditEvents(database.db, { action: 'partner.call_refused', targetId: inquiry });
      expect(refused).toMatchObject({ actor_type: 'partner', reason: expect.stringContaining(status) as unknown });
    });

    it('answers 400 naming the parameter for a malformed id or Idempotency-Key', async () => {
      const bad = await fetch(`${app.baseUrl}/api/v1/inquiries/not-an-id/resume`, { method: 'POST', headers: { authorization: `Bearer ${keyA}` } });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ errors: [{ title: 'Bad request', details: 'id: must be an inquiry id (inq_…)', source: { parameter: 'id' } }] });
      const inquiry = await pending(customerA);
      const short = await partnerClient(app.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry }, header: { 'idempotency-key': 'short' } } });
      expect(short.response.status).toBe(400);
      expect(short.error?.errors[0]?.source).toEqual({ header: 'idempotency-key' });
    });
  });

  describe('idempotency', () => {
    it('replays the stored answer for the same Idempotency-Key and refuses it for another inquiry', async () => {
      const inquiry = await pending(customerA);
      const other = await pending(customerA);
      const client = partnerClient(app.baseUrl, keyA);
      const header = { 'idempotency-key': `retry-${inquiry}` };
      const [first, again] = await Promise.all([
        client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry }, header } }),
        client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry }, header } }),
      ]);
      expect(first.response.status).toBe(200);
      expect(again.response.status).toBe(200);
      expect(again.data).toEqual(first.data);
      expect(await sessionsOf(inquiry)).toHaveLength(1);
      expect(await auditEvents(database.db, { action: 'inquiry.resumed', targetId: inquiry })).toHaveLength(1);
      expect(await auditEvents(database.db, { action: 'partner.resume_replayed', targetId: inquiry })).toHaveLength(1);
      // With Persona, the replay asked again with the same Idempotency-Key: Persona resumed once.
      if (harness.fake) expect(harness.fake.effects.filter((e) => e.inquiryId === inquiry && e.operation === 'resume')).toHaveLength(1);

      const mismatch = await client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: other }, header } });
      expect(mismatch.response.status).toBe(409);
      expect(mismatch.error?.errors[0]?.details).toMatch(/already used for a different request/);
      expect(await sessionsOf(other)).toEqual([]);
    });
  });

  describe('tenant isolation', () => {
    it.each([...STATUSES])(
      "a key never reads, resumes or learns of another customer's %s inquiry",
      async (status) => {
        const theirs = await addInquiry(database.db, template, { status, customerId: customerB, createdAt: ago(2 * DAY), expiresAt: status === 'expired' ? ago(DAY) : ahead(DAY) });
        const unknown = 'inq_doesnotexist000000000';
        const client = partnerClient(app.baseUrl, keyA);
        const answers = [];
        for (const id of [theirs, unknown]) {
          const get = await client.GET('/api/v1/inquiries/{id}', { params: { path: { id } } });
          const post = await client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id } } });
          answers.push([get.response.status, get.error, post.response.status, post.error]);
        }
        // Another customer's inquiry answers exactly as one that does not exist.
        expect(answers[0]).toEqual([404, NOT_FOUND, 404, NOT_FOUND]);
        expect(answers[1]).toEqual(answers[0]);
        expect(await sessionsOf(theirs)).toEqual([]);
        const row = await database.db.selectFrom('inquiries').select('status').where('id', '=', theirs).executeTakeFirstOrThrow();
        expect(row.status).toBe(status);
        // Its own customer's key still works on it.
        const own = await partnerClient(app.baseUrl, keyB).GET('/api/v1/inquiries/{id}', { params: { path: { id: theirs } } });
        expect(own.response.status).toBe(200);
      },
    );

    it.skipIf(engine !== 'postgres')("answers at once for another customer's inquiry that someone holds locked (its existence shows in no delay)", async () => {
      const theirs = await pending(customerB);
      const holder = new pg.Client({ connectionString: database.url ?? '' });
      await holder.connect();
      try {
        await holder.query('begin');
        await holder.query('select id from inquiries where id = $1 for update', [theirs]);
        const answer = partnerClient(app.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: theirs } } });
        const timeout = new Promise<'waited'>((resolve) => setTimeout(() => resolve('waited'), 5000));
        const first = await Promise.race([answer.then((r) => r.response.status), timeout]);
        expect(first).toBe(404);
      } finally {
        await holder.query('rollback');
        await holder.end();
      }
    });

    it("the lock statement itself refuses another customer's inquiry (not only the check after it)", async () => {
      const theirs = await pending(customerB);
      const acting = (customerId: string) => ({ permissions: { act: true, tokenLink: false }, budgetBucket: null, customerId });
      const as = (customerId: string) => database.db.transaction().execute((trx) => lockAndCheckAs(trx, app.deps, acting(customerId), theirs, NOW));
      expect(await as(customerA)).toBeUndefined();
      expect((await as(customerB))?.inquiry.id).toBe(theirs);
    });

    it('an inquiry without a customer belongs to no key', async () => {
      const direct = await pending(null);
      const { response } = await partnerClient(app.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: direct } } });
      expect(response.status).toBe(404);
    });
  });

  describe('reading an inquiry', () => {
    it('masks prefilled fields unless the key may read PII', async () => {
      const inquiry = await pending(customerA, { email: 'ada@example.com' });
      const masked = await partnerClient(app.baseUrl, keyA).GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
      const body = InquiryResponseSchema.parse(masked.data);
      expect(body.data.attributes.fields['email-address']?.value).toBe('a•••@example.com');
      expect(JSON.stringify(body)).not.toContain('Lovelace');
      const trusted = await createKey(customerA, { canReadPii: true });
      const revealed = await partnerClient(app.baseUrl, trusted.secret).GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
      expect(revealed.data?.data.attributes.fields['name-last']?.value).toBe('Lovelace');
      const reads = await auditEvents(database.db, { action: 'partner.inquiry_read', targetId: inquiry });
      expect(reads.map((e) => (e.metadata as { piiRevealed: boolean }).piiRevealed)).toEqual([false, true]);
    });
  });

  describe('rate limits', () => {
    it('answers 429 with RateLimit headers and Retry-After past the key’s limit, and audits the first refusal only', async () => {
      const limited = await createKey(customerA, { rateLimitPerMinute: 3 });
      const inquiry = await pending(customerA);
      const client = partnerClient(app.baseUrl, limited.secret);
      const statuses = [];
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        const { response } = await client.GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
        statuses.push(response.status);
        last = response;
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const listed = (await admin.apiKeys.list({ customerId: customerA })).items.find((k) => k.id === limited.id);
      expect(listed?.callsThisWeek).toBe(5);
      expect(listed?.lastUsedAt).not.toBeNull();
      expect(last?.headers.get('ratelimit-limit')).toBe('3');
      expect(last?.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      const refused = (await auditEvents(database.db, { action: 'partner.call_refused' })).filter((e) => e.actor_id === limited.id);
      expect(refused).toHaveLength(1);
      app.advance(60_000); // the next window
      const after = await client.GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
      expect(after.response.status).toBe(200);
    });

    it('throttles calls without a valid key per client address, then answers 429', async () => {
      app.advance(60_000); // a fresh window for this address
      const statuses = [];
      for (let i = 0; i < 62; i++) {
        const res = await fetch(`${app.baseUrl}/api/v1/inquiries/inq_probe${i}`, { headers: { authorization: `Bearer idk_live_${'p'.repeat(40)}` } });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(60)).toEqual([429, 429]);
      app.advance(60_000); // leave the next tests a fresh window
    });

    it('a call over the limit with a malformed id is still refused and audited, without the id as target', async () => {
      const limited = await createKey(customerA, { rateLimitPerMinute: 1 });
      const inquiry = await pending(customerA);
      const client = partnerClient(app.baseUrl, limited.secret);
      expect((await client.GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } })).response.status).toBe(200);
      const res = await fetch(`${app.baseUrl}/api/v1/inquiries/inq_a%00b`, { headers: { authorization: `Bearer ${limited.secret}` } });
      expect(res.status).toBe(429);
      const refused = (await auditEvents(database.db, { action: 'partner.call_refused' })).filter((e) => e.actor_id === limited.id);
      expect(refused).toHaveLength(1);
      expect(refused[0]?.target_id).toBeNull();
    });

    it('holds the per-key limit in total across two server instances on one database', async () => {
      const limited = await createKey(customerA, { rateLimitPerMinute: 10 });
      const inquiry = await pending(customerA);
      const second = await startApp(database, harness.env);
      second.advance(app.deps.now().getTime() - second.deps.now().getTime()); // one wall clock for both
      try {
        const clients = [partnerClient(app.baseUrl, limited.secret), partnerClient(second.baseUrl, limited.secret)];
        const calls = Array.from({ length: 30 }, (_, i) => clients[i % 2]!.GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } }));
        const statuses = (await Promise.all(calls)).map((r) => r.response.status);
        expect(statuses.filter((s) => s === 200)).toHaveLength(10);
        expect(statuses.filter((s) => s === 429)).toHaveLength(20);
      } finally {
        await second.close();
      }
    });
  });

  describe('hardening', () => {
    it("answers a malformed %-escape in Persona's shape, not with a 500 or the console's page", async () => {
      const res = await fetch(`${app.baseUrl}/api/v1/inquiries/inq_%E0%A4%A`, { headers: { authorization: `Bearer ${keyA}` } });
      expect(res.status).toBe(400);
      expect(ErrorsSchema.parse(await res.json()).errors[0]?.title).toBe('Bad request');
    });

    it('works for a key whose customer and key names are as long as allowed', async () => {
      const id = 'cust_longname';
      await database.db.insertInto('customers').values({ id, name: 'N'.repeat(200) }).execute();
      const key = await admin.apiKeys.create({ customerId: id, name: 'K'.repeat(100) });
      const inquiry = await pending(id);
      const { response } = await partnerClient(app.baseUrl, key.secret).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
      expect(response.status).toBe(200);
      const [event] = await auditEvents(database.db, { action: 'inquiry.resumed', targetId: inquiry });
      expect(event?.actor_display?.length).toBeLessThanOrEqual(200);
      expect(event?.actor_display).toContain('K'.repeat(100));
    });

    it('never writes a key or a session token to the log', async () => {
      const lines: string[] = [];
      const logged = await startApp(database, harness.env, { log: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
      logged.advance(app.deps.now().getTime() - logged.deps.now().getTime());
      try {
        const inquiry = await pending(customerA);
        const ok = await partnerClient(logged.baseUrl, keyA).POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry } } });
        const unknown = `idk_live_${'u'.repeat(40)}`;
        await partnerClient(logged.baseUrl, unknown).GET('/api/v1/inquiries/{id}', { params: { path: { id: inquiry } } });
        const text = lines.join('');
        expect(text).toContain('partner API call without a valid key');
        expect(ok.response.status).toBe(200);
        // With Persona, its API key too.
        const personaKey = harness.env.PERSONA_API_KEY;
        for (const secret of [keyA, unknown, ok.data?.meta['session-token'] ?? 'missing', ...(personaKey ? [personaKey] : [])]) expect(text).not.toContain(secret);
      } finally {
        await logged.close();
      }
    });

    it('buckets IPv6 clients by /64 and IPv4-mapped ones as IPv4', () => {
      expect(addressOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
      expect(addressOf('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
      expect(addressOf('::ffff:10.0.0.7')).toBe('10.0.0.7');
      expect(addressOf('10.0.0.7')).toBe('10.0.0.7');
      expect(addressOf('::1')).toBe('0:0:0:0::/64');
      expect(addressOf(null)).toBe('unknown');
    });
  });

  describe('the replay window', () => {
    it('stores no PII for a replay, and after 24 hours treats the same Idempotency-Key as a new request', async () => {
      const trusted = await createKey(customerA, { canReadPii: true });
      const inquiry = await pending(customerA, { expiresAt: ahead(5 * DAY) });
      const client = partnerClient(app.baseUrl, trusted.secret);
      const header = { 'idempotency-key': `late-${inquiry}` };
      const first = await client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry }, header } });
      expect(first.data?.data.attributes.fields['name-last']?.value).toBe('Lovelace');
      const stored = await database.db.selectFrom('idempotency_keys').select('result').where('key', '=', header['idempotency-key']).executeTakeFirstOrThrow();
      expect(JSON.stringify(stored.result)).not.toContain('Lovelace');

      app.advance(25 * HOUR); // (the last test of the file: later inquiries would be overdue)
      const late = await client.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: inquiry }, header } });
      expect(late.response.status).toBe(200);
      expect(await auditEvents(database.db, { action: 'inquiry.resumed', targetId: inquiry })).toHaveLength(2);
      expect(await auditEvents(database.db, { action: 'partner.resume_replayed', targetId: inquiry })).toHaveLength(0);
    });
  });

  it('keeps the audit chain intact through all of it', async () => {
    const { verifyAuditChain } = await import('../../server/services/audit.js');
    const result = await verifyAuditChain(database.db);
    expect(result.ok).toBe(true);
  });
});
