import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../../../server/providers/persona/signature.js';
import { ErrorDocument, InquiryDocument, InquiryResource, ListDocument, SessionDocument, SessionResource, WebhookEvent } from '../../../server/providers/persona/wire.js';
import { createFakePersona, type FakePersona, type FakePersonaOptions } from './index.js';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const TEMPLATE = 'itmpl_Kyc1';

let now: Date;
let fake: FakePersona;

async function start(options: FakePersonaOptions = {}): Promise<FakePersona> {
  fake = await createFakePersona({ now: () => now, ...options });
  fake.addTemplate(TEMPLATE, { versionIds: ['itmplv_One', 'itmplv_Two'], afterCreateSeconds: 3600, afterResumeSeconds: 7200 });
  return fake;
}

interface Call {
  body?: unknown;
  key?: string;
  headers?: Record<string, string>;
  auth?: string | null;
  signal?: AbortSignal;
}

async function api(method: 'GET' | 'POST', path: string, call: Call = {}) {
  const headers: Record<string, string> = { 'Persona-Version': '2023-01-05', 'Key-Inflection': 'kebab', ...call.headers };
  if (call.auth !== null) headers.Authorization = `Bearer ${call.auth ?? fake.apiKey}`;
  if (call.key) headers['Idempotency-Key'] = call.key;
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${fake.url}${path}`, { method, headers, ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}), ...(call.signal ? { signal: call.signal } : {}) });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

const createBody = (extra: Record<string, unknown> = {}) => ({ data: { attributes: { 'inquiry-template-id': TEMPLATE, 'reference-id': 'user-1', fields: { 'name-first': 'Ada' }, ...extra } } });

async function createInquiry(): Promise<string> {
  const res = await api('POST', '/api/v1/inquiries', { body: createBody() });
  expect(res.status).toBe(201);
  return InquiryDocument.parse(res.json).data.id;
}

beforeEach(() => {
  now = new Date(T0);
});
afterEach(async () => {
  await fake?.close();
});

describe('fake Persona API: the basics', () => {
  it('refuses a request without the key in Persona’s error shape, with a request id and rate headers', async () => {
    await start();
    const res = await api('GET', '/api/v1/inquiries', { auth: null });
    expect(res.status).toBe(401);
    expect(ErrorDocument.parse(res.json).errors[0]).toEqual({ title: 'Must be authenticated to access this endpoint' });
    expect(res.headers.get('Request-Id')).toMatch(/^req_[0-9a-f]+$/);
    expect(res.headers.get('RateLimit-Limit')).toBe('300');
    expect((await api('GET', '/api/v1/inquiries', { auth: 'persona_sandbox_wrong' })).status).toBe(401);
    expect(fake.requests.map((r) => [r.authorized, r.status, r.personaVersion, r.keyInflection])).toEqual([
      [false, 401, '2023-01-05', 'kebab'],
      [false, 401, '2023-01-05', 'kebab'],
    ]);
  });

  it('creates an inquiry on the latest version that parses with the wire schemas', async () => {
    await start();
    const res = await api('POST', '/api/v1/inquiries', { body: createBody({ fields: { 'name-first': 'Ada', age: { type: 'number', value: 36 } } }) });
    expect(res.status).toBe(201);
    const doc = InquiryDocument.parse(res.json);
    expect(doc.data.attributes.status).toBe('created');
    expect(doc.data.attributes['reference-id']).toBe('user-1');
    expect(doc.data.attributes['expires-at']).toBe(new Date(T0.getTime() + 3600_000).toISOString());
    expect(doc.data.attributes.fields).toEqual({ 'name-first': { type: 'string', value: 'Ada' }, age: { type: 'number', value: 36 } });
    expect(doc.data.relationships?.['inquiry-template-version']?.data?.id).toBe('itmplv_Two');
    expect(doc.data.relationships?.account?.data).toBeNull();
    expect(fake.effects).toEqual([{ operation: 'create', inquiryId: doc.data.id }]);

    const read = await api('GET', `/api/v1/inquiries/${doc.data.id}`);
    expect(InquiryDocument.parse(read.json).data).toEqual(doc.data);
  });

  it('answers 422 with a pointer for an unknown template and 404 for an unknown inquiry', async () => {
    await start();
    const bad = await api('POST', '/api/v1/inquiries', { body: { data: { attributes: { 'inquiry-template-id': 'itmpl_Nope' } } } });
    expect(bad.status).toBe(422);
    expect(ErrorDocument.parse(bad.json).errors[0]).toMatchObject({ source: { pointer: '/data/attributes/inquiry-template-id' } });
    const missing = await api('GET', '/api/v1/inquiries/inq_Missing');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errors: [{ title: 'Record not found' }] });
    expect(fake.effects).toEqual([]);
  });

  it('adopts an inquiry a test’s own fixtures know about before answering 404', async () => {
    await start();
    fake.adopt((id) => Promise.resolve(id === 'inq_Local1' ? { id, templateId: TEMPLATE, status: 'pending', createdAt: new Date(T0.getTime() - 60_000) } : null));
    const res = await api('GET', '/api/v1/inquiries/inq_Local1');
    expect(res.status).toBe(200);
    expect(InquiryDocument.parse(res.json).data.attributes.status).toBe('pending');
    expect((await api('GET', '/api/v1/inquiries/inq_Other')).status).toBe(404);
  });

  it('writes camelCase keys when Key-Inflection asks for them (field names kept)', async () => {
    await start();
    const id = await createInquiry();
    const res = await api('GET', `/api/v1/inquiries/${id}`, { headers: { 'Key-Inflection': 'camel' } });
    const attrs = (res.json as { data: { attributes: Record<string, unknown> } }).data.attributes;
    expect(attrs.referenceId).toBe('user-1');
    expect(attrs.fields).toEqual({ 'name-first': { type: 'string', value: 'Ada' } });
  });
});

describe('fake Persona API: resume, expire, links, sessions', () => {
  it('resumes a pending inquiry with a JWT naming its session, and reuses a session nobody started', async () => {
    await start();
    const id = await createInquiry();
    fake.simulate.start(id);
    const first = await api('POST', `/api/v1/inquiries/${id}/resume`);
    expect(first.status).toBe(200);
    const doc = InquiryDocument.parse(first.json);
    const token = doc.meta?.['session-token'] ?? '';
    const claims = decodeJwt(token);
    const sessions = fake.sessions(id);
    expect(sessions.map((s) => s.status)).toEqual(['active', 'new']);
    expect(claims).toMatchObject({ sid: sessions[1]!.id, sub: sessions[1]!.id, aud: 'persona-verify' });
    expect(claims.exp).toBe(Math.floor(fake.inquiry(id)!.expiresAt!.getTime() / 1000));
    const again = InquiryDocument.parse((await api('POST', `/api/v1/inquiries/${id}/resume`)).json);
    expect(decodeJwt(again.meta?.['session-token'] ?? '').sid).toBe(sessions[1]!.id);
    expect(fake.sessions(id)).toHaveLength(2);
    expect(doc.data.relationships?.sessions?.data?.map((s) => s.id)).toEqual(sessions.map((s) => s.id));
  });

  it('reopens an expired inquiry for the after-resume interval, in a new session', async () => {
    await start();
    const id = await createInquiry();
    fake.simulate.start(id);
    now = new Date(T0.getTime() + 2 * 3600_000); // past expires-at; Persona's job has not run
    const res = await api('POST', `/api/v1/inquiries/${id}/resume`);
    const doc = InquiryDocument.parse(res.json);
    expect(doc.data.attributes.status).toBe('pending');
    expect(doc.data.attributes['expires-at']).toBe(new Date(now.getTime() + 7200_000).toISOString());
    expect(fake.sessions(id).map((s) => s.status)).toEqual(['expired', 'new']);
    expect(fake.webhooks.pending().map((e) => e.name)).toEqual([
      'inquiry.created',
      'inquiry-session.created',
      'inquiry-session.started',
      'inquiry.started',
      'inquiry.expired',
      'inquiry-session.expired',
      'inquiry.transitioned',
      'inquiry-session.created',
    ]);
  });

  it('refuses to resume a created or completed inquiry, and refuses past the session cap', async () => {
    await start({ sessionCap: 2 });
    const created = await createInquiry();
    const refused = await api('POST', `/api/v1/inquiries/${created}/resume`);
    expect(refused.status).toBe(409);
    expect(ErrorDocument.parse(refused.json).errors[0]).toMatchObject({ title: 'Conflict', details: expect.stringContaining('created') as string });
    fake.simulate.complete(created);
    expect((await api('POST', `/api/v1/inquiries/${created}/resume`)).status).toBe(409);

    const capped = await createInquiry();
    fake.simulate.start(capped); // session 1 (active)
    await api('POST', `/api/v1/inquiries/${capped}/resume`); // session 2 (new)
    fake.simulate.sessionStarted(fake.sessions(capped)[1]!.id);
    const over = await api('POST', `/api/v1/inquiries/${capped}/resume`);
    expect(over.status).toBe(409);
    expect(fake.effects.filter((e) => e.operation === 'resume')).toHaveLength(1);
  });

  it('expires an open inquiry with its sessions, then refuses a second expiry and a link', async () => {
    await start();
    const id = await createInquiry();
    fake.simulate.start(id);
    const res = await api('POST', `/api/v1/inquiries/${id}/expire`);
    expect(InquiryDocument.parse(res.json).data.attributes.status).toBe('expired');
    expect(fake.sessions(id).every((s) => s.status === 'expired')).toBe(true);
    expect((await api('POST', `/api/v1/inquiries/${id}/expire`)).status).toBe(409);
    expect((await api('POST', `/api/v1/inquiries/${id}/generate-one-time-link`)).status).toBe(409);
  });

  it('hands out the same unused one-time link until it expires', async () => {
    await start({ hostedFlowUrl: 'https://verify.example/verify' });
    const id = await createInquiry();
    const a = InquiryDocument.parse((await api('POST', `/api/v1/inquiries/${id}/generate-one-time-link`, { body: { meta: { 'expires-in-seconds': 600 } } })).json);
    const b = InquiryDocument.parse((await api('POST', `/api/v1/inquiries/${id}/generate-one-time-link`)).json);
    expect(a.meta?.['one-time-link']).toMatch(/^https:\/\/verify\.example\/verify\?code=[\w-]+$/);
    expect(a.meta?.['one-time-link-short']).toBeTruthy();
    expect(b.meta?.['one-time-link']).toBe(a.meta?.['one-time-link']);
    now = new Date(T0.getTime() + 601_000);
    const c = InquiryDocument.parse((await api('POST', `/api/v1/inquiries/${id}/generate-one-time-link`)).json);
    expect(c.meta?.['one-time-link']).not.toBe(a.meta?.['one-time-link']);
    expect(fake.effects.filter((e) => e.operation === 'one_time_link')).toHaveLength(2);
  });

  it('lists and expires inquiry sessions', async () => {
    await start();
    const id = await createInquiry();
    fake.simulate.start(id);
    const list = await api('GET', `/api/v1/inquiry-sessions?filter%5Binquiry-id%5D=${id}`);
    const sessions = ListDocument(SessionResource).parse(list.json).data;
    expect(sessions.map((s) => [s.attributes.status, s.relationships?.inquiry?.data?.id])).toEqual([['active', id]]);
    const expired = await api('POST', `/api/v1/inquiry-sessions/${sessions[0]!.id}/expire`);
    expect(SessionDocument.parse(expired.json).data.attributes.status).toBe('expired');
    expect((await api('POST', `/api/v1/inquiry-sessions/${sessions[0]!.id}/expire`)).status).toBe(409);
    expect(fake.effects.at(-1)).toEqual({ operation: 'session_expire', inquiryId: id, sessionId: sessions[0]!.id });
  });
});

describe('fake Persona API: idempotency and faults', () => {
  it('replays a repeated idempotent request without a second effect', async () => {
    await start();
    const id = await createInquiry();
    fake.simulate.start(id);
    const first = await api('POST', `/api/v1/inquiries/${id}/resume`, { key: 'idem-1' });
    const second = await api('POST', `/api/v1/inquiries/${id}/resume`, { key: 'idem-1' });
    expect(second.status).toBe(200);
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('Idempotent-Replayed')).toBe('true');
    expect(first.headers.get('Idempotent-Replayed')).toBeNull();
    expect(fake.effects.filter((e) => e.operation === 'resume')).toEqual([{ operation: 'resume', inquiryId: id, sessionId: expect.any(String) as string, idempotencyKey: 'idem-1' }]);
    expect(fake.requests.at(-1)).toMatchObject({ replayed: true, idempotencyKey: 'idem-1' });
  });

  it('refuses a key reused with a different request with 422', async () => {
    await start();
    await api('POST', '/api/v1/inquiries', { body: createBody(), key: 'idem-2' });
    const res = await api('POST', '/api/v1/inquiries', { body: createBody({ 'reference-id': 'user-2' }), key: 'idem-2' });
    expect(res.status).toBe(422);
    expect(ErrorDocument.parse(res.json).errors[0]?.title).toBe('Idempotency key reused with different parameters');
    expect(fake.effects).toHaveLength(1);
  });

  it('a failure before the effect stores nothing: the retry does the work once', async () => {
    await start();
    fake.faults.failNext(1, { status: 503, path: /\/inquiries$/ });
    const failed = await api('POST', '/api/v1/inquiries', { body: createBody(), key: 'idem-3' });
    expect(failed.status).toBe(503);
    expect(ErrorDocument.parse(failed.json).errors[0]?.title).toBe('Service Unavailable');
    expect(fake.effects).toHaveLength(0);
    const retry = await api('POST', '/api/v1/inquiries', { body: createBody(), key: 'idem-3' });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('Idempotent-Replayed')).toBeNull();
    expect(fake.effects).toHaveLength(1);
  });

  it('a crash after the effect: the retry with the same key gets the stored success, one effect', async () => {
    await start();
    const id = await createInquiry();
    fake.simulate.start(id);
    fake.faults.failNext(1, { afterEffect: true, path: /\/resume$/ });
    const crashed = await api('POST', `/api/v1/inquiries/${id}/resume`, { key: 'idem-4' });
    expect(crashed.status).toBe(500);
    expect(fake.effects.filter((e) => e.operation === 'resume')).toHaveLength(1);
    const retry = await api('POST', `/api/v1/inquiries/${id}/resume`, { key: 'idem-4' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('Idempotent-Replayed')).toBe('true');
    expect(InquiryDocument.parse(retry.json).meta?.['session-token']).toBeTruthy();
    expect(fake.effects.filter((e) => e.operation === 'resume')).toHaveLength(1);
  });

  it('a slow answer: a client that gives up first leaves no effect, unless the work was done before the delay', async () => {
    await start();
    fake.faults.delayNext(1, 400);
    await expect(api('POST', '/api/v1/inquiries', { body: createBody(), signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 500));
    expect(fake.effects).toHaveLength(0);
    fake.faults.delayNext(1, 400, { afterEffect: true });
    await expect(api('POST', '/api/v1/inquiries', { body: createBody(), signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(fake.effects).toHaveLength(1);
    expect((await api('GET', '/api/v1/inquiries')).status).toBe(200); // no fault left
  });

  it('counts requests in a fixed one-minute window and answers 429 past the limit', async () => {
    await start({ rateLimitPerMinute: 3 });
    const seen: Array<[number, string | null, string | null]> = [];
    for (let i = 0; i < 4; i += 1) {
      now = new Date(T0.getTime() + i * 10_000);
      const res = await api('GET', '/api/v1/inquiries');
      seen.push([res.status, res.headers.get('RateLimit-Remaining'), res.headers.get('RateLimit-Reset')]);
      if (res.status === 429) {
        expect(ErrorDocument.parse(res.json).errors[0]).toMatchObject({ title: 'Rate limit exceeded', details: expect.stringContaining('rate limit of 3 requests / min') as string });
      }
    }
    expect(seen).toEqual([
      [200, '2', '60'],
      [200, '1', '50'],
      [200, '0', '40'],
      [429, '0', '30'],
    ]);
    now = new Date(T0.getTime() + 60_000);
    expect((await api('GET', '/api/v1/inquiries')).status).toBe(200);
  });

  it('answers injected 429s with the reset it was given', async () => {
    await start();
    fake.faults.rateLimitNext(2, 17);
    for (let i = 0; i < 2; i += 1) {
      const res = await api('GET', '/api/v1/inquiries');
      expect([res.status, res.headers.get('RateLimit-Remaining'), res.headers.get('RateLimit-Reset')]).toEqual([429, '0', '17']);
    }
    expect((await api('GET', '/api/v1/inquiries')).status).toBe(200);
  });
});

describe('fake Persona API: listing', () => {
  it('walks every inquiry once, newest first, by following links.next (ties broken by id)', async () => {
    await start();
    fake.addTemplate('itmpl_Other');
    const ids = [...fake.seedMany(37, { templateId: TEMPLATE, stepMs: 0, start: new Date(T0.getTime() - 3_600_000) }), ...fake.seedMany(20, { templateId: TEMPLATE, statuses: ['pending', 'completed'] })];
    fake.seedMany(5, { templateId: 'itmpl_Other' });
    const seen: string[] = [];
    let next: string | null | undefined = `/api/v1/inquiries?page%5Bsize%5D=7&filter%5Binquiry-template-id%5D=${TEMPLATE}`;
    let pages = 0;
    while (next) {
      const res = await api('GET', next);
      expect(res.status).toBe(200);
      const doc = ListDocument(InquiryResource).parse(res.json);
      expect(res.json).not.toHaveProperty('meta');
      seen.push(...doc.data.map((d) => d.id));
      next = doc.links?.next;
      if (next) expect(next).toMatch(new RegExp(`^/api/v1/inquiries\\?page%5Bafter%5D=inq_\\w+&page%5Bsize%5D=7&filter%5Binquiry-template-id%5D=${TEMPLATE}$`));
      pages += 1;
    }
    expect(pages).toBe(9);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...ids].sort());
    const expected = ids.map((id) => fake.inquiry(id)!).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((i) => i.id);
    expect(seen).toEqual(expected);

    const second = ListDocument(InquiryResource).parse((await api('GET', `/api/v1/inquiries?page%5Bafter%5D=${seen[6]}&page%5Bsize%5D=7&filter%5Binquiry-template-id%5D=${TEMPLATE}`)).json);
    const back = ListDocument(InquiryResource).parse((await api('GET', second.links!.prev!)).json);
    expect(back.data.map((d) => d.id)).toEqual(seen.slice(0, 7));
  });

  it('filters by status and reference id, and refuses a page size over 100', async () => {
    await start();
    fake.seedMany(6, { templateId: TEMPLATE, statuses: ['created', 'completed', 'expired'] });
    const completed = ListDocument(InquiryResource).parse((await api('GET', '/api/v1/inquiries?filter%5Bstatus%5D=completed,expired')).json);
    expect(completed.data.map((d) => d.attributes.status).sort()).toEqual(['completed', 'completed', 'expired', 'expired']);
    const one = ListDocument(InquiryResource).parse((await api('GET', '/api/v1/inquiries?filter%5Breference-id%5D=ref-2')).json);
    expect(one.data.map((d) => d.attributes['reference-id'])).toEqual(['ref-2']);
    expect(one.links?.next).toBeNull();
    const tooBig = await api('GET', '/api/v1/inquiries?page%5Bsize%5D=101');
    expect(tooBig.status).toBe(400);
    ErrorDocument.parse(tooBig.json);
  });
});

describe('fake Persona API: webhooks', () => {
  interface Delivery {
    headers: IncomingHttpHeaders;
    raw: Buffer;
  }
  let receiver: Server;
  let deliveries: Delivery[];
  let answer: number;
  let receiverUrl: string;
  const SECRETS = ['wbhsec_new', 'wbhsec_old'];

  beforeEach(async () => {
    deliveries = [];
    answer = 200;
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliveries.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/persona`;
  });
  afterEach(async () => {
    await new Promise((r) => receiver.close(r));
  });

  const event = (d: Delivery) => WebhookEvent.parse(JSON.parse(d.raw.toString('utf8')));

  it('signs each delivery with every secret and snapshots the resource as it was', async () => {
    await start({ webhook: { url: receiverUrl, secrets: SECRETS } });
    const id = await createInquiry();
    now = new Date(T0.getTime() + 5_000);
    fake.simulate.complete(id);
    const results = await fake.webhooks.deliver();
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(fake.webhooks.pending()).toEqual([]);
    const names = deliveries.map((d) => event(d).data.attributes.name);
    expect(names).toEqual(['inquiry.created', 'inquiry-session.created', 'inquiry-session.started', 'inquiry.started', 'inquiry.completed']);
    for (const d of deliveries) {
      const header = d.headers['persona-signature'] as string;
      expect(header.split(' ')).toHaveLength(2);
      for (const secret of SECRETS) expect(verifySignature(header, d.raw, [secret], now, 300).ok).toBe(true);
      expect(verifySignature(header, d.raw, ['wbhsec_other'], now, 300)).toEqual({ ok: false, reason: 'mismatch' });
      expect(d.headers['persona-webhook-attempts-made']).toBe('1');
      expect(d.headers['persona-webhook-attempts-left']).toBe('7');
      expect(d.headers['persona-webhook-first-attempted-at']).toBe(String(now.getTime() / 1000));
    }
    const created = InquiryResource.parse(event(deliveries[0]!).data.attributes.payload.data);
    const completed = InquiryResource.parse(event(deliveries[4]!).data.attributes.payload.data);
    expect([created.attributes.status, completed.attributes.status]).toEqual(['created', 'completed']);
    SessionResource.parse(event(deliveries[1]!).data.attributes.payload.data);
    expect(event(deliveries[4]!).data.attributes['created-at'] > event(deliveries[3]!).data.attributes['created-at']).toBe(true);
  });

  it('delivers duplicates and in reverse order on request; a failed delivery stays pending and counts its attempts', async () => {
    await start({ webhook: { url: receiverUrl, secrets: ['wbhsec_one'] } });
    const a = await createInquiry();
    const b = await createInquiry();
    const made = fake.webhooks.pending().map((e) => e.id);
    expect(made).toHaveLength(2);
    answer = 500;
    expect(await fake.webhooks.deliver()).toEqual(made.map((eventId) => ({ eventId, status: 500 })));
    expect(fake.webhooks.pending().map((e) => e.attemptsMade)).toEqual([1, 1]);
    answer = 204;
    await fake.webhooks.deliver({ duplicate: true, order: 'reversed' });
    const ids = deliveries.slice(2).map((d) => event(d).data.id);
    expect(ids).toEqual([made[1], made[0], made[1], made[0]]);
    expect(deliveries.slice(2).map((d) => d.headers['persona-webhook-attempts-made'])).toEqual(['2', '2', '3', '3']);
    expect(deliveries[2]!.raw.equals(deliveries[4]!.raw)).toBe(true);
    expect(fake.webhooks.pending()).toEqual([]);
    expect([a, b].map((id) => deliveries.some((d) => (event(d).data.attributes.payload.data as { id: string }).id === id))).toEqual([true, true]);
  });

  it('shuffles deterministically by seed and signs with given secrets and timestamp', async () => {
    await start({ webhook: { url: receiverUrl, secrets: ['wbhsec_one'] } });
    for (let i = 0; i < 6; i += 1) await createInquiry();
    const made = fake.webhooks.pending().map((e) => e.id);
    await fake.webhooks.deliver({ order: 'shuffled', seed: 7, secrets: ['wbhsec_rotated'], timestamp: 1_700_000_000 });
    const order = deliveries.map((d) => event(d).data.id);
    expect([...order].sort()).toEqual([...made].sort());
    expect(order).not.toEqual(made);
    const d = deliveries[0]!;
    expect(verifySignature(d.headers['persona-signature'] as string, d.raw, ['wbhsec_rotated'], new Date(1_700_000_000_000), 300).ok).toBe(true);
  });

  it('delivers by itself when asked to', async () => {
    await start();
    fake.webhooks.configure({ url: receiverUrl, secrets: ['wbhsec_one'] });
    fake.webhooks.autoDeliver(true);
    await createInquiry();
    await fake.webhooks.idle();
    expect(deliveries.map((d) => event(d).data.attributes.name)).toEqual(['inquiry.created']);
  });
});
