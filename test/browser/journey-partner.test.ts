import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerClient } from '../partner-api/client.js';
import { browserOrSkip, demoStaff, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * The partner API from the admin's side, in a real browser: create a customer's key on the Customers page, hand the
 * secret (shown once) to the partner, whose backend resumes one of its inquiries with it; then revoke the key and
 * the partner is refused.
 */
const run = browserOrSkip();

describe.skipIf(!run)('partner API keys in the browser', () => {
  let app: RunningConsole;
  let admin: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    app = await startConsole({ inquiries: 400 });
    admin = await openBrowser();
    page = await admin.newPage();
    const { email, password } = demoStaff('admin');
    await signInThroughPage(page, app, email, password, '/customers');
  });
  afterAll(async () => {
    await admin?.close();
    await app?.close();
  });

  it('an admin creates a key, the partner resumes with it, and after revoking it the partner is refused', async () => {
    // An open inquiry of some customer, as the partner's backend would hold its id.
    const target = await app.database.db
      .selectFrom('inquiries as i')
      .innerJoin('customers as c', 'c.id', 'i.customer_id')
      .select(['i.id', 'c.id as customerId', 'c.name as customerName'])
      .where('i.status', '=', 'pending')
      .where('i.expires_at', '>', new Date())
      .orderBy('i.created_at', 'desc')
      .executeTakeFirstOrThrow();

    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    await page.getByRole('table', { name: 'Customers' }).getByRole('link', { name: target.customerName, exact: true }).click();
    await page.getByRole('table', { name: `API keys of ${target.customerName}` }).or(page.getByText('No API keys yet')).first().waitFor();

    await page.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog', { name: `Create an API key for ${target.customerName}` });
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('Production backend');
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('Onboarding their resume integration (ticket PART-7)');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    const shown = page.getByRole('dialog', { name: `API key “Production backend” for ${target.customerName}` });
    const secret = await shown.getByRole('textbox', { name: 'API key' }).inputValue();
    expect(secret).toMatch(/^idk_live_/);
    await shown.getByRole('button', { name: 'I have copied it' }).click();
    await expect.poll(() => shown.count()).toBe(0);

    const partner = partnerClient(app.url, secret);
    const resumed = await partner.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: target.id } } });
    expect(resumed.response.status).toBe(200);
    expect(resumed.data?.data.attributes.status).toBe('pending');
    expect(resumed.data?.meta['session-token']).toBeTruthy();

    // The key's row now shows it was used; revoke it with a reason.
    const keys = page.getByRole('table', { name: `API keys of ${target.customerName}` });
    await page.reload();
    await keys.getByRole('row', { name: /Production backend/ }).waitFor();
    await keys.getByRole('button', { name: 'Revoke key Production backend' }).click();
    const confirm = page.getByRole('dialog', { name: /Revoke the key “Production backend”/ });
    await confirm.getByRole('textbox', { name: /Reason/ }).fill('Partner rotated to a new key');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await expect.poll(() => confirm.count()).toBe(0);

    const refused = await partner.POST('/api/v1/inquiries/{id}/resume', { params: { path: { id: target.id } } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toEqual({ errors: [{ title: 'Must be authenticated to access this endpoint' }] });
  });
});
