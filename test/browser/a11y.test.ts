import AxeBuilder from '@axe-core/playwright';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffAccount } from '../helpers/auth.js';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * Accessibility of the whole console (issue 14, "Fit and finish"): axe-core on every page and on every dialog a
 * person can open from it, in both colour modes for the busiest pages, must find no serious or critical violation
 * of WCAG 2.1 A/AA; the heading takes focus after navigating, and the keyboard's focus is visible.
 * See docs/accessibility.md.
 */
const run = browserOrSkip();

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The few browser globals read inside the page (this project's Node types have no DOM). */
interface FocusProbe {
  tag: string;
  text: string;
  outline: string;
  boxShadow: string;
  visible: boolean;
}
interface FocusElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  closest(selector: string): FocusElement | null;
}
interface PageGlobals {
  document: {
    activeElement: FocusElement | null;
    getAnimations(): { effect: { getComputedTiming(): { endTime: number | string | null } } | null }[];
  };
  getComputedStyle(element: FocusElement): { outlineStyle: string; outlineWidth: string; boxShadow: string };
}

/**
 * What the focused element looks like: an outline or a box-shadow on it, or on the MUI control around it (a
 * checkbox's input is transparent; its ButtonBase draws the ring). A text field shows focus with its own thick
 * border (.Mui-focused), which counts too. Runs in the page.
 */
function focusProbe(): FocusProbe | null {
  const g = globalThis as unknown as PageGlobals;
  const active = g.document.activeElement;
  if (!active || active.tagName === 'BODY') return null;
  const drawn = (el: FocusElement | null) => {
    if (!el) return false;
    const style = g.getComputedStyle(el);
    return (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
  };
  const visible = drawn(active) || drawn(active.closest('.MuiButtonBase-root')) || active.closest('.MuiInputBase-root.Mui-focused') !== null;
  const style = g.getComputedStyle(active);
  return {
    tag: active.tagName,
    text: (active.getAttribute('aria-label') ?? active.textContent ?? '').trim().slice(0, 60),
    outline: `${style.outlineStyle} ${style.outlineWidth}`,
    boxShadow: style.boxShadow,
    visible,
  };
}

interface Finding {
  where: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

describe.skipIf(!run)('accessibility of the console (axe-core, WCAG 2.1 AA)', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startConsole({ inquiries: 400 });
    browser = await openBrowser();
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('admin').email);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** Waits until nothing is loading and no transition (a dialog fading in) is running: contrast is measured as shown. */
  async function settle(p: Page) {
    await expect.poll(() => p.locator('[role="progressbar"], .MuiSkeleton-root').count(), { timeout: 20_000 }).toBe(0);
    await p.waitForFunction(() =>
      (globalThis as unknown as PageGlobals).document.getAnimations().every((a) => {
        const end = a.effect?.getComputedTiming().endTime;
        // Infinite animations (a spinner) never settle; everything else must have finished.
        return end === Infinity || end === null || end === undefined;
      }),
    );
  }

  /** Runs axe on the page as it is now; its serious and critical findings fail the test, described for a person. */
  async function audit(p: Page, where: string) {
    await settle(p);
    const result = await new AxeBuilder({ page: p })
      // WCAG 2.5.3 (label in name) is still "experimental" in axe-core: asked for by name.
      .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
      .withTags(WCAG_TAGS)
      .analyze();
    const serious = result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        where,
        id: v.id,
        impact: v.impact ?? '',
        help: `${v.help} (${v.helpUrl})`,
        // The selector and axe's own words on what is wrong ("insufficient color contrast of 3.11 (#ed6c02 on #fff …)").
        targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ').trim() ?? ''}`),
      }));
    // Soft: one run lists every page's and dialog's findings, not only the first.
    expect.soft(serious, `serious or critical accessibility violations:\n${summary(serious)}`).toEqual([]);
  }

  function summary(list: Finding[]): string {
    return list.map((f) => `[${f.where}] ${f.impact} ${f.id}: ${f.help}\n${f.targets.map((t) => `    ${t}`).join('\n')}`).join('\n');
  }

  /** The console follows the system's colour scheme until someone picks one: emulate the system's. */
  async function emulateScheme(scheme: 'light' | 'dark') {
    await page.emulateMedia({ colorScheme: scheme });
  }
  async function expectScheme(scheme: 'light' | 'dark') {
    await expect.poll(() => page.locator('html').getAttribute('class')).toContain(scheme);
  }

  async function goTo(path: string, heading?: string | RegExp) {
    await page.goto(`${app.url}${path}`);
    await page.getByRole('heading', { level: 1, ...(heading ? { name: heading } : {}) }).waitFor();
  }

  /** Opens a dialog with a button and returns it once it has finished appearing. */
  async function openDialog(button: Locator): Promise<Locator> {
    await expect.poll(() => button.isEnabled(), { timeout: 15_000 }).toBe(true);
    await button.click();
    const dialog = page.getByRole('dialog').last();
    await dialog.waitFor();
    return dialog;
  }

  async function closeDialog(dialog: Locator) {
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5_000 });
  }

  /** A second browser, signed out. */
  async function signedOut<T>(use: (p: Page) => Promise<T>): Promise<T> {
    const context = await openBrowser();
    try {
      return await use(await context.newPage());
    } finally {
      await context.close();
    }
  }

  it('the sign-in page', async () => {
    await signedOut(async (fresh) => {
      await fresh.goto(`${app.url}/sign-in`);
      await fresh.getByRole('textbox', { name: 'Email' }).waitFor();
      await audit(fresh, 'sign-in page');
    });
  });

  it('the inquiries list with data, in light and dark mode', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await emulateScheme(scheme);
      await goTo('/inquiries', 'Inquiries');
      await expectScheme(scheme);
      await page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first().waitFor();
      await audit(page, `inquiries list (${scheme})`);
    }
    await emulateScheme('light');
  });

  const actions = () => page.getByRole('region', { name: 'Actions' });

  /** The inquiry page, then each action dialog its enabled buttons open (the action rows, [data-action]). */
  async function auditInquiryAndDialogs(inquiryId: string, where: string) {
    await goTo(`/inquiries/${inquiryId}`, inquiryId);
    const enabled = actions().locator('[data-action] button:enabled');
    await expect.poll(() => enabled.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await audit(page, `inquiry page (${where})`);
    const labels = await enabled.allTextContents();
    for (const label of labels) {
      const dialog = await openDialog(actions().getByRole('button', { name: label, exact: true }));
      await audit(page, `dialog "${label}" (${where})`);
      await closeDialog(dialog);
    }
    return labels;
  }

  it('an inquiry page and each action dialog it opens, in light and dark mode', async () => {
    // Pending, far from expiry, preferably on an outdated version: every action is open and shows its warnings.
    const pending = await app.database.db
      .selectFrom('inquiries as i')
      .innerJoin('templates as t', 't.id', 'i.template_id')
      .select('i.id')
      .where('i.status', '=', 'pending')
      .where('i.expires_at', '>', new Date(Date.now() + 3 * 3_600_000))
      .orderBy((eb) => eb('i.version_number', '<', eb.ref('t.latest_version_number')), 'desc')
      .orderBy('i.expires_at', 'desc')
      .executeTakeFirstOrThrow();
    for (const scheme of ['light', 'dark'] as const) {
      await emulateScheme(scheme);
      const labels = await auditInquiryAndDialogs(pending.id, scheme);
      // Resume, one-time link, recreate, token link: a loop over fewer would prove less than it says.
      expect(labels.length).toBeGreaterThanOrEqual(4);
    }
    await expectScheme('dark');
    await emulateScheme('light');

    // An expired inquiry: its dialogs ask for acknowledgements and carry warnings.
    const expired = await app.database.db.selectFrom('inquiries').select('id').where('status', '=', 'expired').orderBy('expires_at', 'desc').executeTakeFirstOrThrow();
    await auditInquiryAndDialogs(expired.id, 'expired');

    // The resume result: the token, shown once, with its hand-offs.
    await goTo(`/inquiries/${pending.id}`, pending.id);
    const dialog = await openDialog(actions().getByRole('button', { name: /^Resume/ }));
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('Checking the console for accessibility');
    for (const box of await dialog.getByRole('checkbox').all()) await box.check();
    await dialog.locator('button[type="submit"]').click();
    await dialog.getByRole('textbox', { name: 'Session token' }).waitFor();
    await audit(page, 'resume result');
  });

  it('the templates list, a template page with its policy editor, and their dialogs', async () => {
    await goTo('/templates', 'Templates');
    await audit(page, 'templates list');
    for (const name of ['New inquiry', 'Static link']) {
      const button = page.getByRole('button', { name, exact: true }).first();
      if ((await button.count()) === 0) continue;
      const dialog = await openDialog(button);
      await audit(page, `templates: dialog "${name}"`);
      await closeDialog(dialog);
    }
    const template = await app.database.db.selectFrom('templates').select(['id', 'name']).where('latest_version_number', '>', 0).orderBy('name').executeTakeFirstOrThrow();
    await goTo(`/templates/${template.id}`, template.name);
    await page.getByRole('group', { name: 'After creation' }).waitFor();
    await audit(page, 'template page');
  });

  it('the customers page and its create-key dialog', async () => {
    const customer = await app.database.db.selectFrom('customers').select(['id', 'name']).orderBy('name').executeTakeFirstOrThrow();
    await goTo(`/customers?customer=${customer.id}`, 'Customers');
    await audit(page, 'customers page');
    const dialog = await openDialog(page.getByRole('button', { name: 'Create key' }));
    await audit(page, 'create-key dialog');
    await closeDialog(dialog);
  });

  it('the staff page and its create dialog', async () => {
    await goTo('/staff', 'Staff');
    await page.getByRole('table').first().waitFor();
    await audit(page, 'staff page');
    const dialog = await openDialog(page.getByRole('button', { name: 'Add staff member' }));
    await audit(page, 'create-staff dialog');
    await closeDialog(dialog);
  });

  it('the access report and its bulk-revoke dialog', async () => {
    await goTo('/access', 'Access report');
    await page.getByRole('table', { name: 'Issued access' }).locator('tbody tr').first().waitFor();
    await audit(page, 'access report');
    const dialog = await openDialog(page.getByRole('button', { name: 'Revoke all matching…' }));
    await dialog.getByText(/This revokes exactly/).waitFor();
    await audit(page, 'bulk-revoke dialog');
    await closeDialog(dialog);
  });

  it('the audit log page and an event drawer', async () => {
    await goTo('/audit?q=action%3Astaff.*', 'Audit log');
    await page.getByRole('table', { name: 'Audit events' }).waitFor();
    await audit(page, 'audit log page');
    const drawer = await openDialog(page.getByRole('button', { name: /^Open event / }).first());
    await audit(page, 'audit event drawer');
    await closeDialog(drawer);
    await page.getByRole('textbox', { name: 'Search the log' }).fill('colour:red');
    await page.keyboard.press('Enter');
    await page.getByText(/unknown key "colour:"/).waitFor();
    await audit(page, 'audit log page, search not understood');
  });

  it('the not-found page', async () => {
    await goTo('/no-such-page');
    await audit(page, 'not-found page');
  });

  it('the change-password page', async () => {
    const account = await createStaffAccount(app.database.db, { role: 'support', mustChangePassword: true, password: 'a one-time password 123' });
    await signedOut(async (fresh) => {
      await fresh.goto(`${app.url}/inquiries`);
      await fresh.getByRole('textbox', { name: 'Email' }).fill(account.email);
      const password = fresh.getByLabel(/^Password/);
      await password.fill(account.password);
      await password.press('Enter');
      await fresh.getByRole('heading', { level: 1, name: /password/i }).waitFor();
      await audit(fresh, 'change-password page');
    });
  });

  it('every page has exactly one h1', async () => {
    const inquiry = await app.database.db.selectFrom('inquiries').select('id').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const template = await app.database.db.selectFrom('templates').select('id').orderBy('name').executeTakeFirstOrThrow();
    const pages = ['/inquiries', `/inquiries/${inquiry.id}`, '/inquiries/inq_doesNotExist0000000000', '/templates', `/templates/${template.id}`, '/staff', '/customers', '/audit', '/access', '/no-such-page'];
    for (const path of pages) {
      await goTo(path);
      await settle(page);
      expect(await page.locator('h1').count(), path).toBe(1);
    }
  });

  it('after opening an inquiry from the list by keyboard, the focus is on its heading', async () => {
    await goTo('/inquiries', 'Inquiries');
    const link = page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first();
    await link.waitFor();
    const id = (await link.textContent()) ?? '';
    await link.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: id }).waitFor();
    await expect
      .poll(() =>
        page.evaluate(() => {
          const active = (globalThis as unknown as PageGlobals).document.activeElement;
          return active ? `${active.tagName}:${active.textContent ?? ''}` : null;
        }),
      )
      .toBe(`H1:${id}`);
    // Reached by keyboard: the ring shows where the focus went.
    expect((await page.evaluate(focusProbe))?.visible).toBe(true);
  });

  it('after a click in the navigation the heading takes the focus without drawing a ring', async () => {
    await goTo('/inquiries', 'Inquiries');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    await expect.poll(async () => (await page.evaluate(focusProbe))?.tag).toBe('H1');
    expect((await page.evaluate(focusProbe))?.outline).toMatch(/^none/);
  });

  it('Tab from the top of the page shows where the focus is, on every control it reaches', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await emulateScheme(scheme);
      await goTo('/inquiries', 'Inquiries');
      await expectScheme(scheme);
      await page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first().waitFor();
      await settle(page);
      // The app bar, the navigation, the quick views and filters, into the grid.
      for (let stop = 1; stop <= 25; stop++) {
        await page.keyboard.press('Tab');
        const probe = await page.evaluate(focusProbe);
        expect(probe, `${scheme}, Tab ${stop}: nothing has the focus`).not.toBeNull();
        expect(probe?.visible, `${scheme}, Tab ${stop}: no visible focus indicator on ${JSON.stringify(probe)}`).toBe(true);
      }
    }
    await emulateScheme('light');
  });
});
