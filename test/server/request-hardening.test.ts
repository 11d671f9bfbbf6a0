import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { consoleHeaders, createStaffAccount, signIn, startApp, type RunningApp } from '../helpers/auth.js';

/**
 * Issue 13's request-path findings, tried as the outside tester did: an unbounded batch, control characters in
 * text inputs, and malformed superjson metadata whose internal error text reached the client.
 */
describe('request hardening', () => {
  let database: TestDatabase;
  let app: RunningApp;
  let cookie: string;
  let adminCookie: string;
  let warn: MockInstance;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    app = await startApp(database);
    warn = vi.spyOn(app.deps.log, 'warn');
    const viewer = await createStaffAccount(database.db, { role: 'viewer' });
    cookie = await signIn(app, viewer.email, viewer.password);
    const admin = await createStaffAccount(database.db, { role: 'admin' });
    adminCookie = await signIn(app, admin.email, admin.password);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const get = (path: string) => fetch(`${app.baseUrl}${path}`, { headers: consoleHeaders(app, { cookie }) });
  const listInput = (input: unknown) => encodeURIComponent(JSON.stringify({ 0: input }));

  it('answers a batch of more than 10 procedures with a clear 400, without running any of them', async () => {
    const paths = Array.from({ length: 11 }, () => 'auth.me').join(',');
    const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [i, { json: null }]))));
    const response = await get(`/trpc/${paths}?batch=1&input=${input}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/at most 10 procedures/i);
    const ten = await get(`/trpc/${Array.from({ length: 10 }, () => 'auth.me').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i, { json: null }]))))}`);
    expect(ten.status).toBe(200);
  });

  it('refuses a NUL byte or another control character in a text input with a 400 naming the field (was a 500)', async () => {
    for (const search of ['ada\u0000lovelace', 'ada\u001blovelace', 'ada\u007f']) {
      const response = await get(`/trpc/inquiries.list?batch=1&input=${listInput({ json: { search } })}`);
      expect(response.status).toBe(400);
      const [body] = (await response.json()) as [{ error: { json: { message: string } } }];
      expect(body.error.json.message).toMatch(/search: .*control character/);
    }
    // Ordinary text, including tabs and line breaks where a reason may have them, goes through.
    expect((await get(`/trpc/inquiries.list?batch=1&input=${listInput({ json: { search: 'ada lovelace' } })}`)).status).toBe(200);
    const reasonWithBreaks = await fetch(`${app.baseUrl}/trpc/links.revoke?batch=1`, {
      method: 'POST',
      headers: consoleHeaders(app, { cookie: adminCookie }),
      body: JSON.stringify({ 0: { json: { linkId: 'lnk_doesnotexist', reason: 'Line one\n\tline two, indented' } } }),
    });
    // Past the control-character check: the link is unknown (404), not the reason refused (400).
    expect(reasonWithBreaks.status).toBe(404);
  });

  it('answers malformed superjson metadata with a generic 400 and keeps the internal text for the log', async () => {
    const readable = (text: string) => expect(text).not.toMatch(/call stack|RegExp|flags|TypeError|SyntaxError|at .*\.js/);
    // Invalid RegExp flags in the type annotations.
    for (const meta of [{ values: { search: ['regexp'] } }, { values: { search: [['custom', 'nope']] } }]) {
      const response = await get(`/trpc/inquiries.list?batch=1&input=${listInput({ json: { search: '/a/zz' }, meta })}`);
      expect(response.status).toBe(400);
      const text = await response.text();
      readable(text);
      expect(text).toContain('The request could not be read: its input is malformed.');
    }
    // Nesting deep enough to exhaust the stack, in a mutation's body.
    const depth = 20_000;
    const deep = `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
    const deepMeta = `{"values":${'{"a":'.repeat(depth)}["undefined"]${'}'.repeat(depth)}}`;
    const response = await fetch(`${app.baseUrl}/trpc/links.revoke?batch=1`, {
      method: 'POST',
      headers: consoleHeaders(app, { cookie: adminCookie }),
      body: `{"0":{"json":${deep},"meta":${deepMeta}}}`,
    });
    expect(response.status).toBe(400);
    readable(await response.text());
    // The operator's log has the detail; the client did not.
    expect(warn.mock.calls.some((call) => call.includes('malformed request'))).toBe(true);
  });
});
