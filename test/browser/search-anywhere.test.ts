import AxeBuilder from '@axe-core/playwright';
import { sql } from 'kysely';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * Issue 14, "Search anywhere": a support agent pastes what the end user sent (a hosted-flow link) into the top bar
 * and lands on the inquiry; with Ctrl+K from another page they look an email up and pick one of several matches
 * with the keyboard alone. axe-core checks the list of matches and the palette on the way.
 */
const run = browserOrSkip();

/** The few browser globals read inside the page (this project's Node types have no DOM). */
interface PageGlobals {
  navigator: { clipboard: { writeText(text: string): Promise<void> } };
  document: { activeElement: unknown };
}

async function seriousViolations(page: Page, include: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).include(include).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe.skipIf(!run)('search anywhere: the top bar and the command palette', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startConsole();
    browser = await openBrowser();
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('support').email, undefined, '/templates');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('a pasted hosted-flow link in the top bar lands on its inquiry', async () => {
    const row = await app.database.db.selectFrom('inquiries').select('id').where('status', '=', 'pending').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
    const link = `${app.deps.config.hostedFlowUrl}?inquiry-id=${row.id}&session-token=eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl`;

    const search = page.getByRole('combobox', { name: 'Find an inquiry' });
    await search.click();
    await page.evaluate((text) => (globalThis as unknown as PageGlobals).navigator.clipboard.writeText(text), link);
    await page.keyboard.press('Control+V');
    await expect.poll(() => search.inputValue()).toBe(link);
    await page.keyboard.press('Enter');

    await page.waitForURL((u) => u.pathname === `/inquiries/${row.id}`);
    await page.getByRole('heading', { name: row.id }).waitFor();
    // The box is clear again for the next look-up.
    expect(await search.inputValue()).toBe('');
  });

  it('Ctrl+K opens the palette anywhere; several matches of an email are picked with the arrow keys', async () => {
    // An end user who came back: their successor inquiry copies the email, so it names several inquiries.
    const found = await sql<{ email: string; n: number }>`
      select fields ->> 'email-address' as email, count(*)::int as n from inquiries
      where email_normalized is not null group by 1 having count(*) between 2 and 10 order by 2 desc, 1 limit 1`.execute(app.database.db);
    const person = found.rows[0];
    if (!person) throw new Error('the demo world has no email with several inquiries');
    const ids = await app.database.db
      .selectFrom('inquiries')
      .select('id')
      .where('email_normalized', '=', person.email.toLowerCase())
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();

    await page.goto(`${app.url}/templates`);
    await page.getByRole('heading', { name: 'Templates' }).waitFor();
    await page.keyboard.press('Control+K');
    const palette = page.getByRole('dialog', { name: 'Find an inquiry' });
    const input = palette.getByRole('combobox', { name: 'Find an inquiry' });
    await expect.poll(() => input.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement)).toBe(true);

    await page.keyboard.type(person.email.toUpperCase());
    await page.keyboard.press('Enter');
    const options = palette.getByRole('listbox', { name: 'Matching inquiries' }).getByRole('option');
    await expect.poll(() => options.count()).toBe(person.n);
    expect(await seriousViolations(page, '[role="dialog"]')).toEqual([]);

    const highlighted = async () => page.locator(`[id="${(await input.getAttribute('aria-activedescendant')) ?? ''}"]`).getAttribute('data-inquiry-id');
    await expect.poll(highlighted).toBe(ids[0]?.id);
    await page.keyboard.press('ArrowDown');
    await expect.poll(highlighted).toBe(ids[1]?.id);
    await page.keyboard.press('Enter');

    await page.waitForURL((u) => u.pathname === `/inquiries/${ids[1]?.id}`);
    await palette.waitFor({ state: 'detached' });
  });

  it('Escape closes the palette and gives the focus back; the top bar lists several matches accessibly', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Templates' });
    const navFocused = () => nav.evaluate((el) => el === (globalThis as unknown as PageGlobals).document.activeElement);
    // The previous step navigated: let the page's heading take the focus first (it does so once, after a
    // navigation), then put it on the link, and see it stay there.
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.waitForTimeout(300);
    await nav.focus();
    await expect.poll(navFocused).toBe(true);
    await page.keyboard.press('/');
    const palette = page.getByRole('dialog', { name: 'Find an inquiry' });
    await palette.waitFor();
    await page.keyboard.press('Escape');
    await palette.waitFor({ state: 'detached' });
    await expect.poll(navFocused).toBe(true);

    const email = await sql<{ email: string }>`
      select fields ->> 'email-address' as email from inquiries where email_normalized is not null
      group by 1 having count(*) between 2 and 10 order by 1 limit 1`.execute(app.database.db);
    const search = page.getByRole('combobox', { name: 'Find an inquiry' });
    await search.fill(email.rows[0]?.email ?? '');
    await search.press('Enter');
    await page.getByRole('listbox', { name: 'Matching inquiries' }).waitFor();
    expect(await search.getAttribute('aria-expanded')).toBe('true');
    expect(await seriousViolations(page, '[role="search"]')).toEqual([]);
    await search.press('Escape');
    await page.getByRole('listbox', { name: 'Matching inquiries' }).waitFor({ state: 'detached' });
  });
});
