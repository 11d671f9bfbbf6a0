import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffAccount } from '../helpers/auth.js';
import { actionsRegion, browserOrSkip, openAction as openActionIn, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * The guarded actions as a support agent takes them, in a real browser against the real server and the local
 * hosted flow: resume and hand over the token (the seed's embedded-SDK scenario), a one-time link (single use,
 * 5-minute grace), a token link that is revoked, and recreating on the latest version.
 */
const run = browserOrSkip();

const MINUTE = 60_000;

/** The few browser globals the journey reads inside the page (this project's Node types have no DOM). */
interface PageGlobals {
  navigator: { clipboard: { readText(): Promise<string> } };
  document: { querySelectorAll(selectors: string): ArrayLike<{ value: string }> };
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  location: { href: string };
}
const PASSWORD = 'journey password for guarded actions';

describe.skipIf(!run)('guarded actions in the browser', () => {
  let app: RunningConsole;
  let agent: BrowserContext;
  let page: Page;
  /** The server's clock runs `offsetMs` ahead of the real one: the one-time link's grace period passes on demand. */
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  /** Inquiry B: pending, far from expiry, for the link journeys and then recreated. */
  let inquiryB = '';

  beforeAll(async () => {
    app = await startConsole({ inquiries: 400, now });
    const email = 'journey.support@staff.test';
    await createStaffAccount(app.database.db, { role: 'support', email, password: PASSWORD });
    agent = await openBrowser();
    await agent.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = await agent.newPage();
    await signInThroughPage(page, app, email, PASSWORD, '/inquiries');
  });
  afterAll(async () => {
    await agent?.close();
    await app?.close();
  });

  /** A fresh browser, as the end user's would be: nothing shared with the agent's. */
  async function endUserOpens(url: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await openBrowser();
    const userPage = await context.newPage();
    await userPage.goto(url);
    return { context, page: userPage };
  }
  const heading = (p: Page) => p.getByRole('heading', { level: 1 }).textContent();

  const actions = () => actionsRegion(page);
  const openAction = (name: string) => openActionIn(page, name);
  async function openInquiry(id: string) {
    await page.goto(`${app.url}/inquiries/${id}`);
    await page.getByRole('heading', { name: id, level: 1 }).waitFor();
  }

  it('resumes a stuck inquiry, copies the token once, and a second browser completes the flow with it', async () => {
    const stuck = page.getByRole('link', { name: /^Stuck: .* — show them$/ });
    const stuckCount = Number(/^Stuck: ([\d,]+)/.exec((await stuck.getAttribute('aria-label')) ?? '')?.[1]?.replace(/,/g, ''));
    expect(stuckCount).toBeGreaterThan(0);
    await stuck.click();
    await page.waitForURL((u) => u.searchParams.get('view') === 'stuck');
    // The grid keeps the previous rows on screen until the stuck view's arrive: wait for its count.
    await page.getByText(`${stuckCount} ${stuckCount === 1 ? 'inquiry' : 'inquiries'}`, { exact: true }).waitFor();
    const inquiryId = (await page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first().textContent()) ?? '';
    expect(inquiryId).toMatch(/^inq_/);
    // Found again by its name: the grid may re-render under the first locator.
    await page.getByRole('grid').getByRole('link', { name: inquiryId }).click();
    await page.getByRole('heading', { name: inquiryId, level: 1 }).waitFor();

    const dialog = await openAction('Resume and copy token');
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('User closed the app mid-flow (ticket SUP-101)');
    // Stuck means pending, before its expiry, with no live session: the only acknowledgement resume can ask is
    // the outdated version's. Count the checkboxes first, so that the loop cannot pass over none by accident.
    const pinned = await app.database.db
      .selectFrom('inquiries as i')
      .innerJoin('templates as t', 't.id', 'i.template_id')
      .select(['i.status', 'i.version_number', 't.latest_version_number'])
      .where('i.id', '=', inquiryId)
      .executeTakeFirstOrThrow();
    expect(pinned.status).toBe('pending');
    const resumeBoxes = dialog.getByRole('checkbox');
    const expectedBoxes = pinned.version_number < pinned.latest_version_number ? 1 : 0;
    await expect.poll(() => resumeBoxes.count()).toBe(expectedBoxes);
    const boxes = await resumeBoxes.all();
    expect(boxes).toHaveLength(expectedBoxes);
    for (const box of boxes) await box.check();
    await dialog.getByRole('button', { name: 'Resume and copy token' }).click();

    const tokenField = dialog.getByRole('textbox', { name: 'Session token' });
    await tokenField.waitFor();
    const token = await tokenField.inputValue();
    expect(token.split('.')).toHaveLength(3);
    await dialog.getByText(/This token is shown only now/).waitFor();
    await expect(dialog.getByRole('textbox', { name: 'Inquiry id' }).inputValue()).resolves.toBe(inquiryId);
    await dialog.getByRole('button', { name: 'Copy session token' }).click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText())).toBe(token);

    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(token);
    const leftovers = await page.evaluate((secret) => {
      const { document, localStorage, sessionStorage, location } = globalThis as unknown as PageGlobals;
      return {
        fields: Array.from(document.querySelectorAll('input, textarea')).some((el) => el.value.includes(secret)),
        storage: JSON.stringify({ ...localStorage, ...sessionStorage }).includes(secret),
        url: location.href.includes(secret),
      };
    }, token);
    expect(leftovers).toEqual({ fields: false, storage: false, url: false });
    // The session it issued is on the page, by fingerprint, never by token.
    await page.getByRole('table', { name: 'Sessions' }).getByText('journey.support@staff.test').first().waitFor();

    const endUser = await endUserOpens(`${app.url}/verify?inquiry-id=${inquiryId}&session-token=${token}`);
    try {
      await endUser.page.getByRole('heading', { name: 'Confirm your details' }).waitFor();
      await endUser.page.getByRole('button', { name: 'Continue' }).click();
      await endUser.page.getByRole('heading', { name: 'Submit your verification' }).waitFor();
      await endUser.page.getByRole('button', { name: 'Submit' }).click();
      await endUser.page.getByRole('heading', { name: 'Thank you' }).waitFor();
    } finally {
      await endUser.context.close();
    }
    const row = await app.database.db.selectFrom('inquiries').select('status').where('id', '=', inquiryId).executeTakeFirstOrThrow();
    expect(row.status).toBe('completed');
  });

  it('a one-time link opens once, again within the 5-minute grace, and then no more', async () => {
    // Pending and hours from expiry: the links below (an hour long by default) must not run into it.
    const candidate = await app.database.db
      .selectFrom('inquiries')
      .select('id')
      .where('status', '=', 'pending')
      .where('expires_at', '>', new Date(Date.now() + 3 * 60 * MINUTE))
      .orderBy('expires_at', 'desc')
      .executeTakeFirstOrThrow();
    inquiryB = candidate.id;
    await openInquiry(inquiryB);

    const dialog = await openAction('Send one-time link');
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('User lost the email with the link');
    await dialog.getByRole('textbox', { name: /Reason/ }).press('Enter');
    const urlField = dialog.getByRole('textbox', { name: 'One-time link' });
    await urlField.waitFor();
    const link = await urlField.inputValue();
    expect(link).toMatch(new RegExp(`^${app.url}/verify\\?`));
    // Copied as it appeared, with no click on the copy button.
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText())).toBe(link);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });

    const firstVisit = await endUserOpens(link);
    expect(await heading(firstVisit.page)).toBe('Confirm your details');
    await firstVisit.context.close();
    const reload = await endUserOpens(link);
    expect(await heading(reload.page)).toBe('Confirm your details');
    await reload.context.close();

    offsetMs += 6 * MINUTE;
    const tooLate = await endUserOpens(link);
    expect(await heading(tooLate.page)).toBe('This link has already been used — ask for a new one');
    await tooLate.context.close();
  });

  it('a link with the session token opens the inquiry until it is revoked', async () => {
    await openInquiry(inquiryB);
    const dialog = await openAction('Link with session token');
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('Prefilled inquiry, user on a kiosk');
    await dialog.getByRole('textbox', { name: /Ticket reference/ }).fill('SUP-4411');
    await expect(dialog.getByRole('spinbutton', { name: /Lifetime in minutes/ }).inputValue()).resolves.toBe('60');
    await dialog.getByRole('checkbox', { name: /Anyone holding this link can open the inquiry until it expires/ }).check();
    // B is pending and far from expiry: the risk acknowledgement is the only one a token link asks for.
    const boxes = await dialog.getByRole('checkbox').all();
    expect(boxes).toHaveLength(1);
    for (const box of boxes) await box.check();
    await dialog.getByRole('button', { name: 'Create and copy link' }).click();

    const urlField = dialog.getByRole('textbox', { name: 'Link with session token' });
    await urlField.waitFor();
    const link = await urlField.inputValue();
    expect(link).toContain('session-token=');
    const linkId = (await dialog.getByText(/^lnk_/).textContent()) ?? '';
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(link.split('session-token=')[1] ?? link);

    const before = await endUserOpens(link);
    expect(await heading(before.page)).toBe('Confirm your details');
    await before.context.close();

    await page.getByRole('table', { name: 'Links' }).getByRole('button', { name: `Revoke ${linkId}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke link' });
    await confirm.getByRole('textbox', { name: /Reason/ }).fill('Sent to the wrong address');
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByText(`Revoked ${linkId} and expired its session.`).waitFor();

    // The hosted flow turns a revoked token link away and says it was revoked.
    const after = await endUserOpens(link);
    expect(await heading(after.page)).toBe('This link has been revoked — ask for a new one');
    await after.context.close();
  });

  it('recreating on the latest version replaces the inquiry: the agent lands on the new one, the old one points to it', async () => {
    await openInquiry(inquiryB);
    const dialog = await openAction('Recreate on latest version');
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('Start again on the current flow');
    await dialog.getByRole('button', { name: 'Recreate' }).click();

    await page.waitForURL((u) => u.pathname.startsWith('/inquiries/inq_') && u.pathname !== `/inquiries/${inquiryB}`);
    const successorId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    await page.getByRole('heading', { name: successorId, level: 1 }).waitFor();
    await page.getByText(new RegExp(`^Recreated as ${successorId} on v\\d+\\.$`)).waitFor();
    // The new inquiry's access actions are there.
    await expect.poll(() => actions().getByRole('button', { name: 'Send one-time link' }).isEnabled(), { timeout: 15_000 }).toBe(true);

    await openInquiry(inquiryB);
    await expect(page.getByRole('link', { name: 'Open the new inquiry' }).getAttribute('href')).resolves.toBe(`/inquiries/${successorId}`);
    await page.getByRole('region', { name: 'Predecessor and successor' }).getByRole('link', { name: successorId }).waitFor();
    await expect.poll(() => actions().getByRole('button', { name: 'Recreate on latest version' }).isDisabled(), { timeout: 15_000 }).toBe(true);
    await actions().getByText(`Replaced by ${successorId}: act on the new inquiry instead.`).first().waitFor();
  });
});
