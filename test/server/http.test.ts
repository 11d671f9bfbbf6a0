import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { createStaffAccount, signIn, startApp, type RunningApp } from '../helpers/auth.js';
import { addInquiry, addTemplate } from './fixtures.js';

describe('HTTP surface', () => {
  let database: TestDatabase;
  let app: RunningApp;
  let base = '';
  let cookie = '';

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    const t = await addTemplate(database.db, 'KYC', 1);
    await addInquiry(database.db, t, { status: 'pending', createdAt: new Date(Date.now() - 3_600_000), expiresAt: new Date(Date.now() + 3_600_000) });
    app = await startApp(database);
    base = app.baseUrl;
    const viewer = await createStaffAccount(database.db, { role: 'viewer' });
    cookie = await signIn(app, viewer.email, viewer.password);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const list = (input: unknown, headers: Record<string, string> = { cookie }) =>
    fetch(`${base}/trpc/inquiries.list?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`, { headers });

  it('GET /healthz says which database serves', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: 'pglite', provider: 'local' });
  });

  it('answers a list request with a request id header', async () => {
    const res = await list({ limit: 5 });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as { result: { data: { json: { items: unknown[] } } } };
    expect(body.result.data.json.items).toHaveLength(1);
  });

  it.each([
    ['an out-of-range limit', { limit: 5000 }, 'limit'],
    ['an unknown status', { status: ['teleported'] }, 'status'],
    ['a malformed cursor', { cursor: '%%%' }, 'cursor'],
  ])('answers 400 for %s, naming the field and without a stack trace', async (_label, input, field) => {
    const res = await list(input);
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain(field);
    expect(text).not.toMatch(/stack|at .*\.ts:\d+/);
  });

  it('answers 400, not 500, for input that is not even JSON', async () => {
    const res = await fetch(`${base}/trpc/inquiries.list?input=%7Bnot-json`, { headers: { cookie } });
    expect(res.status).toBe(400);
  });

  it('answers 401 to a request without a session', async () => {
    expect((await list({ limit: 5 }, {})).status).toBe(401);
  });

  it('answers 404 for an unknown procedure and an unknown API path', async () => {
    expect((await fetch(`${base}/trpc/inquiries.nope`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${base}/api/nothing-here`)).status).toBe(404);
  });
});
