import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * Issue 2's journey: a support agent finds a stuck end user's inquiry and sees why it is stuck, in a real browser
 * against the real server and the seeded demo world.
 */
const run = browserOrSkip();

describe.skipIf(!run)('triage: from the Stuck view to the reason', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startConsole();
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a support agent opens the first stuck inquiry and reads that it has no live session', async () => {
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('support').email);
    await page.getByRole('heading', { name: 'Inquiries' }).waitFor();

    // The grid keeps the previous rows on screen while the stuck ones load: wait for their answer.
    const stuckLoaded = page.waitForResponse((r) => r.url().includes('inquiries.list') && decodeURIComponent(r.url()).includes('"quickView":"stuck"'));
    await page.getByRole('button', { name: 'Stuck', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('view') === 'stuck');
    await stuckLoaded;
    const first = page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first();
    // Settled: the row on screen is the one its link leads to (not a previous page's row being replaced).
    await expect
      .poll(async () => {
        const [text, href] = [await first.textContent(), await first.getAttribute('href')];
        return text?.startsWith('inq_') === true && href === `/inquiries/${text}`;
      })
      .toBe(true);
    await first.click();

    await page.waitForURL((u) => /^\/inquiries\/inq_/.test(u.pathname));
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';
    await page.getByRole('heading', { name: id }).waitFor();
    const why = page.getByRole('region', { name: 'Why it may be stuck' });
    await why.getByText(/no live session/).waitFor();
    expect(await why.textContent()).toContain('no live session');
  });
});
