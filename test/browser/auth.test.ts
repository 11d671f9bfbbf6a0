import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../shared/permissions.js';
import { createStaffAccount } from '../helpers/auth.js';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * Staff sign-in, roles and sign-out in a real browser against the real server (cookies, CSRF header and origin
 * check, throttling), with the built console.
 */
const run = browserOrSkip();

const SECTIONS = ['Inquiries', 'Templates', 'Audit', 'Staff', 'Customers', 'Settings'] as const;
const NAVIGATION: Record<Role, readonly (typeof SECTIONS)[number][]> = {
  viewer: ['Inquiries', 'Templates'],
  support: ['Inquiries', 'Templates', 'Audit'],
  compliance: ['Inquiries', 'Templates', 'Audit'],
  manager: ['Inquiries', 'Templates', 'Audit'],
  admin: ['Inquiries', 'Templates', 'Audit', 'Staff', 'Customers', 'Settings'],
};
const ROLE_LABEL: Record<Role, string> = { viewer: 'Viewer', support: 'Support agent', compliance: 'Compliance', manager: 'Manager', admin: 'Admin' };

describe.skipIf(!run)('staff sign-in in the browser', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startConsole({ inquiries: 120 });
    browser = await openBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(async () => {
    await page?.close();
    await browser.clearCookies();
  });

  async function navigationOf(p: Page): Promise<string[]> {
    const nav = p.getByRole('navigation', { name: 'Main' });
    await nav.getByText('Inquiries', { exact: true }).waitFor();
    const shown: string[] = [];
    for (const section of SECTIONS) if ((await nav.getByText(section, { exact: true }).count()) > 0) shown.push(section);
    return shown;
  }

  it('signs in each demo role and shows the navigation that role may use', async () => {
    for (const role of Object.keys(NAVIGATION) as Role[]) {
      const staff = demoStaff(role);
      page = await browser.newPage();
      await signInThroughPage(page, app, staff.email);
      await expect.poll(() => navigationOf(page), { timeout: 15_000 }).toEqual(NAVIGATION[role]);
      await page.getByRole('button', { name: `${staff.displayName}, ${ROLE_LABEL[role]}`, exact: true }).waitFor();
      await page.close();
      await browser.clearCookies();
    }
  });

  it('gives a viewer no enabled action on an inquiry and refuses them the staff page', async () => {
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('viewer').email);
    // The actions panel asks the server what is allowed: judge it once that answer is in, not its loading state.
    const verdicts = page.waitForResponse((r) => r.url().includes('inquiries.actionsFor'), { timeout: 20_000 }).catch(() => null);
    await page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first().click();
    await page.getByRole('region', { name: 'Why it may be stuck' }).waitFor();
    const actions = page.getByRole('region', { name: 'Actions' });
    await actions.waitFor();
    await verdicts;
    await expect.poll(() => actions.locator('.MuiSkeleton-root').count()).toBe(0);
    // Whatever the actions panel shows, nothing in it that acts on the inquiry is usable by a viewer.
    const actionButtons = actions.getByRole('button', { name: /resume|link|recreate|revoke|expire/i });
    // The four actions of DESIGN §4 (resume, one-time link, recreate, token link): a loop over none would prove nothing.
    const buttons = await actionButtons.all();
    expect(buttons).toHaveLength(4);
    for (const button of buttons) expect(await button.isEnabled()).toBe(false);

    await page.goto(`${app.url}/staff`);
    await page.getByRole('heading', { name: 'Not allowed' }).or(page.getByText('Not allowed', { exact: true })).first().waitFor();
    expect(await page.getByText('Your role (viewer) cannot manage staff accounts.', { exact: false }).count()).toBe(1);
    expect(await page.getByRole('table', { name: 'Staff' }).count()).toBe(0);
  });

  it('ends access on sign-out: back and reload land on the sign-in page', async () => {
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('support').email);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { name: 'Templates' }).waitFor();

    await page.getByRole('button', { name: `${demoStaff('support').displayName}, ${ROLE_LABEL.support}`, exact: true }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.getByText('You signed out.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    await page.goBack();
    await page.waitForURL((u) => u.pathname === '/sign-in' && u.searchParams.get('returnTo') === '/templates');
    await page.getByRole('textbox', { name: 'Email' }).waitFor();
    await page.reload();
    await page.getByRole('textbox', { name: 'Email' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    // The server agrees: the old session is gone, not just hidden.
    const me = await page.evaluate(async () => (await fetch('/trpc/auth.me')).json());
    expect(me).toMatchObject({ result: { data: { json: null } } });
  });

  it('locks an account out after repeated wrong passwords, and says when to try again', async () => {
    const account = await createStaffAccount(app.database.db, { role: 'support', email: 'locked.out@demo.test', password: 'the right passphrase here' });
    page = await browser.newPage();
    await page.goto(`${app.url}/sign-in`);
    const email = page.getByRole('textbox', { name: 'Email' });
    const password = page.getByLabel(/^Password/);
    const alert = page.getByRole('alert');
    await email.fill(account.email);
    /** Submits with Enter and waits for the server's answer (so the message read is this attempt's). */
    const attempt = async (value: string) => {
      await password.fill(value);
      const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/login'), password.press('Enter')]);
      return response.status();
    };

    for (let n = 1; n <= 4; n++) {
      expect(await attempt(`wrong guess ${n}`)).toBe(401);
      await expect.poll(() => alert.textContent()).toBe('Email or password is incorrect.');
    }
    expect(await attempt('wrong guess 5')).toBe(429);
    await expect.poll(() => alert.textContent()).toMatch(/^Too many failed sign-in attempts\. Try again in 1 minute\. You can try again at .+\.$/);

    // Locked means locked: the right password does not get in either, until the lock ends.
    expect(await attempt(account.password)).toBe(429);
    await expect.poll(() => alert.textContent()).toMatch(/^Too many failed sign-in attempts/);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });
});
