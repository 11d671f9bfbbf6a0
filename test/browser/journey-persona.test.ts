import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../server/crypto.js';
import { startInboxApplier, type InboxApplier } from '../../server/services/persona-inbox.js';
import { providerHarness, WEBHOOK_SECRETS, type ProviderHarness } from '../server/providers.js';
import { actionsRegion, browserOrSkip, demoStaff, openAction as openActionIn, openBrowser, signInThroughPage, startConsole, type RunningConsole } from './harness.js';

/**
 * The UI and the audit trail are the same over both providers (issue 15): the support journey of
 * journey-actions.test.ts — a stuck inquiry resumed, its token copied from the same dialog — with
 * INQUIRY_PROVIDER=persona against the fake Persona API (test/fakes/persona). The token is Persona's; the end user
 * finishes at Persona, whose signed webhooks reach /webhooks/persona and are applied to the console's mirror; then
 * compliance finds the resume in the audit log, by the token's fingerprint and never the token.
 */
const run = browserOrSkip();

/** The few browser globals the journey reads inside the page (this project's Node types have no DOM). */
interface PageGlobals {
  navigator: { clipboard: { readText(): Promise<string> } };
}

/** A JWT's claims, unverified: the test only reads which session Persona's token names. */
function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe.skipIf(!run)('the support journey over the Persona provider', () => {
  let app: RunningConsole;
  let persona: ProviderHarness;
  let applier: InboxApplier | undefined;
  let agent: BrowserContext;
  let page: Page;
  const now = () => new Date();
  /** Set by the first journey, read by the second. */
  let inquiryId = '';
  let token = '';

  beforeAll(async () => {
    app = await startConsole({
      inquiries: 400,
      now,
      // The fake Persona API, told the demo world's templates and versions before the app is built on it.
      env: async (database) => {
        persona = await providerHarness('persona', database, now);
        await persona.syncTemplates();
        return persona.env;
      },
    });
    // Persona's deliveries go to the console's own route, signed with a secret it knows.
    persona.fake?.webhooks.configure({ url: `${app.url}/webhooks/persona`, secrets: WEBHOOK_SECRETS });
    // server/index.ts starts the inbox's applier beside the app; createApp alone does not.
    applier = startInboxApplier(app.deps, { intervalMs: 500 });
    agent = await openBrowser();
    await agent.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = await agent.newPage();
    const { email, password } = demoStaff('support');
    await signInThroughPage(page, app, email, password, '/inquiries');
  });
  afterAll(async () => {
    applier?.();
    await applier?.drained();
    await agent?.close();
    await persona?.close();
    await app?.close();
  });

  const fake = () => {
    if (!persona.fake) throw new Error('the Persona harness has no fake');
    return persona.fake;
  };
  const actions = () => actionsRegion(page);
  const openAction = (name: string) => openActionIn(page, name);

  it('resumes a stuck inquiry with Persona’s token, and the console shows the end user’s completion from its webhooks', async () => {
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { provider?: string };
    expect(health.provider).toBe('persona');

    const stuck = page.getByRole('link', { name: /^Stuck: .* — show them$/ });
    const stuckCount = Number(/^Stuck: ([\d,]+)/.exec((await stuck.getAttribute('aria-label')) ?? '')?.[1]?.replace(/,/g, ''));
    expect(stuckCount).toBeGreaterThan(0);
    await stuck.click();
    await page.waitForURL((u) => u.searchParams.get('view') === 'stuck');
    await page.getByText(`${stuckCount} ${stuckCount === 1 ? 'inquiry' : 'inquiries'}`, { exact: true }).waitFor();
    inquiryId = (await page.getByRole('grid').getByRole('link', { name: /^inq_/ }).first().textContent()) ?? '';
    expect(inquiryId).toMatch(/^inq_/);
    // Persona holds this inquiry as the console's rows say (the demo world was "mirrored" from it).
    await persona.track(inquiryId);
    expect(fake().inquiry(inquiryId)?.status).toBe('pending');
    await page.getByRole('grid').getByRole('link', { name: inquiryId }).click();
    await page.getByRole('heading', { name: inquiryId, level: 1 }).waitFor();

    const dialog = await openAction('Resume and copy token');
    await dialog.getByRole('textbox', { name: /Reason/ }).fill('User closed the app mid-flow (ticket SUP-151)');
    const pinned = await app.database.db
      .selectFrom('inquiries as i')
      .innerJoin('templates as t', 't.id', 'i.template_id')
      .select(['i.version_number', 't.latest_version_number'])
      .where('i.id', '=', inquiryId)
      .executeTakeFirstOrThrow();
    const resumeBoxes = dialog.getByRole('checkbox');
    const expectedBoxes = pinned.version_number < pinned.latest_version_number ? 1 : 0;
    await expect.poll(() => resumeBoxes.count()).toBe(expectedBoxes);
    for (const box of await resumeBoxes.all()) await box.check();
    await dialog.getByRole('button', { name: 'Resume and copy token' }).click();

    // The same dialog as with the local engine: the token once, the inquiry id, a copy button.
    const tokenField = dialog.getByRole('textbox', { name: 'Session token' });
    await tokenField.waitFor();
    token = await tokenField.inputValue();
    await dialog.getByText(/This token is shown only now/).waitFor();
    await expect(dialog.getByRole('textbox', { name: 'Inquiry id' }).inputValue()).resolves.toBe(inquiryId);
    await dialog.getByRole('button', { name: 'Copy session token' }).click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard.readText())).toBe(token);

    // Persona's token: a JWT naming a session Persona has for this inquiry, made by the resume call.
    expect(token.split('.')).toHaveLength(3);
    const sessionId = claimsOf(token).sid;
    expect(typeof sessionId).toBe('string');
    expect(fake().sessions(inquiryId).map((s) => s.id)).toContain(sessionId);
    expect(fake().effects.filter((e) => e.operation === 'resume' && e.inquiryId === inquiryId).map((e) => e.sessionId)).toEqual([sessionId]);

    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain(token);
    // The new session is on the page by id and fingerprint, never by token, and on the timeline.
    const sessionRow = page.getByRole('table', { name: 'Sessions' }).getByRole('row').filter({ hasText: String(sessionId) });
    await sessionRow.getByText(`fp ${fingerprint(token)}`).waitFor();
    await expect(sessionRow.getByText('live', { exact: true }).count()).resolves.toBe(1);
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByRole('listitem').filter({ hasText: 'Session issued' }).filter({ hasText: String(sessionId) }).waitFor();

    // The end user opens the session at Persona and finishes; Persona tells the console by its webhooks.
    fake().simulate.sessionStarted(String(sessionId));
    fake().simulate.complete(inquiryId);
    const deliveries = await fake().webhooks.deliver();
    expect(deliveries.length).toBeGreaterThan(0);
    expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => 200));
    await expect
      .poll(async () => (await app.database.db.selectFrom('inquiries').select('status').where('id', '=', inquiryId).executeTakeFirstOrThrow()).status, { timeout: 15_000 })
      .toBe('completed');

    await page.reload();
    await page.getByRole('heading', { name: inquiryId, level: 1 }).waitFor();
    await page.getByRole('heading', { name: inquiryId, level: 1 }).locator('..').getByText('Completed', { exact: true }).waitFor();
    await timeline.getByRole('listitem').filter({ hasText: 'Completed' }).filter({ hasText: 'by: persona' }).waitFor();
    await timeline.getByRole('listitem').filter({ hasText: 'Session started' }).filter({ hasText: String(sessionId) }).waitFor();
    await expect.poll(() => actions().getByRole('button', { name: 'Resume and copy token' }).isDisabled(), { timeout: 15_000 }).toBe(true);
  });

  it('compliance finds the resume in the audit log with the token’s fingerprint, and no token', async () => {
    expect(token).not.toBe('');
    const reviewer = await openBrowser();
    try {
      const review = await reviewer.newPage();
      const { email, password } = demoStaff('compliance');
      await signInThroughPage(review, app, email, password, '/audit');
      const search = review.getByRole('textbox', { name: 'Search the log' });
      await search.fill(`action:inquiry.resumed inquiry:${inquiryId}`);
      await search.press('Enter');
      const events = review.getByRole('table', { name: 'Audit events' });
      const resumed = events.getByRole('row').filter({ hasText: inquiryId }).getByRole('button', { name: /: inquiry\.resumed$/ });
      // The unfiltered first page may show it too, before the search's page replaces it: wait for the filtered one.
      await expect.poll(() => resumed.count(), { timeout: 15_000 }).toBe(1);
      await resumed.click();
      const drawer = review.getByRole('dialog');
      await drawer.getByRole('heading', { name: 'inquiry.resumed' }).waitFor();
      await drawer.getByText(`inquiry ${inquiryId}`, { exact: true }).waitFor();
      await drawer.getByText('User closed the app mid-flow (ticket SUP-151)').waitFor();
      const details = drawer.getByRole('region', { name: 'Details' });
      await details.getByText('tokenFingerprint').waitFor();
      await details.getByText(fingerprint(token), { exact: true }).waitFor();
      expect(await review.content()).not.toContain(token);
    } finally {
      await reviewer.close();
    }
    // Nowhere in the trail: no audit event carries the token itself.
    const trail = await app.database.db.selectFrom('audit_events').selectAll().execute();
    expect(trail.length).toBeGreaterThan(0);
    expect(JSON.stringify(trail)).not.toContain(token);
  });
});
