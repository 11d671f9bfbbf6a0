import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { createContextInner } from '../../server/context.js';
import type { DB } from '../../server/db/schema.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory } from '../../server/trpc.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents } from '../helpers/auth.js';
import { openOneTimeLink } from '../helpers/one-time-links.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry as addLocalInquiry, addTemplate, ago, ahead, DAY, errorOf, HOUR, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * Issue 14, "one-time link for an expired inquiry in one step": links.createOneTime reopens an expired inquiry and
 * issues the link in one transaction — one reason, the acknowledgements a resume asks for, one audit event, one
 * use of the agent's budget — and hands out no session token.
 */
const reason = 'User says the verification link expired (ticket 8812)';
let counter = 0;
const key = () => `otl-exp-${++counter}-${Math.random().toString(36).slice(2, 10)}`;

/** Adds a newer policy revision (the one in force) to a template. */
async function setPolicy(db: Kysely<DB>, template: TemplateFixture, policy: { afterResumeMinutes: number; oneTimeLinkMinutes: number }) {
  await db
    .insertInto('policy_revisions')
    .values({ template_id: template.id, after_create_minutes: 1440, after_start_minutes: null, after_resume_minutes: policy.afterResumeMinutes, one_time_link_minutes: policy.oneTimeLinkMinutes })
    .execute();
}

// Over both providers (issue 15): the local engine, and Persona's API as the fake plays it.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('a one-time link for an expired inquiry, in one step, on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  let server: Server | null = null;
  let base = '';
  let clock = NOW;
  const now = () => clock;
  const persona = providerKind === 'persona';
  const support = (id: string, env: Record<string, string> = {}) =>
    createCallerFactory(appRouter)(
      createContextInner(testDeps(database, now, { ...harness.env, ...env }), { requestId: 'test', ip: '127.0.0.1', userAgent: 'vitest', staff: staffPrincipal('support', id) }),
    );
  const addInquiry = async (...args: Parameters<typeof addLocalInquiry>) => harness.track(await addLocalInquiry(...args));
  // Persona dates a reopening by its own clock (the fake's never repeats a timestamp, so it runs a few ms on).
  const about = (expected: Date) => (persona ? expect.toSatisfy((d: Date) => Math.abs(d.getTime() - expected.getTime()) < 1000) : expected) as Date;
  const aboutIso = (expected: Date) => (persona ? expect.toSatisfy((d: string) => Math.abs(Date.parse(d) - expected.getTime()) < 1000) : expected.toISOString()) as string;

  const inquiryRow = (id: string) => database.db.selectFrom('inquiries').select(['status', 'expires_at', 'expired_at']).where('id', '=', id).executeTakeFirstOrThrow();
  const linksOf = (id: string) => database.db.selectFrom('access_links').selectAll().where('inquiry_id', '=', id).execute();
  const sessionsOf = (id: string) => database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute();
  const budgetUsed = async (staffId: string) =>
    (await database.db.selectFrom('rate_limit_events').select('bucket').where('bucket', '=', `staff-actions:${staffId}`).execute()).length;
  const resumeBucketUsed = async (id: string) => (await database.db.selectFrom('rate_limit_events').select('bucket').where('bucket', '=', `resume:${id}`).execute()).length;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, now);
    kyc = await addTemplate(database.db, 'KYC', 2);
    await harness.syncTemplates();
    // The local hosted flow (/verify), where the end user redeems a code; Persona hosts its own.
    if (!persona) {
      const local = createApp(testDeps(database, now), { serveClient: false }).listen(0, '127.0.0.1');
      server = local;
      await new Promise((resolve) => local.once('listening', resolve));
      base = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    }
  });
  afterAll(async () => {
    const local = server;
    if (local) await new Promise((resolve) => local.close(resolve));
    await harness?.close();
    await database?.close();
  });

  it('is refused without the expiry acknowledgement, with words that say so, and records nothing but the refusal', async () => {
    clock = NOW;
    const id = await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(3 * DAY), expiresAt: ago(DAY) });
    const verdicts = await support('stf_ack').inquiries.actionsFor({ id });
    expect(verdicts.oneTimeLink).toMatchObject({ allowed: true, requires: ['acknowledgeExpired'] });
    expect(verdicts.oneTimeLink.warnings).toEqual(['Expired: creating the link reopens it, pending again for 24 h.']);

    const refused = await errorOf(support('stf_ack').links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toBe('acknowledgeExpired: confirm first — Expired: creating the link reopens it, pending again for 24 h.');
    expect(await linksOf(id)).toEqual([]);
    // No link.created: only the refusal itself is on record (docs/security.md, "Refusals are recorded").
    expect(await auditEvents(database.db, { targetId: id })).toMatchObject([
      { action: 'inquiry.action_refused', metadata: { action: 'one_time_link', refusal: ['missing_acknowledgement'], missingAcknowledgements: ['acknowledgeExpired'] } },
    ]);
    expect(await inquiryRow(id)).toMatchObject({ status: 'expired' });
    expect(await budgetUsed('stf_ack')).toBe(0);
  });

  it('with it: reopens the inquiry and issues the link in one step, without a session, one audit event, budget used once', async () => {
    clock = NOW;
    const expiredAt = ago(DAY);
    const id = await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(3 * DAY), expiresAt: expiredAt });
    const link = await support('stf_one').links.createOneTime({ inquiryId: id, reason, acknowledgeExpired: true, idempotencyKey: key() });

    // Reopened as a resume would (pending for the policy's after-resume interval); the link lives its own 60 min.
    expect(await inquiryRow(id)).toEqual({ status: 'pending', expires_at: about(ahead(DAY)), expired_at: null });
    expect(link.expiresAt).toEqual(ahead(60 * MINUTE));
    expect(link.delivery).toBe('copy');
    // A code, and nothing that opens the inquiry without it: no session, no token.
    expect([...new URL(link.url).searchParams.keys()]).toEqual(['code']);
    expect(`${new URL(link.url).origin}${new URL(link.url).pathname}`).toBe(harness.hostedFlowUrl);
    expect(await sessionsOf(id)).toEqual([]);
    // Persona reopens only by resuming, which always makes (or reuses) a session: one nobody was given the token of.
    if (harness.fake) expect(harness.fake.sessions(id)).toMatchObject([{ status: 'new', startedAt: null }]);
    const [row, ...more] = await linksOf(id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ id: link.linkId, kind: 'one_time', session_id: null, token_fingerprint: null, reason });

    const events = await auditEvents(database.db, { targetId: id });
    expect(events.map((e) => e.action)).toEqual(['link.created']);
    expect(events[0]?.reason).toBe(reason);
    expect(events[0]?.metadata).toMatchObject({
      linkId: link.linkId,
      kind: 'one_time',
      reopenedInquiry: true,
      previousStatus: 'expired',
      previousExpiresAt: expiredAt.toISOString(),
      inquiryExpiresAt: aboutIso(ahead(DAY)),
      acknowledgedExpired: true,
      delivery: 'copy',
    });
    expect(await budgetUsed('stf_one')).toBe(1);
    // Not a resume: no session was handed out, so the inquiry's resume cooldown is untouched.
    expect(await resumeBucketUsed(id)).toBe(0);

    // The end user opens it: it works once, and their session starts only then. This is the local hosted flow
    // (/verify), so local only: with Persona the code is redeemed in Persona's hosted flow.
    if (persona) return;
    expect(await openOneTimeLink(base, link.url)).toBe(200);
    expect((await linksOf(id))[0]).toMatchObject({ use_count: 1, first_used_at: NOW });
    expect(await sessionsOf(id)).toHaveLength(1);
    clock = ahead(10 * MINUTE);
    expect(await openOneTimeLink(base, link.url)).toBe(410);
    clock = NOW;
  });

  it('an overdue pending inquiry (not swept yet) is treated as expired: acknowledged, reopened, linked', async () => {
    clock = NOW;
    const id = await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(DAY + HOUR), expiresAt: ago(MINUTE) });
    const refused = await errorOf(support('stf_overdue').links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    const link = await support('stf_overdue').links.createOneTime({ inquiryId: id, reason, acknowledgeExpired: true, idempotencyKey: key() });
    expect(await inquiryRow(id)).toMatchObject({ status: 'pending', expires_at: about(ahead(DAY)) });
    expect(link.expiresAt).toEqual(ahead(60 * MINUTE));
  });

  it('an old inquiry on an outdated version also needs acknowledgeOutdated, and the refusal recommends recreating', async () => {
    clock = NOW;
    const id = await addInquiry(database.db, kyc, { status: 'expired', version: 1, createdAt: ago(40 * DAY), expiresAt: ago(39 * DAY) });
    const verdicts = await support('stf_old').inquiries.actionsFor({ id });
    expect(verdicts.oneTimeLink.requires).toEqual(['acknowledgeExpired', 'acknowledgeOutdated']);
    // The same warnings resume shows, word for word.
    for (const warning of verdicts.resume.warnings.filter((w) => !w.startsWith('Expired'))) expect(verdicts.oneTimeLink.warnings).toContain(warning);

    const refused = await errorOf(support('stf_old').links.createOneTime({ inquiryId: id, reason, acknowledgeExpired: true, idempotencyKey: key() }));
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toMatch(/^acknowledgeOutdated: confirm first/);
    expect(refused.message).toMatch(/Created 40 days ago: check how old it is — recreating it on the latest version is usually better than resuming\./);
    const link = await support('stf_old').links.createOneTime({ inquiryId: id, reason, acknowledgeExpired: true, acknowledgeOutdated: true, idempotencyKey: key() });
    const [event] = await auditEvents(database.db, { action: 'link.created', targetId: id });
    expect(event?.metadata).toMatchObject({ linkId: link.linkId, versionNumber: 1, latestVersionNumber: 2, acknowledgedOutdated: true });
  });

  it('never outlives the reopened inquiry, and is refused when reopening leaves too little time (ONE_TIME_LINK_MIN_MINUTES)', async () => {
    clock = NOW;
    const short = await addTemplate(database.db, 'Short resume', 1);
    await setPolicy(database.db, short, { afterResumeMinutes: 30, oneTimeLinkMinutes: 60 });
    await harness.syncTemplates();
    const id = await addInquiry(database.db, short, { status: 'expired', createdAt: ago(2 * DAY), expiresAt: ago(DAY) });
    const link = await support('stf_short').links.createOneTime({ inquiryId: id, reason, acknowledgeExpired: true, idempotencyKey: key() });
    expect((await inquiryRow(id)).expires_at).toEqual(about(ahead(30 * MINUTE)));
    expect(link.expiresAt).toEqual(about(ahead(30 * MINUTE)));

    const tight = await addTemplate(database.db, 'Tight resume', 1);
    await setPolicy(database.db, tight, { afterResumeMinutes: 10, oneTimeLinkMinutes: 60 });
    await harness.syncTemplates();
    const other = await addInquiry(database.db, tight, { status: 'expired', createdAt: ago(2 * DAY), expiresAt: ago(DAY) });
    const refused = await errorOf(
      support('stf_short', { ONE_TIME_LINK_MIN_MINUTES: '15' }).links.createOneTime({ inquiryId: other, reason, acknowledgeExpired: true, idempotencyKey: key() }),
    );
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/too soon for a link to be used: recreate it/);
    expect(await inquiryRow(other)).toMatchObject({ status: 'expired' });
  });

  it('a replay with the same key, and a concurrent double submit, create one link, one event and one budget use', async () => {
    clock = NOW;
    const id = await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(3 * DAY), expiresAt: ago(DAY) });
    const input = { inquiryId: id, reason, acknowledgeExpired: true, idempotencyKey: key() };
    const [first, second] = await Promise.all([support('stf_double').links.createOneTime(input), support('stf_double').links.createOneTime(input)]);
    expect(second).toEqual(first);
    // Later, when the inquiry is no longer expired: the replay still answers what the first request did.
    const replay = await support('stf_double').links.createOneTime(input);
    expect(replay).toEqual(first);
    expect(await linksOf(id)).toHaveLength(1);
    expect((await auditEvents(database.db, { targetId: id })).map((e) => e.action)).toEqual(['link.created']);
    expect(await budgetUsed('stf_double')).toBe(1);
    expect(await sessionsOf(id)).toEqual([]);
  });
});
