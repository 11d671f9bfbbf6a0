import fs from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../server/auth/principal.js';
import { callerFor } from '../server/fixtures.js';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * Compliance's review, in a real browser (issue 10): open *Live token links*, narrow it to one agent, revoke one of
 * that agent's links with a reason, export the report as CSV, then find the revocation and the export in the audit
 * log and open the revocation's event.
 */
const run = browserOrSkip();

describe.skipIf(!run)('compliance reviews session-bearing access in the browser', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;
  const agentLinks: string[] = [];

  async function principal(role: 'support' | 'admin'): Promise<StaffPrincipal> {
    const { email } = demoStaff(role);
    const row = await app.database.db.selectFrom('staff').select(['id', 'email', 'display_name']).where('email', '=', email).executeTakeFirstOrThrow();
    return { id: row.id, email: row.email, displayName: row.display_name, role };
  }

  beforeAll(async () => {
    app = await startConsole({ inquiries: 80 });
    const open = await app.database.db
      .selectFrom('inquiries')
      .select('id')
      .where('status', '=', 'pending')
      .where('expires_at', '>', new Date(Date.now() + 6 * 3_600_000))
      .orderBy('expires_at', 'desc')
      .limit(3)
      .execute();
    expect(open).toHaveLength(3);
    // Two token links by the support agent, one by the admin: the agent filter has something to leave out.
    const support = callerFor(app.database, () => new Date(), await principal('support'));
    const admin = callerFor(app.database, () => new Date(), await principal('admin'));
    const link = (caller: typeof support, inquiryId: string, ticket: string) =>
      caller.links.createWithToken({
        inquiryId,
        reason: 'Customer must keep their prefilled answers after the browser crashed',
        ticket,
        expiresInMinutes: 60,
        acknowledgeRisk: true,
        acknowledgeOutdated: true,
        idempotencyKey: `journey-compliance-${inquiryId}`,
      });
    for (const [i, row] of open.slice(0, 2).entries()) {
      const issued = await link(support, row.id, `SUP-${100 + i}`);
      if ('linkId' in issued) agentLinks.push(issued.linkId);
    }
    await link(admin, open[2]?.id ?? '', 'SUP-200');
    expect(agentLinks).toHaveLength(2);

    browser = await openBrowser();
    page = await browser.newPage();
    await signInThroughPage(page, app, demoStaff('compliance').email, undefined, '/access');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('live token links → one agent → revoke with a reason → export CSV → both in the log, the event opened', async () => {
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.getByRole('button', { name: /Live token links/ }).click();
    const table = page.getByRole('table', { name: 'Issued access' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(3);

    // One agent: the support agent's two links, not the admin's.
    const issuedBy = page.getByRole('textbox', { name: 'Issued by' });
    await issuedBy.fill(demoStaff('support').email);
    await issuedBy.press('Enter');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);

    // Revoke one of them, with a reason.
    const target = (await table.locator('tbody tr').first().getAttribute('data-row-id')) ?? '';
    expect(agentLinks).toContain(target);
    await page.getByRole('button', { name: `Revoke ${target}` }).click();
    const confirm = page.getByRole('dialog', { name: /Revoke token link/ });
    await confirm.getByRole('textbox', { name: /Reason/ }).fill('Issued without a second look; the customer now has a one-time link');
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    // Live only: the revoked link leaves the view.
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);

    // Export what the filters show, as CSV: its first record names the export and the filter.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const csv = await fs.readFile(await download.path(), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^"?# Inquiry Desk access report export exp_\w+ \| exported .* by compliance@demo\.test/);
    expect(csv).toContain(demoStaff('support').email);

    // The audit log: the revocation, opened, and the export.
    await page.getByRole('link', { name: 'Audit', exact: true }).click();
    const search = page.getByRole('textbox', { name: 'Search the log' });
    await search.fill('action:link.revoked');
    await search.press('Enter');
    const events = page.getByRole('table', { name: 'Audit events' });
    const revoked = events.getByRole('button', { name: /: link\.revoked$/ }).first();
    await revoked.waitFor();
    await revoked.click();
    const drawer = page.getByRole('dialog');
    await expect.poll(() => drawer.getByText('Issued without a second look; the customer now has a one-time link').count()).toBeGreaterThan(0);
    await drawer.getByRole('button', { name: 'Close' }).click();

    await search.fill('action:audit.exported');
    await search.press('Enter');
    await events.getByRole('button', { name: /: audit\.exported$/ }).first().waitFor();
  });
});
