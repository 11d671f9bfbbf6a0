import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHandoffs, hostedLink } from '../../client/src/features/inquiries/actions/handoffs.js';
import { createApp } from '../../server/app.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, callerFor, DAY, HOUR, testDeps, type TemplateFixture } from '../server/fixtures.js';
import { browserOrSkip, openBrowser } from './harness.js';

/**
 * The resume result's hand-offs, run as a customer would paste them: the JavaScript one goes verbatim into a
 * module script on another origin, whose import map resolves `persona` to the real package's ES build; the React
 * one goes verbatim into a component file that a customer's app (bundled by esbuild with the real `react`,
 * `react-dom` and `persona-react`) renders. The flow each opens is this server's /widget, showing the resumed
 * inquiry.
 */
const run = browserOrSkip();
const PERSONA_ESM = createRequire(import.meta.url).resolve('persona/dist/persona.mjs');

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A customer's React app: the pasted component file, unchanged, imported by an entry that renders it — bundled
 * as their build would, with the real packages from node_modules.
 */
async function customerReactApp(componentFile: string): Promise<string> {
  const entry = [
    "import { createRoot } from 'react-dom/client';",
    "import { Verification } from './Verification.jsx';",
    "createRoot(document.getElementById('root')).render(<Verification />);",
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, loader: 'jsx', resolveDir: REPO, sourcefile: 'main.jsx' },
    bundle: true,
    format: 'esm',
    jsx: 'automatic',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'pasted-component',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /^\.\/Verification\.jsx$/ }, () => ({ path: 'Verification.jsx', namespace: 'pasted' }));
          pluginBuild.onLoad({ filter: /.*/, namespace: 'pasted' }, () => ({ contents: componentFile, loader: 'jsx', resolveDir: REPO }));
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

/** A customer's page: the pasted snippet, with nothing added but the import map a bundler would stand in for. */
function customerPage(snippet: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Customer app (pasted hand-off)</title>',
    '<script type="importmap">{ "imports": { "persona": "/persona.mjs" } }</script>',
    '</head><body><h1>Customer app</h1>',
    `<script type="module">\n${snippet}\n</script>`,
    '</body></html>',
  ].join('\n');
}

describe.skipIf(!run)('the hand-offs of a resumed inquiry load the flow', () => {
  let database: TestDatabase;
  let template: TemplateFixture;
  let consoleServer: Server;
  let hostServer: Server;
  let consoleOrigin = '';
  let hostOrigin = '';
  let page = '';
  let app = '';
  let browser: BrowserContext;
  const now = () => new Date();

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    template = await addTemplate(database.db, 'KYC', 1);
    consoleServer = createServer(createApp(testDeps(database, now), { serveClient: false }));
    // The SDK accepts a custom host only as https or on `localhost`.
    consoleOrigin = `http://localhost:${await listen(consoleServer)}`;
    const personaEsm = await import('node:fs').then((fs) => fs.readFileSync(PERSONA_ESM));
    hostServer = createServer((req, res) => {
      const [body, type] =
        req.url === '/' ? [page, 'text/html'] : req.url === '/persona.mjs' ? [personaEsm, 'text/javascript'] : req.url === '/app.js' ? [app, 'text/javascript'] : [null, 'text/plain'];
      res.writeHead(body ? 200 : 404, { 'content-type': `${type}; charset=utf-8` });
      res.end(body ?? 'not found');
    });
    hostOrigin = `http://localhost:${await listen(hostServer)}`;
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => hostServer?.close(resolve));
    await new Promise((resolve) => consoleServer?.close(resolve));
    await database?.close();
  });

  async function resumed() {
    const inquiryId = await addInquiry(database.db, template, { status: 'pending', createdAt: new Date(Date.now() - HOUR), expiresAt: new Date(Date.now() + DAY) });
    const result = await callerFor(database, now).inquiries.resume({ id: inquiryId, reason: 'Hand-off test: paste the snippet', idempotencyKey: `handoff-${inquiryId}-${Date.now()}` });
    return { inquiryId: result.inquiryId, sessionToken: result.sessionToken, hostedFlowUrl: `${consoleOrigin}/verify` };
  }

  it('the JavaScript snippet, pasted as shown, frames the local widget with the inquiry and opens it once ready', async () => {
    const input = await resumed();
    const js = buildHandoffs(input).find((h) => h.kind === 'js')?.code ?? '';
    expect(js).toContain(`inquiryId: '${input.inquiryId}'`);
    page = customerPage(js);

    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${hostOrigin}/`);
    const iframe = tab.locator('iframe.persona-widget__iframe');
    await iframe.waitFor({ state: 'attached', timeout: 20_000 });
    const sent = new URL((await iframe.getAttribute('src')) ?? '');
    expect(`${sent.origin}${sent.pathname}`).toBe(`${consoleOrigin}/widget`);
    expect(sent.searchParams.get('inquiry-id')).toBe(input.inquiryId);
    expect(sent.searchParams.get('session-token')).toBe(input.sessionToken);
    expect(sent.searchParams.get('iframe-origin')).toBe(hostOrigin);

    // onReady is the snippet's only call to client.open(): the overlay showing means it fired.
    await tab.locator('.persona-widget__overlay').waitFor({ state: 'visible', timeout: 20_000 });
    const frame = tab.frameLocator('iframe.persona-widget__iframe');
    await frame.getByRole('heading', { name: 'Confirm your details' }).waitFor({ timeout: 20_000 });
    await expect(frame.getByText('Lovelace').textContent()).resolves.toBe('Lovelace');
    expect(errors).toEqual([]);
    await tab.close();
  });

  it('the React component, pasted as shown into an app built with the real persona-react, renders the local widget inline with the inquiry', async () => {
    const input = await resumed();
    const component = buildHandoffs(input).find((h) => h.kind === 'react')?.code ?? '';
    expect(component).toContain(`inquiryId="${input.inquiryId}"`);
    app = await customerReactApp(component);
    expect(app.length).toBeGreaterThan(10_000);
    page = [
      '<!doctype html>',
      '<html lang="en"><head><meta charset="utf-8"><title>Customer app (pasted React hand-off)</title></head>',
      '<body><h1>Customer app</h1><div id="root" style="height: 700px"></div>',
      '<script type="module" src="/app.js"></script>',
      '</body></html>',
    ].join('\n');

    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${hostOrigin}/`);
    const iframe = tab.locator('#root iframe');
    await iframe.waitFor({ state: 'attached', timeout: 20_000 });
    const sent = new URL((await iframe.getAttribute('src')) ?? '');
    expect(`${sent.origin}${sent.pathname}`).toBe(`${consoleOrigin}/widget`);
    expect(sent.searchParams.get('inquiry-id')).toBe(input.inquiryId);
    expect(sent.searchParams.get('session-token')).toBe(input.sessionToken);

    const frame = tab.frameLocator('#root iframe');
    await frame.getByRole('heading', { name: 'Confirm your details' }).waitFor({ timeout: 20_000 });
    await expect(frame.getByText('Lovelace').textContent()).resolves.toBe('Lovelace');
    expect(errors).toEqual([]);
    await tab.close();
  });

  it('the hosted link opens the same inquiry in the hosted flow', async () => {
    const input = await resumed();
    const tab = await browser.newPage();
    await tab.goto(hostedLink(input));
    await tab.getByRole('heading', { name: 'Confirm your details' }).waitFor({ timeout: 20_000 });
    await tab.close();
  });
});
