import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createLogger } from '../../server/logger.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, HOUR, issuedLink, liveSessionUntilDrift, MINUTE, NOW, testDeps, type InquiryOptions, type TemplateFixture } from './fixtures.js';

const reason = 'User closed the browser mid-flow (ticket 4411)';
let keyCounter = 0;
const key = () => `hosted-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

interface Answer {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
  setCookies: string[];
}

/** A tiny browser: a cookie jar that honours Path and deletion, and no automatic redirects. */
class Browser {
  private readonly jar = new Map<string, { value: string; path: string }>();
  constructor(private readonly base: () => string) {}

  get(path: string, init: RequestInit = {}): Promise<Answer> {
    return this.request(path, { ...init, method: init.method ?? 'GET' });
  }

  post(path: string, form: Record<string, string>): Promise<Answer> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  /** GET, then follow redirects as a browser would. */
  async visit(path: string): Promise<Answer & { url: string }> {
    let url = path;
    for (let hops = 0; hops < 5; hops++) {
      const answer = await this.get(url);
      if (answer.status < 300 || answer.status >= 400 || !answer.location) return { ...answer, url };
      url = answer.location;
    }
    throw new Error('too many redirects');
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name)?.value;
  }

  private async request(path: string, init: RequestInit): Promise<Answer> {
    const url = new URL(path, this.base());
    const cookie = [...this.jar]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(`${c.path}/`) || c.path === '/')
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const attr = (n: string) => attributes.find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const expires = attr('expires');
      const gone = attr('max-age') === '0' || (expires !== undefined && new Date(expires).getTime() <= Date.now());
      if (gone) this.jar.delete(name);
      else this.jar.set(name, { value: pair.slice(eq + 1), path: attr('path') ?? '/' });
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text(), headers: response.headers, setCookies };
  }
}

const formTokenOf = (html: string) => {
  const token = /name="form-token" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no form token in the page');
  return token;
};

describe.each(testEngines())('the local hosted flow on %s', (engine) => {
  let database: TestDatabase;
  let kyc: TemplateFixture;
  let server: Server;
  let base = '';
  let clock = NOW;
  const now = () => clock;
  const admin = () => callerFor(database, now);
  const browser = () => new Browser(() => base);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    kyc = await addTemplate(database.db, 'KYC', 1);
    server = createApp(testDeps(database, now), { serveClient: false }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await database?.close();
  });
  beforeEach(() => {
    clock = NOW;
  });

  const fresh = (status: string, extra: Partial<InquiryOptions> = {}) =>
    addInquiry(database.db, kyc, { status, createdAt: ago(2 * HOUR), expiresAt: status === 'created' || status === 'pending' ? ahead(20 * HOUR) : ago(HOUR), ...extra });
  const inquiry = (id: string) =>
    database.db.selectFrom('inquiries').select(['status', 'kind', 'reference_id', 'fields', 'started_at', 'completed_at', 'expires_at', 'template_id']).where('id', '=', id).executeTakeFirstOrThrow();
  const eventKinds = async (id: string) =>
    (await database.db.selectFrom('inquiry_events').select('kind').where('inquiry_id', '=', id).orderBy('id').execute()).map((e) => e.kind);
  const linkRow = (linkId: string) =>
    database.db.selectFrom('access_links').select(['use_count', 'first_used_at', 'last_used_at', 'session_id']).where('id', '=', linkId).executeTakeFirstOrThrow();

  it('a created inquiry opens for anyone with the link: it starts (recorded), gets an end-user session and a cookie, details masked', async () => {
    const id = await fresh('created');
    const user = browser();
    const page = await user.get(`/verify?inquiry-id=${id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1 tabindex="-1">Confirm your details</h1>');
    // A bare id proves nothing: the prefilled details show masked (hosted-flow-security.test.ts has the rest).
    expect(page.body).not.toContain('Lovelace');
    expect(page.body).toContain('L••••••');
    expect(page.body).toMatch(/<button type="submit" class="primary">Continue<\/button>/);
    const cookie = page.setCookies.find((c) => c.startsWith(`idv_${id}=`)) ?? '';
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\/verify(;|$)/);
    const token = user.cookie(`idv_${id}`) ?? '';
    expect(token.split('.')).toHaveLength(3);
    expect(page.body).not.toContain(token);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBeNull();
    expect(page.headers.get('cache-control')).toBe('no-store');

    expect(await inquiry(id)).toMatchObject({ status: 'pending', started_at: NOW, expires_at: new Date(NOW.getTime() + DAY) });
    const sessions = await database.db.selectFrom('inquiry_sessions').select(['issued_by_type', 'started_at', 'last_used_at']).where('inquiry_id', '=', id).execute();
    expect(sessions).toEqual([{ issued_by_type: 'end_user', started_at: NOW, last_used_at: NOW }]);
    expect(await eventKinds(id)).toEqual(['created', 'started', 'session.issued', 'session.started', 'started_from_bare_id']);

    // Coming back in the same browser: the cookie opens the now pending inquiry, with no new session.
    clock = ahead(10 * MINUTE);
    const again = await user.get(`/verify?inquiry-id=${id}`);
    expect(again.status).toBe(200);
    expect(again.setCookies).toEqual([]);
    expect(await database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute()).toHaveLength(1);
  });

  it('a pending inquiry without a token shows the expired-session page (403)', async () => {
    const id = await fresh('pending');
    const page = await browser().get(`/verify?inquiry-id=${id}`);
    expect(page.status).toBe(403);
    expect(page.body).toContain('This session has expired — ask for a new link');
    expect(page.setCookies).toEqual([]);
  });

  it('opens with the token from inquiries.resume, and a redirect takes the token out of the address bar', async () => {
    const id = await fresh('pending');
    const { sessionToken, sessionId } = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
    const user = browser();
    const entry = await user.get(`/verify?inquiry-id=${id}&session-token=${encodeURIComponent(sessionToken)}`);
    expect(entry.status).toBe(303);
    expect(entry.location).toBe(`/verify?inquiry-id=${id}`);
    expect(user.cookie(`idv_${id}`)).toBe(sessionToken);
    const page = await user.get(entry.location ?? '');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Confirm your details');
    expect(page.body).not.toContain(sessionToken);
    const session = await database.db.selectFrom('inquiry_sessions').select(['started_at', 'last_used_at']).where('id', '=', sessionId).executeTakeFirstOrThrow();
    expect(session).toEqual({ started_at: NOW, last_used_at: NOW });
    expect((await eventKinds(id)).filter((k) => k === 'session.started')).toHaveLength(1);

    // Another inquiry's token, a forged one and an expired one do not open it.
    const other = await fresh('pending');
    const otherToken = (await admin().inquiries.resume({ id: other, reason, idempotencyKey: key() })).sessionToken;
    expect((await browser().get(`/verify?inquiry-id=${id}&session-token=${encodeURIComponent(otherToken)}`)).status).toBe(403);
    expect((await browser().get(`/verify?inquiry-id=${id}&session-token=${encodeURIComponent(`${sessionToken}x`)}`)).status).toBe(403);
    clock = ahead(21 * HOUR);
    expect((await user.get(`/verify?inquiry-id=${id}`)).status).toBe(410); // the inquiry itself is past its expiry now
  });

  it('a token link opens the inquiry and counts its use; once revoked it no longer opens', async () => {
    const id = await fresh('pending');
    const link = issuedLink(await admin().links.createWithToken({ inquiryId: id, reason, ticket: 'ZD-4411', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
    const url = new URL(link.url);
    expect(url.pathname).toBe('/verify');
    const user = browser();
    const page = await user.visit(`/verify${url.search}`);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`/verify?inquiry-id=${id}`);
    expect(await linkRow(link.linkId)).toMatchObject({ use_count: 1, first_used_at: NOW, last_used_at: NOW });

    await admin().links.revoke({ linkId: link.linkId, reason });
    const refused = await browser().get(`/verify${url.search}`);
    expect(refused.status).toBe(410);
    expect(refused.body).toContain('This link has been revoked');
    const viaCookie = await user.get(`/verify?inquiry-id=${id}`);
    expect(viaCookie.status).toBe(410);
    expect(viaCookie.setCookies.join()).toMatch(new RegExp(`idv_${id}=;`)); // the dead cookie is cleared
    expect((await linkRow(link.linkId)).use_count).toBe(1);
  });

  it('a one-time link opens once, again within the 5-minute grace (same session), and not after it', async () => {
    const id = await fresh('created');
    const link = await admin().links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
    const search = new URL(link.url).search;
    expect(search).toMatch(/^\?code=/);

    const first = await browser().visit(`/verify${search}`);
    expect(first.status).toBe(200);
    expect(first.url).toBe(`/verify?inquiry-id=${id}`);
    expect((await inquiry(id)).status).toBe('pending');
    const used = await linkRow(link.linkId);
    expect(used).toMatchObject({ use_count: 1, first_used_at: NOW });
    expect(used.session_id).toMatch(/^iqse_/);

    clock = ahead(4 * MINUTE);
    const second = await browser().visit(`/verify${search}`);
    expect(second.status).toBe(200);
    expect(await linkRow(link.linkId)).toMatchObject({ use_count: 2, first_used_at: NOW, session_id: used.session_id });

    clock = ahead(5 * MINUTE + 1000);
    const third = await browser().get(`/verify${search}`);
    expect(third.status).toBe(410);
    expect(third.body).toContain('This link has already been used — ask for a new one');
    expect((await linkRow(link.linkId)).use_count).toBe(2);
    expect(await database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute()).toHaveLength(1);
  });

  it('a one-time link that was revoked or has expired, or an unknown code, does not open', async () => {
    const revokedFor = await fresh('pending');
    const revoked = await admin().links.createOneTime({ inquiryId: revokedFor, reason, idempotencyKey: key() });
    await admin().links.revoke({ linkId: revoked.linkId, reason });
    const refused = await browser().get(`/verify${new URL(revoked.url).search}`);
    expect(refused.status).toBe(410);
    expect(refused.body).toContain('This link has been revoked');

    const expiring = await admin().links.createOneTime({ inquiryId: await fresh('pending'), reason, idempotencyKey: key() });
    clock = ahead(61 * MINUTE);
    const expired = await browser().get(`/verify${new URL(expiring.url).search}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('This verification link has expired');
    expect((await linkRow(expiring.linkId)).use_count).toBe(0);

    const unknown = await browser().get('/verify?code=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(unknown.status).toBe(404);
  });

  it('explains expired, submitted, unknown and incomplete links', async () => {
    const expired = await browser().get(`/verify?inquiry-id=${await fresh('expired')}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('This verification link has expired');
    // Past its expiry but not yet swept: expired all the same, and nothing is started.
    const overdue = await fresh('created', { expiresAt: ago(MINUTE) });
    expect((await browser().get(`/verify?inquiry-id=${overdue}`)).status).toBe(410);
    expect((await inquiry(overdue)).status).toBe('created');

    const submitted = await browser().get(`/verify?inquiry-id=${await fresh('completed')}`);
    expect(submitted.status).toBe(200);
    expect(submitted.body).toContain('Already submitted');
    expect((await browser().get('/verify?inquiry-id=inq_doesnotexist')).status).toBe(404);
    expect((await browser().get('/verify?inquiry-id=../etc')).status).toBe(404);
    expect((await browser().get('/verify')).status).toBe(400);
  });

  it('a static link creates a just-in-time inquiry with the reference id, started, on each visit', async () => {
    const user = browser();
    const entry = await user.get(`/verify?inquiry-template-id=${kyc.id}&reference-id=ref-123-abc&fields%5Bname-first%5D=Grace`);
    expect(entry.status).toBe(303);
    const newId = /^\/verify\?inquiry-id=(inq_[A-Za-z0-9]+)$/.exec(entry.location ?? '')?.[1] ?? '';
    expect(await inquiry(newId)).toMatchObject({ kind: 'just_in_time', reference_id: 'ref-123-abc', status: 'pending', template_id: kyc.id, fields: { 'name-first': 'Grace' } });
    const page = await user.get(entry.location ?? '');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Grace');

    // The seed's own example spells it reference_id.
    const second = await browser().get(`/verify?inquiry-template-id=${kyc.id}&reference_id=ref-123-abc`);
    const secondId = /inquiry-id=(inq_[A-Za-z0-9]+)/.exec(second.location ?? '')?.[1] ?? '';
    expect(secondId).not.toBe(newId);
    expect((await inquiry(secondId)).reference_id).toBe('ref-123-abc');

    const unknown = await browser().get('/verify?inquiry-template-id=itmpl_nope&reference-id=x');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('This verification link is not valid');
  });

  it('confirm and submit complete the inquiry exactly once, even under two concurrent submits', async () => {
    const id = await fresh('created');
    const user = browser();
    const page = await user.get(`/verify?inquiry-id=${id}`);
    const confirm = await user.post('/verify/confirm', { 'inquiry-id': id, 'form-token': formTokenOf(page.body) });
    expect(confirm.status).toBe(200);
    expect(confirm.body).toContain('Submit your verification');
    expect(confirm.body).toMatch(/<button type="submit" class="primary">Submit<\/button>/);
    expect((await inquiry(id)).status).toBe('pending');

    clock = ahead(MINUTE);
    const form = { 'inquiry-id': id, 'form-token': formTokenOf(confirm.body) };
    const answers = await Promise.all([user.post('/verify/submit', form), user.post('/verify/submit', form)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 200)?.body).toContain('Thank you');
    expect(answers.find((a) => a.status === 409)?.body).toContain('Already submitted');
    expect(await inquiry(id)).toMatchObject({ status: 'completed', completed_at: ahead(MINUTE) });
    expect((await eventKinds(id)).filter((k) => k === 'completed')).toHaveLength(1);
    const updated = await sql<{ updated_at: Date }>`select updated_at from inquiries where id = ${id}`.execute(database.db);
    expect(updated.rows[0]?.updated_at).toEqual(ahead(MINUTE));
  });

  it('refuses a step posted without the form token, with another session’s token, or without the session', async () => {
    const id = await fresh('created');
    const user = browser();
    const page = await user.get(`/verify?inquiry-id=${id}`);
    const formToken = formTokenOf(page.body);

    const missing = await user.post('/verify/submit', { 'inquiry-id': id });
    expect(missing.status).toBe(403);
    expect(missing.body).toContain('This page has expired');
    const otherId = await fresh('created');
    const otherToken = formTokenOf((await browser().get(`/verify?inquiry-id=${otherId}`)).body);
    expect((await user.post('/verify/submit', { 'inquiry-id': id, 'form-token': otherToken })).status).toBe(403);
    const noSession = await browser().post('/verify/submit', { 'inquiry-id': id, 'form-token': formToken });
    expect(noSession.status).toBe(403);
    expect(noSession.body).toContain('This session has expired');
    expect((await inquiry(id)).status).toBe('pending');

    expect((await user.post('/verify/submit', { 'inquiry-id': id, 'form-token': formToken })).status).toBe(200);
    expect((await inquiry(id)).status).toBe('completed');
  });

  it('never writes a session token or a one-time code to the log', async () => {
    const lines: string[] = [];
    const deps = { ...testDeps(database, now), log: createLogger('trace', { write: (line: string) => void lines.push(line) }) };
    const logged = createApp(deps, { serveClient: false }).listen(0, '127.0.0.1');
    await new Promise((resolve) => logged.once('listening', resolve));
    try {
      const loggedBase = `http://127.0.0.1:${(logged.address() as AddressInfo).port}`;
      const user = new Browser(() => loggedBase);
      const id = await fresh('pending');
      const { sessionToken } = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      const link = await admin().links.createOneTime({ inquiryId: await fresh('created'), reason, idempotencyKey: key() });
      const code = new URL(link.url).searchParams.get('code') ?? '';
      await user.visit(`/verify?inquiry-id=${id}&session-token=${encodeURIComponent(sessionToken)}`);
      await user.visit(`/verify?code=${code}`);
      await user.get(`/widget?iframe-origin=${encodeURIComponent('http://localhost:4010')}&inquiry-id=${id}&session-token=${encodeURIComponent(sessionToken)}`);
      await user.post('/verify/submit', { 'inquiry-id': id, 'form-token': 'wrong' });
      expect(lines.length).toBeGreaterThan(3);
      const log = lines.join('\n');
      expect(log).not.toContain(sessionToken);
      expect(log).not.toContain(sessionToken.split('.')[2]);
      expect(log).not.toContain(code);
    } finally {
      await new Promise((resolve) => logged.close(resolve));
    }
  });

  it('HEAD (link scanners) neither starts an inquiry nor spends a one-time code', async () => {
    const id = await fresh('created');
    const link = await admin().links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
    expect((await browser().get(`/verify?inquiry-id=${id}`, { method: 'HEAD' })).status).toBe(200);
    expect((await browser().get(`/verify${new URL(link.url).search}`, { method: 'HEAD' })).status).toBe(200);
    expect((await inquiry(id)).status).toBe('created');
    expect((await linkRow(link.linkId)).use_count).toBe(0);
  });

  describe('/widget (the persona SDK iframe)', () => {
    const origin = 'http://localhost:4010';
    const sdkQuery = (extra: Record<string, string>) =>
      new URLSearchParams({ 'client-version': '5.9.0', 'container-id': 'persona-widget-abc123', 'flow-type': 'embedded', 'iframe-origin': origin, language: 'en', ...extra }).toString();

    it('may be framed only by the iframe origin, carries the token in its form, and completes', async () => {
      const id = await fresh('pending');
      const { sessionToken } = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      const frame = browser();
      const page = await frame.get(`/widget?${sdkQuery({ 'inquiry-id': id, 'session-token': sessionToken, 'environment-id': 'env_test' })}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain(`frame-ancestors ${origin}`);
      expect(page.headers.get('x-frame-options')).toBeNull();
      expect(page.setCookies).toEqual([]);
      expect(page.body).toContain(`<input type="hidden" name="session-token" value="${sessionToken}">`);
      expect(page.body.split(sessionToken)).toHaveLength(2); // only there
      expect(page.body).toContain('<script type="module" src="/verify/assets/flow.mjs"></script>');
      expect(page.body).toContain('data-container-id="persona-widget-abc123"');
      expect(page.body).not.toMatch(/<script>|<script type="text\/javascript">|\son[a-z]+=/i);

      const hidden = (html: string) => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
      const confirm = await frame.post('/widget/confirm', hidden(page.body));
      expect(confirm.status).toBe(200);
      expect(confirm.headers.get('content-security-policy')).toContain(`frame-ancestors ${origin}`);
      // Without the session token the same form is refused.
      const { 'session-token': _token, ...withoutToken } = hidden(confirm.body);
      expect((await frame.post('/widget/submit', withoutToken)).status).toBe(403);
      const done = await frame.post('/widget/submit', hidden(confirm.body));
      expect(done.status).toBe(200);
      expect(done.body).toContain('data-event="complete"');
      expect(done.body).toContain('&#34;name-first&#34;:{&#34;type&#34;:&#34;string&#34;,&#34;value&#34;:&#34;Ada&#34;}');
      expect((await inquiry(id)).status).toBe('completed');
    });

    it('a template id in the SDK starts a just-in-time inquiry, and the page echoes the template id for the SDK', async () => {
      const page = await browser().get(`/widget?${sdkQuery({ 'inquiry-template-id': kyc.id, 'reference-id': 'usr_sdk_1', 'fields[name-first]': 'Grace' })}`);
      expect(page.status).toBe(200);
      // An SDK client created with templateId drops messages that do not carry the same templateId.
      expect(page.body).toContain(`data-template-id="${kyc.id}"`);
      expect(page.body).toContain('data-event="start"');
      expect(page.body).toContain(`<input type="hidden" name="inquiry-template-id" value="${kyc.id}">`);
      const id = /data-inquiry-id="(inq_[A-Za-z0-9]+)"/.exec(page.body)?.[1] ?? '';
      expect(await inquiry(id)).toMatchObject({ kind: 'just_in_time', reference_id: 'usr_sdk_1', status: 'pending', fields: { 'name-first': 'Grace' } });
    });

    it('refuses an iframe origin that is not an http(s) origin, and cannot be framed then', async () => {
      const id = await fresh('created');
      for (const bad of ['javascript:alert(1)', 'http://a.test; script-src *', 'http://a.test/path', 'null', '']) {
        const page = await browser().get(`/widget?${sdkQuery({ 'inquiry-id': id, 'iframe-origin': bad })}`);
        expect(page.status).toBe(400);
        expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
      expect((await inquiry(id)).status).toBe('created');
    });

    it('serves its script and stylesheet as static files, nothing else', async () => {
      const script = await fetch(`${base}/verify/assets/flow.mjs`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await script.text()).toContain('window.parent.postMessage');
      expect((await fetch(`${base}/verify/assets/flow.css`)).headers.get('content-type')).toMatch(/^text\/css/);
      expect((await fetch(`${base}/verify/assets/router.ts`)).status).toBe(404);
    });
  });

  it('leaves every inquiry it issued sessions for with live_session_until as its sessions say (the Stuck view reads it)', async () => {
    expect(await liveSessionUntilDrift(database.db)).toEqual([]);
  });
});
