import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor } from '../server/fixtures.js';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * The inquiry page at the two sizes agents use it: on a phone the actions come before everything else; on a
 * desktop the Links card fits its card, Revoke in view without scrolling sideways.
 */
const run = browserOrSkip();

describe.skipIf(!run)('the inquiry page at phone and desktop widths', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;
  let inquiryId = '';

  beforeAll(async () => {
    app = await startConsole({ inquiries: 60 });
    const candidate = await app.database.db
      .selectFrom('inquiries')
      .select('id')
      .where('status', '=', 'pending')
      .where('expires_at', '>', new Date(Date.now() + 6 * 3_600_000))
      .orderBy('expires_at', 'desc')
      .executeTakeFirstOrThrow();
    inquiryId = candidate.id;
    // Both kinds of link, with a long reason and a ticket: the widest rows the card shows.
    const admin = callerFor(app.database, () => new Date());
    const reason = 'End user on a kiosk in a branch office lost the email with the link and called support twice';
    await admin.links.createOneTime({ inquiryId, reason, idempotencyKey: `layout-otl-${inquiryId}` });
    await admin.links.createWithToken({ inquiryId, reason, ticket: 'SUP-2026-0042-BRANCH', expiresInMinutes: 30, acknowledgeRisk: true, acknowledgeOutdated: true, idempotencyKey: `layout-tok-${inquiryId}` });
    browser = await openBrowser();
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('support').email);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('on a phone, the Actions panel is the first card', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/inquiries/${inquiryId}`);
    const actions = page.getByRole('region', { name: 'Actions' });
    await actions.getByRole('button', { name: 'Resume and copy token' }).waitFor();
    const top = async (name: string) => (await page.getByRole('region', { name, exact: true }).boundingBox())?.y ?? Number.NaN;
    const actionsTop = await top('Actions');
    for (const other of ['Details', 'Sessions', 'Links', 'Timeline']) expect(actionsTop, `Actions above ${other}`).toBeLessThan(await top(other));
    // Nothing on the page scrolls sideways on a phone.
    const overflow = await page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
      return documentElement.scrollWidth - documentElement.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
  });

  it('on a desktop, the Links card fits its card with Revoke in view', async () => {
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${app.url}/inquiries/${inquiryId}`);
    const card = page.getByRole('region', { name: 'Links' });
    const table = card.getByRole('table', { name: 'Links' });
    await table.waitFor();
    const cardBox = await card.boundingBox();
    const revokes = await table.getByRole('button', { name: /^Revoke lnk_/ }).all();
    expect(revokes).toHaveLength(2);
    for (const revoke of revokes) {
      const box = await revoke.boundingBox();
      expect(box && cardBox ? box.x + box.width : Number.NaN).toBeLessThanOrEqual((cardBox?.x ?? 0) + (cardBox?.width ?? 0));
    }
    // The table does not scroll inside its card either.
    const scroll = await table.evaluate((el) => {
      const container = (el as unknown as { parentElement: { scrollWidth: number; clientWidth: number } }).parentElement;
      return container.scrollWidth - container.clientWidth;
    });
    expect(scroll).toBeLessThanOrEqual(0);
  });
});
