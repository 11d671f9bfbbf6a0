import fs from 'node:fs';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * Issue 14, "act from the list": an end user writes in; the agent finds their inquiry by the email in the list's
 * search and gets a one-time link from the row's menu, without opening the inquiry's page: three clicks, by mouse,
 * besides typing the email and the reason.
 */
const run = browserOrSkip();
const DAY = 86_400_000;

describe.skipIf(!run)('acting from the inquiry list', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;
  let clicks = 0;
  /** Every click of the journey goes through here, so that the test can count them. */
  const click = async (target: Locator) => {
    clicks += 1;
    await target.click();
  };

  beforeAll(async () => {
    app = await startConsole();
    browser = await openBrowser();
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('support').email);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('from an end user’s email to a one-time link in three clicks', async () => {
    // An end user whose inquiry is open for days yet: a one-time link is allowed, with nothing to acknowledge.
    const target = await app.database.db
      .selectFrom('inquiries as i')
      .innerJoin('templates as t', 't.id', 'i.template_id')
      .select(['i.id', 'i.fields'])
      .where('i.status', '=', 'pending')
      .where('i.expires_at', '>', new Date(Date.now() + 2 * DAY))
      .where('i.email_normalized', 'is not', null)
      .whereRef('i.version_number', '=', 't.latest_version_number')
      .orderBy('i.created_at', 'desc')
      .executeTakeFirstOrThrow();
    const email = String(target.fields['email-address']);
    expect(email).toContain('@');

    await page.getByRole('heading', { name: 'Inquiries', level: 1 }).waitFor();
    const searched = page.waitForResponse((r) => r.url().includes('inquiries.list') && decodeURIComponent(r.url()).includes('"search"'));
    // Typed, as an agent pastes it from the user's message: in upper case, it still finds the inquiry.
    await page.getByRole('textbox', { name: 'Search inquiries' }).fill(email.toUpperCase());
    await page.getByRole('textbox', { name: 'Search inquiries' }).press('Enter');
    await searched;
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: target.id }) });
    await row.waitFor();
    // The row shows the email masked, never the address.
    await expect.poll(() => row.textContent()).toContain(`${email[0]?.toLowerCase()}•••@`);
    expect((await page.getByRole('grid').textContent())?.toLowerCase()).not.toContain(email.toLowerCase());

    await click(page.getByRole('button', { name: `More actions for ${target.id}` }));
    const menu = page.getByRole('menu', { name: `Actions for ${target.id}` });
    await click(menu.getByRole('menuitem', { name: /^One-time link/ }));
    const dialog = page.getByRole('dialog', { name: /one-time link/i });
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('User wrote in: lost the link (ticket SUP-314)');
    await click(dialog.getByRole('button', { name: /^Create (one-time )?link$/ }));

    const link = dialog.getByRole('textbox', { name: 'One-time link' });
    await link.waitFor();
    expect(await link.inputValue()).toMatch(/^http/);
    expect(clicks).toBeLessThanOrEqual(3);
    // Still on the list: the common case needed no detail page.
    expect(new URL(page.url()).pathname).toBe('/inquiries');
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  it('downloads the rows on screen as CSV, named by the day, with the emails masked', async () => {
    await page.goto(`${app.url}/inquiries?status=pending`);
    await page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first().waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download these rows as CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^inquiries-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = await download.path();
    const csv = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toContain('Inquiry');
    expect(header).toContain('Email');
    expect(header).not.toContain('Actions');
    expect(rows.length).toBeGreaterThan(0);
    expect(csv).toMatch(/.•••@/);
    // No address in the file: a masked one has no letters before its "@".
    expect(csv).not.toMatch(/[\w.+-]+@[\w-]+\.\w+/);
  });
});
