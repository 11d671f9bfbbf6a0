import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../shared/auth.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { consoleHeaders, createStaffAccount, signIn, startApp, type RunningApp, type StaffAccount } from '../helpers/auth.js';

/** CSRF defences and security headers (engine-independent: PGlite only). */
describe('request safety', () => {
  let database: TestDatabase;
  let app: RunningApp;
  let admin: StaffAccount;
  let cookie: string;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    app = await startApp(database);
    admin = await createStaffAccount(database.db, { role: 'admin' });
    cookie = await signIn(app, admin.email, admin.password);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const origin = () => new URL(app.baseUrl).origin;
  const post = (path: string, headers: Record<string, string>, body: string) => fetch(`${app.baseUrl}${path}`, { method: 'POST', headers, body });
  const loginBody = () => JSON.stringify({ email: admin.email, password: admin.password });
  const createBody = JSON.stringify({ json: { email: 'csrf-victim@staff.test', displayName: 'Victim', role: 'admin', reason: 'CSRF test account' } });

  it('refuses a cross-site HTML form post (no custom header, foreign Origin)', async () => {
    const response = await post(
      '/auth/login',
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      `email=${encodeURIComponent(admin.email)}&password=${encodeURIComponent(admin.password)}`,
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('refuses a tRPC mutation with the session cookie but without the custom header', async () => {
    const response = await post('/trpc/staff.create', { 'content-type': 'application/json', origin: origin(), cookie }, createBody);
    expect(response.status).toBe(403);
    const row = await database.db.selectFrom('staff').select('id').where('email', '=', 'csrf-victim@staff.test').executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('refuses the custom header from another origin', async () => {
    const headers = { ...consoleHeaders(app, { cookie }), origin: 'https://evil.example' };
    expect((await post('/trpc/staff.create', headers, createBody)).status).toBe(403);
    expect((await post('/auth/login', headers, loginBody())).status).toBe(403);
    expect((await post('/auth/logout', headers, '')).status).toBe(403);
  });

  it('refuses an opaque (null) Origin and a missing Origin without Sec-Fetch-Site: same-origin', async () => {
    const base = { 'content-type': 'application/json', [CSRF_HEADER]: '1' };
    expect((await post('/auth/login', { ...base, origin: 'null' }, loginBody())).status).toBe(403);
    expect((await post('/auth/login', base, loginBody())).status).toBe(403);
    expect((await post('/auth/login', { ...base, 'sec-fetch-site': 'same-site' }, loginBody())).status).toBe(403);
    expect((await post('/auth/login', { ...base, [CSRF_HEADER]: '0', origin: origin() }, loginBody())).status).toBe(403);
  });

  it('accepts the console: custom header plus its own Origin, or Sec-Fetch-Site: same-origin', async () => {
    expect((await post('/auth/login', consoleHeaders(app), loginBody())).status).toBe(200);
    const noOrigin = { 'content-type': 'application/json', [CSRF_HEADER]: '1', 'sec-fetch-site': 'same-origin' };
    expect((await post('/auth/login', noOrigin, loginBody())).status).toBe(200);
    const created = await post('/trpc/staff.create', consoleHeaders(app, { cookie }), createBody);
    expect(created.status).toBe(200);
  });

  it('leaves reads alone: GET needs no custom header', async () => {
    expect((await fetch(`${app.baseUrl}/trpc/auth.me`, { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(200);
  });

  it('answers 401 to anonymous procedure calls and 403 naming the permission to roles without it', async () => {
    const anonymous = await fetch(`${app.baseUrl}/trpc/inquiries.overview`);
    expect(anonymous.status).toBe(401);
    const viewer = await createStaffAccount(database.db, { role: 'viewer' });
    const viewerCookie = await signIn(app, viewer.email, viewer.password);
    const forbidden = await fetch(`${app.baseUrl}/trpc/staff.list`, { headers: { cookie: viewerCookie } });
    expect(forbidden.status).toBe(403);
    const body = (await forbidden.json()) as { error: { json: { message: string } } };
    expect(body.error.json.message).toBe("Your role (viewer) does not have the permission 'staff:manage'.");
  });

  it('sends strict security headers with the console and the API', async () => {
    for (const path of ['/healthz', '/trpc/auth.me', '/auth/no-such-route']) {
      const response = await fetch(`${app.baseUrl}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
      expect(directives.get('default-src'), path).toEqual(["'self'"]);
      expect(directives.get('script-src')).toEqual(["'self'"]);
      expect(directives.get('script-src-attr')).toEqual(["'none'"]);
      expect(directives.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(directives.get('base-uri')).toEqual(["'none'"]);
      expect(directives.get('form-action')).toEqual(["'self'"]);
      expect(csp).not.toContain('upgrade-insecure-requests'); // http PUBLIC_URL
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('strict-transport-security')).toBeNull(); // http PUBLIC_URL
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
    expect((await fetch(`${app.baseUrl}/trpc/auth.me`)).headers.get('cache-control')).toBe('no-store');
  });

  it('leaves the hosted flow embeddable (no frame-ancestors, no X-Frame-Options) but still nosniff', async () => {
    const response = await fetch(`${app.baseUrl}/verify`);
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('content-security-policy') ?? '').not.toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
