import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inquiryCompleted, rebuildCompletionDays } from '../../server/repositories/inquiry-store/index.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, createStaffAccount } from '../helpers/auth.js';
import { providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, errorOf, DAY, HOUR, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

const DAYS = (n: number) => n * 24 * 60;

describe.each(testEngines())('expiration policy and versions on %s', (engine) => {
  let database: TestDatabase;
  let manager: ReturnType<typeof callerFor>;
  let support: ReturnType<typeof callerFor>;
  let viewer: ReturnType<typeof callerFor>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    const m = await createStaffAccount(database.db, { role: 'manager' });
    const s = await createStaffAccount(database.db, { role: 'support' });
    manager = callerFor(database, () => NOW, staffPrincipal('manager', m.id));
    support = callerFor(database, () => NOW, staffPrincipal('support', s.id));
    viewer = callerFor(database, () => NOW, staffPrincipal('viewer', 'stf_viewer'));
  });
  afterAll(async () => {
    await database?.close();
  });

  const policy = { afterCreateMinutes: 1440, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60 };

  /** A finished inquiry that took `toStart` from creation to start and `toComplete` from start to completion. */
  async function finished(template: TemplateFixture, toStartMinutes: number, toCompleteMinutes: number) {
    const id = await addInquiry(database.db, template, { status: 'completed', createdAt: ago(10 * DAY) });
    const started = new Date(ago(10 * DAY).getTime() + toStartMinutes * MINUTE);
    await database.db
      .updateTable('inquiries')
      .set({ started_at: started, completed_at: new Date(started.getTime() + toCompleteMinutes * MINUTE) })
      .where('id', '=', id)
      .execute();
    await rebuildCompletionDays(database.db); // as the seed does after writing finished rows directly
    return id;
  }

  describe('saving a policy', () => {
    it('saves a revision with a reason, audited with before and after', async () => {
      const t = await addTemplate(database.db, 'Onboarding', 1);
      const saved = await manager.templates.updatePolicy({
        templateId: t.id,
        expectedRevisionId: t.policyRevisionId,
        ...policy,
        afterCreateMinutes: DAYS(3),
        resumeCooldownMinutes: 30,
        reason: 'Users need a weekend to find their documents',
      });
      expect(saved).toMatchObject({ afterCreateMinutes: DAYS(3), resumeCooldownMinutes: 30, reason: 'Users need a weekend to find their documents' });
      const [event] = await auditEvents(database.db, { action: 'policy.updated', targetId: t.id });
      expect(event?.metadata).toMatchObject({
        revisionId: saved.revisionId,
        previousRevisionId: t.policyRevisionId,
        before: { afterCreateMinutes: 1440, resumeCooldownMinutes: null },
        after: { afterCreateMinutes: DAYS(3), resumeCooldownMinutes: 30 },
      });
      const history = await viewer.templates.policyHistory({ templateId: t.id });
      expect(history.items.map((r) => r.revisionId)).toEqual([saved.revisionId, t.policyRevisionId]);
    });

    it('refuses the second of two saves made from the same revision, saying why', async () => {
      const t = await addTemplate(database.db, 'KYB', 1);
      await manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: t.policyRevisionId, ...policy, afterResumeMinutes: 600, reason: 'First editor saves' });
      await expect(
        manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: t.policyRevisionId, ...policy, afterResumeMinutes: 900, reason: 'Second editor saves' }),
      ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/Someone else saved/) as unknown });
      expect((await viewer.templates.policyHistory({ templateId: t.id })).items).toHaveLength(2);
    });

    it('refuses intervals outside 10 minutes … 30 days with the field named', async () => {
      const t = await addTemplate(database.db, 'Bounds', 1);
      await expect(manager.templates.updatePolicy({ templateId: t.id, ...policy, afterCreateMinutes: 5, reason: 'Too short a policy' })).rejects.toThrow(
        /"afterCreateMinutes"[\s\S]*at least 10 minutes|at least 10 minutes[\s\S]*"afterCreateMinutes"/,
      );
      await expect(manager.templates.updatePolicy({ templateId: t.id, ...policy, afterResumeMinutes: DAYS(31), reason: 'Too long a policy' })).rejects.toThrow(
        /"afterResumeMinutes"[\s\S]*at most 30 days|at most 30 days[\s\S]*"afterResumeMinutes"/,
      );
    });

    it('answers a reason it could not store with a clear 400, saving nothing', async () => {
      const t = await addTemplate(database.db, 'Nul', 1);
      await expect(manager.templates.updatePolicy({ templateId: t.id, ...policy, reason: 'Bad \u0000 reason' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      await expect(manager.templates.publishVersion({ templateId: t.id, notes: 'Notes \u0000', reason: 'A fine reason' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
      expect((await viewer.templates.policyHistory({ templateId: t.id })).items).toHaveLength(1);
    });

    it('lets a template lengthen the resume cooldown window, never shorten it below the server setting', async () => {
      const t = await addTemplate(database.db, 'Cooldown', 1);
      const id = await addInquiry(database.db, t, { status: 'pending', expiresAt: ahead(DAY) });
      // Three resumes 30 minutes ago: outside the server's 10-minute window, inside a template's 60-minute one.
      await database.db.insertInto('rate_limit_events').values([1, 2, 3].map(() => ({ bucket: `resume:${id}`, occurred_at: ago(30 * MINUTE) }))).execute();
      expect((await support.inquiries.actionsFor({ id })).resume.allowed).toBe(true);
      const longer = await manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: t.policyRevisionId, ...policy, resumeCooldownMinutes: 60, reason: 'Slow down eager resumes' });
      const refused = await support.inquiries.actionsFor({ id });
      expect(refused.resume.allowed).toBe(false);
      expect(refused.limits.resumeCooldownMinutes).toBe(60);
      await manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: longer.revisionId, ...policy, resumeCooldownMinutes: 1, reason: 'Try to loosen it' });
      expect((await support.inquiries.actionsFor({ id })).limits.resumeCooldownMinutes).toBe(10);
    });

    it('is refused to support and viewers', async () => {
      const t = await addTemplate(database.db, 'Roles', 1);
      await expect(support.templates.updatePolicy({ templateId: t.id, ...policy, reason: 'Not my job to change this' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    });

    it('gives inquiries created afterwards the new expiry, and the template caps apply to the guards', async () => {
      const t = await addTemplate(database.db, 'Static', 1);
      await manager.templates.updatePolicy({
        templateId: t.id,
        expectedRevisionId: t.policyRevisionId,
        ...policy,
        afterCreateMinutes: 90,
        tokenLinkMaxMinutes: 30,
        reason: 'Short-lived flow for kiosks',
      });
      const deps = testDeps(database);
      await deps.provider.ready();
      const created = await database.db.transaction().execute((trx) =>
        deps.provider.createInquiry(trx, { templateId: t.id, referenceId: 'usr_1', customerId: null, accountId: null, fields: {}, predecessorId: null, kind: 'just_in_time' }, NOW),
      );
      expect(created.expiresAt.toISOString()).toBe(new Date(NOW.getTime() + 90 * MINUTE).toISOString());
      // A pending inquiry of this template: the token link's longest lifetime is the template's cap, not the server's.
      const pending = await addInquiry(database.db, t, { status: 'pending', expiresAt: ahead(DAY) });
      const verdicts = await support.inquiries.actionsFor({ id: pending });
      expect(verdicts.tokenLink.maxMinutes).toBe(30);
    });
  });

  describe('the impact preview', () => {
    it('counts, in SQL, the finished inquiries that would have expired under each policy, and the open ones it would change', async () => {
      const t = await addTemplate(database.db, 'Preview', 1);
      await finished(t, 30, 60); // in time for both
      await finished(t, 20 * 60, 30); // started after 20 h: in time for 24 h, too late for 12 h
      await finished(t, 60, 30 * 60); // completed 30 h after start: too late for 24 h after start
      const open = await addInquiry(database.db, t, { status: 'created', createdAt: ago(2 * HOUR), expiresAt: ahead(22 * HOUR) });
      const preview = await manager.templates.previewPolicy({ templateId: t.id, ...policy, afterCreateMinutes: 12 * 60, afterStartMinutes: 48 * 60 });
      expect(preview.finished.total).toBe(3);
      expect(preview.finished.current).toMatchObject({ expiredBeforeStart: 0, expiredBeforeCompletion: 1 });
      expect(preview.finished.proposed).toMatchObject({ expiredBeforeStart: 1, expiredBeforeCompletion: 0 });
      expect(preview.finished.current.share).toBeCloseTo(1 / 3);
      // The open one was created 2 h ago: 12 h after creation brings its expiry 12 h closer.
      expect(preview.open).toMatchObject({ total: 1, changed: 1, loseTime: 1, gainTime: 0, expireAtOnce: 0 });
      const buckets = preview.histograms.startToCompletion;
      expect(buckets.reduce((sum, b) => sum + b.count, 0)).toBe(3);
      expect(buckets.find((b) => b.fromMinutes === 1440)?.count).toBe(1); // the 30 h one: [1 d, 2 d)
      const rowAfter = await database.db.selectFrom('inquiries').select('expires_at').where('id', '=', open).executeTakeFirstOrThrow();
      expect(rowAfter.expires_at.toISOString()).toBe(ahead(22 * HOUR).toISOString()); // a preview changes nothing
    });

    it('counts an inquiry the end user completes in the histograms at once (the store keeps the per-day counts)', async () => {
      const t = await addTemplate(database.db, 'Completing', 1);
      const id = await addInquiry(database.db, t, { status: 'pending', createdAt: ago(3 * HOUR), expiresAt: ahead(DAY) });
      const before = await viewer.templates.get({ templateId: t.id });
      expect(before.finishedTotal).toBe(0);
      await database.db.transaction().execute((trx) => inquiryCompleted(trx, id, NOW, 'iqse_test'));
      const after = await viewer.templates.get({ templateId: t.id });
      expect(after.finishedTotal).toBe(1);
      // Created 3 h ago: the [2 h, 4 h) bar; started a minute after creation: the same bar from start.
      expect(after.histograms.creationToCompletion.find((b) => b.fromMinutes === 120)?.count).toBe(1);
      expect(after.histograms.startToCompletion.find((b) => b.fromMinutes === 120)?.count).toBe(1);
    });

    it('warns above the 15 days Persona recommends', async () => {
      const t = await addTemplate(database.db, 'Long', 1);
      const preview = await manager.templates.previewPolicy({ templateId: t.id, ...policy, afterCreateMinutes: DAYS(20) });
      expect(preview.warnings.join(' ')).toMatch(/after creation is longer than 15 days/);
    });
  });

  describe('applying a revision to open inquiries', () => {
    it('changes their expiry from their last trigger, never closer than now + 10 minutes, audited with the count', async () => {
      const t = await addTemplate(database.db, 'Apply', 1);
      const young = await addInquiry(database.db, t, { status: 'created', createdAt: ago(1 * HOUR), expiresAt: ahead(23 * HOUR) });
      const old = await addInquiry(database.db, t, { status: 'created', createdAt: ago(5 * HOUR), expiresAt: ahead(19 * HOUR) });
      const closed = await addInquiry(database.db, t, { status: 'completed', createdAt: ago(5 * HOUR) });
      const saved = await manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: t.policyRevisionId, ...policy, afterCreateMinutes: 3 * 60, reason: 'Shorter window for a fraud wave' });
      const preview = await manager.templates.previewPolicy({ templateId: t.id, ...policy, afterCreateMinutes: 3 * 60 });
      expect(preview.open).toMatchObject({ changed: 2, loseTime: 2, expireAtOnce: 1 });

      const result = await manager.templates.applyPolicy({ templateId: t.id, revisionId: saved.revisionId, reason: 'Shorter window for a fraud wave' });
      expect(result).toEqual({ updated: 2, heldAtGrace: 1 });
      const rows = await database.db.selectFrom('inquiries').select(['id', 'expires_at']).where('id', 'in', [young, old, closed]).execute();
      const expiry = (id: string) => rows.find((r) => r.id === id)?.expires_at.toISOString();
      expect(expiry(young)).toBe(ahead(2 * HOUR).toISOString()); // created 1 h ago + 3 h
      expect(expiry(old)).toBe(ahead(10 * MINUTE).toISOString()); // 5 h ago + 3 h is past: held at now + 10 min
      const events = await auditEvents(database.db, { action: 'policy.applied', targetId: t.id });
      expect(events).toHaveLength(1);
      expect(events[0]?.metadata).toMatchObject({ revisionId: saved.revisionId, changed: 2, heldAtGrace: 1 });
      const timeline = await database.db.selectFrom('inquiry_events').select('kind').where('inquiry_id', '=', young).where('kind', '=', 'expiry.changed').execute();
      expect(timeline).toHaveLength(1);
      const history = await viewer.templates.policyHistory({ templateId: t.id });
      expect(history.items[0]?.appliedToOpenCount).toBe(2);
    });

    it('refuses to apply a revision that is no longer in force, and records an apply that changed nothing', async () => {
      const t = await addTemplate(database.db, 'Stale apply', 1);
      const first = await manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: t.policyRevisionId, ...policy, afterCreateMinutes: 600, reason: 'First revision' });
      await manager.templates.updatePolicy({ templateId: t.id, expectedRevisionId: first.revisionId, ...policy, afterCreateMinutes: 700, reason: 'Second revision' });
      await expect(manager.templates.applyPolicy({ templateId: t.id, revisionId: first.revisionId, reason: 'Apply the older one' })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/no longer the one in force/) as unknown,
      });
      const [latest] = (await viewer.templates.policyHistory({ templateId: t.id })).items;
      expect(await manager.templates.applyPolicy({ templateId: t.id, revisionId: latest?.revisionId ?? 0, reason: 'No open inquiries yet' })).toEqual({ updated: 0, heldAtGrace: 0 });
      const [event] = await auditEvents(database.db, { action: 'policy.applied', targetId: t.id });
      expect(event?.metadata).toMatchObject({ changed: 0 });
    });
  });

  describe('versions', () => {
    it('publishes a version: the open inquiries on the previous one are outdated at once, audited', async () => {
      const t = await addTemplate(database.db, 'Publish', 2);
      const open = await addInquiry(database.db, t, { status: 'pending', expiresAt: ahead(DAY) });
      const published = await manager.templates.publishVersion({ templateId: t.id, notes: 'New selfie step', reason: 'Vendor flow update' });
      expect(published).toMatchObject({ versionNumber: 3, outdatedOpenCount: 1 });
      const list = await viewer.inquiries.list({ templateId: t.id, versionState: 'outdated' });
      expect(list.items.map((i) => i.id)).toContain(open);
      const [event] = await auditEvents(database.db, { action: 'template.version_published', targetId: t.id });
      expect(event?.metadata).toMatchObject({ versionNumber: 3, previousVersionNumber: 2, outdatedOpenCount: 1 });
      const detail = await viewer.templates.get({ templateId: t.id });
      expect(detail.versions.map((v) => [v.versionNumber, v.isLatest])).toEqual([
        [1, false],
        [2, false],
        [3, true],
      ]);
    });

    it('recreates the outdated open inquiries on the latest version, exactly one successor each, even when asked twice at once', async () => {
      const t = await addTemplate(database.db, 'Recreate', 2);
      const outdated = await Promise.all([1, 2, 3].map(() => addInquiry(database.db, t, { status: 'pending', version: 1, expiresAt: ahead(DAY) })));
      const current = await addInquiry(database.db, t, { status: 'pending', version: 2, expiresAt: ahead(DAY) });
      await expect(manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 2 })).rejects.toMatchObject({ code: 'CONFLICT' });
      const runs = await Promise.all([
        manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 3 }),
        manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 3 }),
      ]);
      // Both runs succeed; between them each outdated inquiry is recreated once (the later run finds it done or gone).
      expect(runs.reduce((sum, r) => sum + r.recreated, 0)).toBe(3);
      for (const run of runs) expect(run.recreated + run.skipped).toBeLessThanOrEqual(3);
      const successors = await database.db.selectFrom('inquiries').select(['predecessor_id', 'version_number']).where('predecessor_id', 'in', [...outdated, current]).execute();
      expect(successors.map((s) => s.predecessor_id).sort()).toEqual([...outdated].sort());
      expect(successors.every((s) => s.version_number === 2)).toBe(true);
      const olds = await database.db.selectFrom('inquiries').select('status').where('id', 'in', outdated).execute();
      expect(olds.every((o) => o.status === 'expired')).toBe(true);
      expect((await auditEvents(database.db, { action: 'inquiry.recreated' })).filter((e) => (e.metadata as { templateId?: string }).templateId === t.id)).toHaveLength(3);
    });
  });

  it('lists templates with what expires in the next 24 hours', async () => {
    const t = await addTemplate(database.db, 'Expiring', 1);
    await addInquiry(database.db, t, { status: 'pending', expiresAt: ahead(2 * HOUR) });
    await addInquiry(database.db, t, { status: 'pending', expiresAt: ahead(3 * DAY) });
    const { items } = await viewer.templates.list();
    expect(items.find((i) => i.id === t.id)?.expiringNext24h).toBe(1);
  });
});

// With Persona, expiry and versions are Persona's (docs/persona.md): the console refuses to change its copy of them,
// and recreating outdated inquiries goes to Persona one inquiry per transaction.
describe.each(testEngines())('templates over the Persona provider on %s', (engine) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let manager: ReturnType<typeof callerFor>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness('persona', database, () => NOW);
    const m = await createStaffAccount(database.db, { email: 'persona-manager@example.test', role: 'manager' });
    manager = callerFor(database, () => NOW, staffPrincipal('manager', m.id), harness.env);
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  it("refuses to apply a policy to open inquiries or publish a version, saying to do it in Persona's dashboard", async () => {
    const t = await addTemplate(database.db, 'Persona policy', 1);
    await harness.syncTemplates();
    const saved = await manager.templates.updatePolicy({
      templateId: t.id,
      expectedRevisionId: t.policyRevisionId,
      afterCreateMinutes: 720,
      afterStartMinutes: null,
      afterResumeMinutes: 720,
      oneTimeLinkMinutes: 30,
      reason: 'Shorter window for a fraud wave',
    });
    const refused = await errorOf(manager.templates.applyPolicy({ templateId: t.id, revisionId: saved.revisionId, reason: 'Apply it now please' }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toMatch(/With the Persona provider the console cannot apply a policy to open inquiries: change .* in Persona's dashboard/);
    await expect(manager.templates.publishVersion({ templateId: t.id, notes: 'New selfie step', reason: 'Vendor flow update' })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await database.db.selectFrom('template_versions').select('id').where('template_id', '=', t.id).execute()).toHaveLength(1);
  });

  it('recreates the outdated open inquiries at Persona, one successor each, and a second run finds nothing left', async () => {
    const t = await addTemplate(database.db, 'Persona recreate', 2);
    await harness.syncTemplates();
    const outdated = await Promise.all([1, 2, 3].map(async () => harness.track(await addInquiry(database.db, t, { status: 'pending', version: 1, expiresAt: ahead(DAY) }))));
    const run = await manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 3 });
    expect(run).toEqual({ recreated: 3, skipped: 0 });
    const successors = await database.db.selectFrom('inquiries').select(['id', 'predecessor_id', 'version_number']).where('predecessor_id', 'in', outdated).execute();
    expect(successors).toHaveLength(3);
    for (const s of successors) expect(harness.fake?.inquiry(s.id)).toMatchObject({ status: 'created', versionId: t.versionIds[1] });
    for (const id of outdated) expect(harness.fake?.inquiry(id)?.status).toBe('expired');
    expect(harness.fake?.effects.filter((e) => e.operation === 'create')).toHaveLength(3);
    expect(await manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 0 })).toEqual({ recreated: 0, skipped: 0 });
  });

  it('goes on past an inquiry Persona refuses (completed there meanwhile), audited, and retries one Persona failed to answer', async () => {
    const t = await addTemplate(database.db, 'Persona recreate faults', 2);
    await harness.syncTemplates();
    const outdated = await Promise.all([1, 2, 3].map(async () => harness.track(await addInquiry(database.db, t, { status: 'pending', version: 1, expiresAt: ahead(DAY) }))));
    const [done, flaky] = [...outdated].sort();
    // The end user finished one at Persona; its webhook is still on the way.
    harness.fake?.seed({ id: done ?? '', templateId: t.id, versionId: t.versionIds[0] ?? '', status: 'completed', createdAt: ago(2 * HOUR), completedAt: ago(HOUR), expiresAt: ahead(DAY) });
    // Persona expires another, but its answer is lost.
    harness.fake?.faults.failNext(1, { status: 502, path: new RegExp(`/inquiries/${flaky ?? ''}/expire$`), afterEffect: true });
    const run = await manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 3 });
    expect(run).toEqual({ recreated: 2, skipped: 1 });
    const successors = await database.db.selectFrom('inquiries').select('predecessor_id').where('predecessor_id', 'in', outdated).execute();
    expect(successors.map((s) => s.predecessor_id).sort()).toEqual(outdated.filter((id) => id !== done).sort());
    const refused = await auditEvents(database.db, { action: 'inquiry.action_refused', targetId: done ?? '' });
    expect(refused).toMatchObject([{ metadata: { action: 'recreate', procedure: 'templates.recreateOutdated', refusal: ['provider_refused'] } }]);
    expect(await auditEvents(database.db, { action: 'provider.call_failed', targetId: flaky ?? '' })).toHaveLength(1);
  });

  it('stops at a Persona refusal that is not about one inquiry (its create refused as invalid), instead of skipping every inquiry', async () => {
    const t = await addTemplate(database.db, 'Persona recreate refused', 2);
    await harness.syncTemplates();
    await Promise.all([1, 2].map(async () => harness.track(await addInquiry(database.db, t, { status: 'pending', version: 1, expiresAt: ahead(DAY) }))));
    harness.fake?.faults.failNext(1, { status: 422, path: /^\/api\/v1\/inquiries$/ });
    const creates = harness.fake?.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/inquiries').length ?? 0;
    const refused = await errorOf(manager.templates.recreateOutdated({ templateId: t.id, reason: 'Move everyone to v2', expectedCount: 2 }));
    expect(refused.message).toMatch(/^Persona refused to create the inquiry \(422\)/);
    expect(harness.fake?.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/inquiries').length).toBe(creates + 1);
  });
});
