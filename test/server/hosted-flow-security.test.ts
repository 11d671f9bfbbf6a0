import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, HOUR, MINUTE, NOW, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * The hosted flow's security findings (issue 13), driven over HTTP against the real app:
 * - a bare inquiry id (no one-time code, no session token) shows prefilled PII masked, and starting an inquiry
 *   that way is recorded on its timeline (when, from which address) and in the audit log;
 * - HOSTED_FLOW_REQUIRE_CREDENTIAL=on refuses a bare id for a `created` inquiry;
 * - per-address rate limits on static links and on the flow's pages, counted in PostgreSQL (shared by instances);
 * - a cap on a static link's prefill (field count, value length, total size).
 */

const reason = 'User closed the browser mid-flow (ticket 4411)';
let keyCounter = 0;
const key = () => `flow-sec-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

interface Answer {
  status: number;
  location: string | null;
  body: string;
  headers: Headers;
}

/** A browser with a cookie jar (name → value; every flow cookie is on /verify), no automatic redirects, one client address. */
class Browser {
  private readonly jar = new Map<string, string>();
  constructor(
    private readonly base: string,
    private readonly address: string,
  ) {}

  get(path: string): Promise<Answer> {
    return this.request(path, { method: 'GET' });
  }

  post(path: string, form: Record<string, string>): Promise<Answer> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  async visit(path: string): Promise<Answer> {
    let url = path;
    for (let hops = 0; hops < 5; hops++) {
      const answer = await this.get(url);
      if (answer.status < 300 || answer.status >= 400 || !answer.location) return answer;
      url = answer.location;
    }
    throw new Error('too many redirects');
  }

  private async request(path: string, init: RequestInit): Promise<Answer> {
    const headers = new Headers(init.headers);
    // The app trusts loopback proxies (TRUST_PROXY's default): this is the address the flow sees.
    headers.set('x-forwarded-for', this.address);
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(new URL(path, this.base), { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.jar.delete(pair.slice(0, eq));
      else this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: response.status, location: response.headers.get('location'), body: await response.text(), headers: response.headers };
  }
}

const formTokenOf = (html: string) => /name="form-token" value="([^"]+)"/.exec(html)?.[1] ?? '';
const hiddenInputs = (html: string) => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1] ?? '', m[2] ?? '']));

const PREFILL = {
  'name-first': 'Ada',
  'name-last': 'Lovelace',
  'email-address': 'ada.lovelace@example.com',
  'phone-number': '+44 20 7946 0958',
  birthdate: '1815-12-10',
  'address-street-1': '12 St James Square',
};
/** What must not appear in clear on a page opened with a bare id. */
const CLEAR_VALUES = ['Lovelace', 'ada.lovelace', '7946 0958', '1815-12-10', 'James Square'];

let addressCounter = 0;
/** A fresh client address per test, so the shared rate-limit windows of one test do not touch another's. */
const nextAddress = () => `198.51.100.${++addressCounter}`;

async function listen(server: Server): Promise<string> {
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe.each(testEngines())('hosted flow security on %s', (engine) => {
  let database: TestDatabase;
  let kyc: TemplateFixture;
  let clock = NOW;
  const now = () => clock;
  const servers: Server[] = [];
  /** A running app with `env` on the shared database; its base URL. */
  const startApp = async (env: Record<string, string> = {}) => {
    const server = createApp(testDeps(database, now, env), { serveClient: false }).listen(0, '127.0.0.1');
    servers.push(server);
    return listen(server);
  };
  let base = '';
  let strictBase = '';

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    kyc = await addTemplate(database.db, 'KYC', 1);
    base = await startApp();
    strictBase = await startApp({ HOSTED_FLOW_REQUIRE_CREDENTIAL: 'on' });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await database?.close();
  });

  const createdInquiry = async () => {
    const id = await addInquiry(database.db, kyc, { status: 'created', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
    await database.db.updateTable('inquiries').set({ fields: JSON.stringify(PREFILL) }).where('id', '=', id).execute();
    return id;
  };
  const statusOf = async (id: string) => (await database.db.selectFrom('inquiries').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const sessionCount = async (id: string) => (await database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute()).length;
  const inquiryCount = async () => Number((await sql<{ n: string }>`select count(*) as n from inquiries`.execute(database.db)).rows[0]?.n);
  const admin = () => callerFor(database, now);

  describe('a bare inquiry id', () => {
    it('shows the prefilled details masked, as the console does, through confirm and submit', async () => {
      clock = NOW;
      const id = await createdInquiry();
      const user = new Browser(base, nextAddress());
      const page = await user.get(`/verify?inquiry-id=${id}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Confirm your details');
      for (const value of CLEAR_VALUES) expect(page.body).not.toContain(value);
      expect(page.body).toContain('L••••••'); // Lovelace, as the console masks it
      expect(page.body).toContain('a•••@example.com');
      expect(page.body).toContain('partly hidden');

      // Reloading with the session the visit got (its cookie) does not unmask them.
      const again = await user.get(`/verify?inquiry-id=${id}`);
      expect(again.status).toBe(200);
      for (const value of CLEAR_VALUES) expect(again.body).not.toContain(value);
      expect(await sessionCount(id)).toBe(1);

      const confirm = await user.post('/verify/confirm', { 'inquiry-id': id, 'form-token': formTokenOf(again.body) });
      expect(confirm.status).toBe(200);
      const done = await user.post('/verify/submit', { 'inquiry-id': id, 'form-token': formTokenOf(confirm.body) });
      expect(done.status).toBe(200);
      expect(done.body).toContain('Thank you');
      expect(await statusOf(id)).toBe('completed');
    });

    it('in the SDK iframe too, and the completion message the host page gets carries masked values', async () => {
      clock = NOW;
      const id = await createdInquiry();
      const frame = new Browser(base, nextAddress());
      const query = new URLSearchParams({ 'iframe-origin': 'http://localhost:4010', 'inquiry-id': id }).toString();
      const page = await frame.get(`/widget?${query}`);
      expect(page.status).toBe(200);
      for (const value of CLEAR_VALUES) expect(page.body).not.toContain(value);
      const confirm = await frame.post('/widget/confirm', hiddenInputs(page.body));
      expect(confirm.status).toBe(200);
      const done = await frame.post('/widget/submit', hiddenInputs(confirm.body));
      expect(done.status).toBe(200);
      expect(done.body).toContain('data-event="complete"');
      for (const value of CLEAR_VALUES) expect(done.body).not.toContain(value);
      expect(done.body).toContain('L••••••');
    });

    it('is recorded on the inquiry’s timeline (when, from which address) and in the audit log', async () => {
      clock = ahead(3 * MINUTE);
      const id = await createdInquiry();
      const user = new Browser(base, '2001:db8:1:2:aaaa:bbbb:cccc:dddd');
      expect((await user.get(`/verify?inquiry-id=${id}`)).status).toBe(200);

      const detail = await admin().inquiries.get({ id });
      const event = detail.timeline.find((e) => e.kind === 'started_from_bare_id');
      expect(event).toBeDefined();
      expect(event?.occurredAt).toEqual(clock);
      // An IPv6 address by its /64, as the partner API counts it.
      expect(event?.detail).toMatchObject({ address: '2001:db8:1:2::/64', via: '/verify' });
      expect(JSON.stringify(event?.detail)).not.toMatch(/session-?token|eyJ/i);

      const audit = await database.db
        .selectFrom('audit_events')
        .select(['actor_type', 'action', 'target_id', 'ip', 'occurred_at'])
        .where('action', '=', 'inquiry.started_from_bare_id')
        .where('target_id', '=', id)
        .execute();
      expect(audit).toEqual([{ actor_type: 'system', action: 'inquiry.started_from_bare_id', target_id: id, ip: '2001:db8:1:2:aaaa:bbbb:cccc:dddd', occurred_at: clock }]);
    });

    it('a one-time code is not a bare id: details in clear, nothing recorded as bare', async () => {
      clock = NOW;
      const id = await createdInquiry();
      const link = await admin().links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      const user = new Browser(base, nextAddress());
      const page = await user.visit(`/verify${new URL(link.url).search}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Lovelace');
      expect(page.body).not.toContain('partly hidden');
      expect((await user.get(`/verify?inquiry-id=${id}`)).body).toContain('Lovelace');
      const kinds = (await admin().inquiries.get({ id })).timeline.map((e) => e.kind);
      expect(kinds).toContain('started');
      expect(kinds).not.toContain('started_from_bare_id');
    });

    it('after a bare-id start, the session staff hand the real user (a resume) shows the details in clear', async () => {
      clock = NOW;
      const id = await createdInquiry();
      expect((await new Browser(base, nextAddress()).get(`/verify?inquiry-id=${id}`)).body).not.toContain('Lovelace');
      const { sessionToken } = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
      const page = await new Browser(base, nextAddress()).visit(`/verify?inquiry-id=${id}&session-token=${encodeURIComponent(sessionToken)}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Lovelace');
    });
  });

  describe('HOSTED_FLOW_REQUIRE_CREDENTIAL=on', () => {
    it('refuses a bare id for a created inquiry with a page asking for a new link, and starts nothing', async () => {
      clock = NOW;
      const id = await createdInquiry();
      const page = await new Browser(strictBase, nextAddress()).get(`/verify?inquiry-id=${id}`);
      expect(page.status).toBe(403);
      expect(page.body).toContain('This link is incomplete');
      expect(page.body).toContain('ask');
      for (const value of CLEAR_VALUES) expect(page.body).not.toContain(value);
      expect(page.body).not.toContain('Ada');
      const widget = await new Browser(strictBase, nextAddress()).get(`/widget?${new URLSearchParams({ 'iframe-origin': 'http://localhost:4010', 'inquiry-id': id }).toString()}`);
      expect(widget.status).toBe(403);
      expect(widget.body).toContain('This link is incomplete');
      expect(await statusOf(id)).toBe('created');
      expect(await sessionCount(id)).toBe(0);
    });

    it('still opens a created inquiry with a one-time code, and a pending one with its session token', async () => {
      clock = NOW;
      const viaCode = await createdInquiry();
      const link = await admin().links.createOneTime({ inquiryId: viaCode, reason, idempotencyKey: key() });
      const user = new Browser(strictBase, nextAddress());
      const page = await user.visit(`/verify${new URL(link.url).search}`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('Confirm your details');
      expect(await statusOf(viaCode)).toBe('pending');
      // The session now lives in the cookie: coming back works.
      expect((await user.get(`/verify?inquiry-id=${viaCode}`)).status).toBe(200);

      // A pending inquiry with the session token from a resume, as before.
      const pending = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
      const { sessionToken } = await admin().inquiries.resume({ id: pending, reason, idempotencyKey: key() });
      const tokenPage = await new Browser(strictBase, nextAddress()).visit(`/verify?inquiry-id=${pending}&session-token=${encodeURIComponent(sessionToken)}`);
      expect(tokenPage.status).toBe(200);
      expect(tokenPage.body).toContain('Lovelace');
    });

    it('is off unless set, accepts off|on (empty means unset) and names the variable otherwise', () => {
      expect(loadConfig({}).hostedFlow.requireCredential).toBe(false);
      expect(loadConfig({ HOSTED_FLOW_REQUIRE_CREDENTIAL: '' }).hostedFlow.requireCredential).toBe(false);
      expect(loadConfig({ HOSTED_FLOW_REQUIRE_CREDENTIAL: 'on' }).hostedFlow.requireCredential).toBe(true);
      expect(() => loadConfig({ HOSTED_FLOW_REQUIRE_CREDENTIAL: 'yes' })).toThrow(/HOSTED_FLOW_REQUIRE_CREDENTIAL/);
    });
  });

  describe('rate limits per client address, shared through the database', () => {
    const staticLink = (n: number) => `/verify?inquiry-template-id=${kyc.id}&reference-id=usr-rate-${n}&${encodeURIComponent('fields[name-first]')}=Grace`;

    it('static links: 10 new inquiries a minute from one address, then 429 with Retry-After; other addresses unaffected', async () => {
      clock = new Date(NOW.getTime() + 2 * HOUR + 15_000); // 15 s into a minute
      const address = nextAddress();
      const before = await inquiryCount();
      for (let n = 0; n < 10; n++) expect((await new Browser(base, address).get(staticLink(n))).status).toBe(303);
      const refused = await new Browser(base, address).get(staticLink(10));
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('45');
      expect(refused.headers.get('content-type')).toMatch(/^text\/html/);
      expect(refused.body).toContain('Too many');
      expect(await inquiryCount()).toBe(before + 10);

      // Another address still gets its inquiry; the next minute this one does again.
      expect((await new Browser(base, nextAddress()).get(staticLink(11))).status).toBe(303);
      clock = new Date(clock.getTime() + 45_000);
      expect((await new Browser(base, address).get(staticLink(12))).status).toBe(303);
    });

    it('counts an IPv6 client by its /64, and across instances on one database', async () => {
      clock = new Date(NOW.getTime() + 3 * HOUR);
      const other = await startApp();
      for (let n = 0; n < 5; n++) expect((await new Browser(base, `2001:db8:77:1::${n + 1}`).get(staticLink(100 + n))).status).toBe(303);
      for (let n = 5; n < 10; n++) expect((await new Browser(other, `2001:db8:77:1::${n + 1}`).get(staticLink(100 + n))).status).toBe(303);
      expect((await new Browser(other, '2001:db8:77:1:ffff::1').get(staticLink(110))).status).toBe(429);
      expect((await new Browser(base, '2001:db8:77:1::99').get(staticLink(111))).status).toBe(429);
      expect((await new Browser(base, '2001:db8:77:2::1').get(staticLink(112))).status).toBe(303);
    });

    it('every page of the flow: HOSTED_FLOW_REQUESTS_PER_MINUTE a minute from one address, then a 429 page', async () => {
      clock = new Date(NOW.getTime() + 4 * HOUR);
      const limited = await startApp({ HOSTED_FLOW_REQUESTS_PER_MINUTE: '5', HOSTED_FLOW_STATIC_LINKS_PER_MINUTE: '3' });
      const address = nextAddress();
      for (let n = 0; n < 5; n++) expect((await new Browser(limited, address).get('/verify?inquiry-id=inq_doesnotexist')).status).toBe(404);
      const refused = await new Browser(limited, address).get('/verify?inquiry-id=inq_doesnotexist');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('60');
      expect(refused.body).toContain('Too many');
      const widget = await new Browser(limited, address).get(`/widget?${new URLSearchParams({ 'iframe-origin': 'http://localhost:4010', 'inquiry-id': 'inq_x' }).toString()}`);
      expect(widget.status).toBe(429);
      // The refusal can be shown inside the SDK's iframe.
      expect(widget.headers.get('content-security-policy')).toContain('frame-ancestors http://localhost:4010');

      const other = nextAddress();
      for (let n = 0; n < 3; n++) expect((await new Browser(limited, other).get(staticLink(200 + n))).status).toBe(303);
      expect((await new Browser(limited, other).get(staticLink(203))).status).toBe(429);
    });

    it('defaults: 120 flow requests and 10 static links a minute; bad values name the variable', () => {
      expect(loadConfig({}).hostedFlow).toMatchObject({ requestsPerMinute: 120, staticLinksPerMinute: 10 });
      expect(() => loadConfig({ HOSTED_FLOW_STATIC_LINKS_PER_MINUTE: '0' })).toThrow(/HOSTED_FLOW_STATIC_LINKS_PER_MINUTE/);
      expect(() => loadConfig({ HOSTED_FLOW_REQUESTS_PER_MINUTE: 'lots' })).toThrow(/HOSTED_FLOW_REQUESTS_PER_MINUTE/);
    });
  });

  describe('a static link’s prefill', () => {
    const link = (fields: Record<string, string>) => {
      const query = new URLSearchParams({ 'inquiry-template-id': kyc.id, 'reference-id': `usr-prefill-${key()}` });
      for (const [name, value] of Object.entries(fields)) query.set(`fields[${name}]`, value);
      return `/verify?${query.toString()}`;
    };
    const many = (count: number, length: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`field-${i}`, 'x'.repeat(length)]));

    it('takes up to 20 fields of up to 256 characters, 4 KB in all', async () => {
      clock = new Date(NOW.getTime() + 5 * HOUR);
      expect((await new Browser(base, nextAddress()).get(link(many(20, 190)))).status).toBe(303);
      expect((await new Browser(base, nextAddress()).get(link({ ...PREFILL, 'address-street-1': 's'.repeat(256) }))).status).toBe(303);
    });

    it('refuses more fields, a longer value, a larger total or control characters with a 400 page, creating nothing', async () => {
      clock = new Date(NOW.getTime() + 5 * HOUR);
      const before = await inquiryCount();
      for (const fields of [many(21, 5), { 'name-first': 'x'.repeat(257) }, many(17, 250), { 'name-first': 'Ada\u0007' }]) {
        const page = await new Browser(base, nextAddress()).get(link(fields));
        expect(page.status).toBe(400);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        expect(page.body).toContain('prefilled');
        expect(page.body).toContain('20');
      }
      const widget = await new Browser(base, nextAddress()).get(`/widget${link(many(21, 5)).slice('/verify'.length)}&iframe-origin=${encodeURIComponent('http://localhost:4010')}`);
      expect(widget.status).toBe(400);
      expect(await inquiryCount()).toBe(before);
    });
  });
});
