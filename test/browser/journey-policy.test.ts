import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * A manager tunes a template's expiration policy in a real browser: changes an interval, watches the impact
 * preview and the chart's cut-off follow, saves with a reason, sees the revision's diff in the history; the audit
 * log has `policy.updated`, and an inquiry created afterwards through the template's static link gets the new expiry.
 */
const run = browserOrSkip();

describe.skipIf(!run)('the expiration policy editor in the browser', () => {
  let app: RunningConsole;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startConsole({ inquiries: 400 });
    browser = await openBrowser();
    page = await browser.newPage();
    const { email, password } = demoStaff('manager');
    await signInThroughPage(page, app, email, password, '/templates');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('changes an interval with the preview in view, saves it with a reason, and new inquiries follow it', async () => {
    const template = await app.database.db.selectFrom('templates').select(['id', 'name']).where('latest_version_number', '>', 0).orderBy('name').executeTakeFirstOrThrow();
    await page.getByRole('region', { name: template.name }).getByRole('link', { name: 'Policy, charts and versions' }).click();
    await page.waitForURL((u) => u.pathname === `/templates/${template.id}`);

    const afterCreation = page.getByRole('group', { name: 'After creation' });
    await afterCreation.getByRole('combobox', { name: 'After creation unit' }).selectOption('hours');
    await afterCreation.getByRole('spinbutton', { name: 'After creation' }).fill('6');
    // The preview recomputes from the database, and the proposed cut-off is drawn on the creation → completion chart.
    await page.getByText('Proposed cut-off 6 h').first().waitFor({ timeout: 15_000 });
    const finishedTable = page.getByRole('table', { name: /^Finished inquiries of the last 90 days/ });
    await expect.poll(() => finishedTable.getByRole('row').count(), { timeout: 15_000 }).toBeGreaterThan(1);

    await page.getByRole('button', { name: 'Save policy…' }).click();
    const dialog = page.getByRole('dialog', { name: `Save the expiration policy of ${template.name}?` });
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('Kiosk users finish within a few hours');
    await dialog.getByRole('button', { name: 'Save policy' }).click();
    await expect.poll(() => dialog.count()).toBe(0);

    // The history shows the new revision, its diff against the previous one marks the change.
    const revisions = page.getByRole('table', { name: 'Policy revisions' });
    await revisions.getByRole('row', { name: /Kiosk users finish within a few hours/ }).waitFor();
    const diff = page.getByRole('table', { name: /^Revision #\d+ compared with #\d+/ });
    await diff.getByRole('row', { name: /After creation.*changed/ }).waitFor();

    const [event] = await app.database.db
      .selectFrom('audit_events')
      .select(['actor_display', 'reason', 'metadata'])
      .where('action', '=', 'policy.updated')
      .where('target_id', '=', template.id)
      .execute();
    expect(event).toMatchObject({ actor_display: demoStaff('manager').email, reason: 'Kiosk users finish within a few hours' });
    expect((event?.metadata as { after: { afterCreateMinutes: number } }).after.afterCreateMinutes).toBe(360);

    // An end user opens the template's static link: the inquiry created for them expires 6 h after creation.
    const referenceId = `usr_policy_${Date.now()}`;
    const endUser = await openBrowser();
    try {
      const userPage = await endUser.newPage();
      await userPage.goto(app.deps.provider.staticLinkUrl(template.id, referenceId));
      await expect
        .poll(async () => (await app.database.db.selectFrom('inquiries').select('id').where('reference_id', '=', referenceId).execute()).length, { timeout: 15_000 })
        .toBe(1);
    } finally {
      await endUser.close();
    }
    const created = await app.database.db.selectFrom('inquiries').select(['created_at', 'expires_at']).where('reference_id', '=', referenceId).executeTakeFirstOrThrow();
    expect(created.expires_at.getTime() - created.created_at.getTime()).toBe(6 * 3_600_000);
  });
});
