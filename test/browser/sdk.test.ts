import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, callerFor, DAY, HOUR, type TemplateFixture } from '../server/fixtures.js';
import { testDeps } from '../server/fixtures.js';
import { browserOrSkip, openBrowser } from './harness.js';

/**
 * The seed's embedded-SDK scenario end to end: a customer's page on another origin loads the real `persona`
 * package, which frames this server's /widget; the user confirms and submits inside the iframe, and the page's
 * callbacks fire. Exiting mid-flow hands the page the inquiry id and session token to resume with later.
 */
const run = browserOrSkip();
const reason = 'Embedded flow test: user returns to the app';
const HOST_PAGE = fs.readFileSync(new URL('./fixtures/host.html', import.meta.url));
const PERSONA_UMD = fs.readFileSync(createRequire(import.meta.url).resolve('persona/dist/persona.js'));

interface SdkEvent {
  name: string;
  payload: unknown;
}
/** What fixtures/host.html puts on its window. */
interface HostWindow {
  events: SdkEvent[];
  startPersona(options: { host: string; inquiryId: string; sessionToken?: string }): void;
}
// Callbacks run in the page (serialised): each names the page's window itself.

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(!run)('the persona SDK embeds the local hosted flow', () => {
  let database: TestDatabase;
  let template: TemplateFixture;
  let consoleServer: Server;
  let hostServer: Server;
  let sdkHost = '';
  let hostUrl = '';
  let browser: BrowserContext;
  const now = () => new Date();

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    template = await addTemplate(database.db, 'KYC', 1);
    consoleServer = createApp(testDeps(database, now), { serveClient: false }).listen(0, '127.0.0.1');
    await new Promise((resolve) => consoleServer.once('listening', resolve));
    // The SDK accepts a custom host only as https or on `localhost` (which it turns into http://).
    sdkHost = `localhost:${(consoleServer.address() as AddressInfo).port}`;
    hostServer = createServer((req, res) => {
      const [body, type] = req.url === '/' ? [HOST_PAGE, 'text/html'] : req.url === '/persona.js' ? [PERSONA_UMD, 'text/javascript'] : [null, 'text/plain'];
      res.writeHead(body ? 200 : 404, { 'content-type': `${type}; charset=utf-8` });
      res.end(body ?? 'not found');
    });
    hostUrl = `http://localhost:${await listen(hostServer)}/`;
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => hostServer?.close(resolve));
    await new Promise((resolve) => consoleServer?.close(resolve));
    await database?.close();
  });

  const inquiryOf = (status: 'created' | 'pending') =>
    addInquiry(database.db, template, { status, createdAt: new Date(Date.now() - HOUR), expiresAt: new Date(Date.now() + DAY) });
  const resume = (id: string) => callerFor(database, now).inquiries.resume({ id, reason, idempotencyKey: `sdk-${id}-${Date.now()}` });
  const statusOf = async (id: string) => (await database.db.selectFrom('inquiries').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  async function embed(options: { inquiryId: string; sessionToken?: string }): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(hostUrl);
    await page.evaluate((o) => (globalThis as unknown as HostWindow).startPersona(o), { host: sdkHost, ...options });
    await page.waitForFunction(() => (globalThis as unknown as HostWindow).events.some((e) => e.name === 'onReady'), undefined, { timeout: 20_000 });
    return page;
  }
  const waitFor = (page: Page, name: string) => page.waitForFunction((n) => (globalThis as unknown as HostWindow).events.some((e) => e.name === n), name, { timeout: 20_000 });
  const events = (page: Page) => page.evaluate(() => (globalThis as unknown as HostWindow).events);
  const frameOf = (page: Page) => page.frameLocator('iframe.persona-widget__iframe');
  /**
   * Clicks Exit until the SDK reports onCancel. On a busy machine a click can land while the SDK's overlay is
   * still settling and never reach the frame; a second click is what a person would do.
   */
  const exitUntilCancelled = async (page: Page) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      await frameOf(page).getByRole('button', { name: 'Exit' }).click({ timeout: 10_000 }).catch(() => undefined);
      const cancelled = await page
        .waitForFunction(() => (globalThis as unknown as HostWindow).events.some((e) => e.name === 'onCancel'), undefined, { timeout: 8_000 })
        .then(() => true, () => false);
      if (cancelled) return;
    }
    throw new Error('onCancel never fired after three clicks on Exit');
  };
  /** The same for Continue: clicks it until the next step's heading shows (confirming twice is harmless). */
  const continueToSubmit = async (page: Page) => {
    const next = frameOf(page).getByRole('heading', { name: 'Submit your verification' });
    for (let attempt = 0; attempt < 3; attempt++) {
      await frameOf(page).getByRole('button', { name: 'Continue' }).click({ timeout: 10_000 }).catch(() => undefined);
      if (await next.waitFor({ timeout: 8_000 }).then(() => true, () => false)) return;
    }
    throw new Error('the submit step never showed after three clicks on Continue');
  };

  it('loads a resumed inquiry in the iframe, steps through Continue and Submit, and reports completion', async () => {
    const inquiryId = await inquiryOf('pending');
    const { sessionToken } = await resume(inquiryId);
    const page = await embed({ inquiryId, sessionToken });
    const src = await page.locator('iframe.persona-widget__iframe').getAttribute('src');
    expect(src).toMatch(new RegExp(`^http://${sdkHost}/widget\\?`));
    const sent = new URL(src ?? '').searchParams;
    expect(Object.fromEntries(sent)).toMatchObject({
      'client-version': '5.9.0',
      'flow-type': 'embedded',
      'iframe-origin': new URL(hostUrl).origin,
      'inquiry-id': inquiryId,
      'session-token': sessionToken,
    });
    expect(sent.get('container-id')).toMatch(/^persona-widget-/);

    const frame = frameOf(page);
    await frame.getByRole('heading', { name: 'Confirm your details' }).waitFor();
    await expect(frame.getByText('Lovelace').textContent()).resolves.toBe('Lovelace');
    await continueToSubmit(page);
    await frame.getByRole('button', { name: 'Submit' }).click();
    await waitFor(page, 'onComplete');

    const seen = await events(page);
    const names = seen.map((e) => e.name);
    expect(names.indexOf('onLoad')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('onReady')).toBeGreaterThan(names.indexOf('onLoad'));
    const complete = seen.find((e) => e.name === 'onComplete')?.payload as { inquiryId: string; status: string; fields: Record<string, { value: string }> };
    expect(complete).toMatchObject({ inquiryId, status: 'completed', fields: { 'name-first': { type: 'string', value: 'Ada' } } });
    expect(seen.some((e) => e.name === 'onError')).toBe(false);
    expect(await statusOf(inquiryId)).toBe('completed');
    // The SDK closes its overlay on completion.
    await expect(page.locator('.persona-widget__overlay').isVisible()).resolves.toBe(false);
    await page.close();
  });

  it('the Exit button fires onCancel with the inquiry id and the session token, to resume with later', async () => {
    const inquiryId = await inquiryOf('pending');
    const { sessionToken } = await resume(inquiryId);
    const page = await embed({ inquiryId, sessionToken });
    await exitUntilCancelled(page);
    const cancel = (await events(page)).find((e) => e.name === 'onCancel');
    expect(cancel?.payload).toEqual({ inquiryId, sessionToken });
    expect(await statusOf(inquiryId)).toBe('pending');
    await page.close();
  });

  it('a created inquiry starts in the SDK (onEvent start), and the token from Exit reopens it later', async () => {
    const inquiryId = await inquiryOf('created');
    const page = await embed({ inquiryId });
    await waitFor(page, 'onEvent');
    await exitUntilCancelled(page);
    const seen = await events(page);
    expect(seen.filter((e) => e.name === 'onEvent').map((e) => (e.payload as { name: string }).name)).toEqual(expect.arrayContaining(['load', 'ready', 'start']));
    const { sessionToken } = (seen.find((e) => e.name === 'onCancel')?.payload ?? {}) as { sessionToken?: string };
    expect(sessionToken?.split('.')).toHaveLength(3);
    expect(await statusOf(inquiryId)).toBe('pending');
    await page.close();

    // The app saved the token: loading the SDK with it later opens the same (now pending) inquiry.
    const later = await embed({ inquiryId, ...(sessionToken ? { sessionToken } : {}) });
    await frameOf(later).getByRole('heading', { name: 'Confirm your details' }).waitFor();
    await later.close();
  });
});
