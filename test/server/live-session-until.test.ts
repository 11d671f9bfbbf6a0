import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepExpired } from '../../server/providers/local/sweeper.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ahead, ago, callerFor, HOUR, issuedLink, liveSessionUntilDrift, MINUTE, NOW, staffPrincipal, type TemplateFixture } from './fixtures.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';

const reason = 'User closed the browser mid-flow (ticket 4411)';
let keyCounter = 0;
const key = () => `lsu-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * inquiries.live_session_until (migrations/0007) is what the Stuck view filters on. Every path that inserts,
 * expires or revokes a session must keep it equal to the latest expiry of the inquiry's live sessions: each step
 * below checks the Stuck view's answer and that no inquiry's column has drifted from its sessions. Over both
 * providers where the step is the same; token links (Persona hands one unused session to several) and the sweep
 * (the local engine's) are the local engine's.
 */
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('live_session_until follows every session writer on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  let clock = NOW;
  const now = () => clock;
  const local = providerKind === 'local';
  const admin = () => callerFor(database, now, staffPrincipal('admin'), harness.env);
  const tracked = async (...args: Parameters<typeof addInquiry>) => harness.track(await addInquiry(...args));
  const stuckIds = async () => new Set((await admin().inquiries.list({ quickView: 'stuck', limit: 100 })).items.map((i) => i.id));
  const column = async (id: string) =>
    (await database.db.selectFrom('inquiries').select('live_session_until').where('id', '=', id).executeTakeFirstOrThrow()).live_session_until;
  const expectNoDrift = async () => expect(await liveSessionUntilDrift(database.db)).toEqual([]);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, now);
    kyc = await addTemplate(database.db, 'KYC', 1);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  it('resume issues a session (not stuck); expiring the sessions makes it stuck again', async () => {
    clock = NOW;
    const id = await tracked(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR), expiredSessions: 1 });
    expect(await column(id)).toBeNull();
    expect(await stuckIds()).toContain(id);

    const resumed = await admin().inquiries.resume({ id, reason, idempotencyKey: key() });
    expect(resumed.reusedSession).toBe(false);
    expect(await column(id)).toEqual(ahead(20 * HOUR));
    expect(await stuckIds()).not.toContain(id);
    await expectNoDrift();

    expect(await admin().inquiries.expireSessions({ inquiryId: id, reason })).toEqual({ expired: 1 });
    expect(await column(id)).toBeNull();
    expect(await stuckIds()).toContain(id);
    await expectNoDrift();
  });

  it.runIf(local)('a token link gives a live session; revoking it leaves the latest of the others, or none', async () => {
    clock = NOW;
    const id = await tracked(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
    expect(await stuckIds()).toContain(id);

    const first = issuedLink(await admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-1', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }));
    expect(await column(id)).toEqual(ahead(30 * MINUTE));
    const second = issuedLink(await admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-2', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
    expect(await column(id)).toEqual(ahead(HOUR));
    expect(await stuckIds()).not.toContain(id);

    // Revoking the later one falls back to the earlier one's expiry, not to "none".
    await admin().links.revoke({ linkId: second.linkId, reason: 'Sent to the wrong address' });
    expect(await column(id)).toEqual(ahead(30 * MINUTE));
    expect(await stuckIds()).not.toContain(id);
    await expectNoDrift();

    await admin().links.revoke({ linkId: first.linkId, reason: 'Sent to the wrong address' });
    expect(await column(id)).toBeNull();
    expect(await stuckIds()).toContain(id);
    await expectNoDrift();
  });

  it.runIf(local)('a session running out makes the inquiry stuck at once; the sweep then clears the column', async () => {
    clock = NOW;
    const id = await tracked(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR) });
    await admin().links.createWithToken({ inquiryId: id, reason, ticket: 'T-3', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() });
    expect(await stuckIds()).not.toContain(id);

    clock = ahead(HOUR);
    expect(await stuckIds()).toContain(id); // no writer needed: the column's expiry has passed
    const swept = await sweepExpired(database.db, clock);
    expect(swept.sessionsExpired).toBeGreaterThanOrEqual(1);
    expect(await column(id)).toBeNull();
    expect(await stuckIds()).toContain(id);
    await expectNoDrift();
    clock = NOW;
  });

  it.runIf(local)('the sweep expiring an inquiry, and recreating one, leave no live session behind', async () => {
    clock = NOW;
    const overdue = await tracked(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(HOUR), liveSessions: 1 });
    const replaced = await tracked(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR), liveSessions: 2 });
    expect(await column(overdue)).toEqual(ahead(HOUR));

    await admin().inquiries.recreate({ id: replaced, reason, idempotencyKey: key() });
    expect(await column(replaced)).toBeNull();
    await expectNoDrift();

    const swept = await sweepExpired(database.db, ahead(2 * HOUR));
    expect(swept.inquiriesExpired).toBeGreaterThanOrEqual(1);
    expect(await column(overdue)).toBeNull();
    await expectNoDrift();
  });

  it('resuming an expired inquiry makes it pending with a live session, so not stuck', async () => {
    clock = NOW;
    const id = await tracked(database.db, kyc, { status: 'expired', createdAt: ago(30 * HOUR), expiresAt: ago(6 * HOUR), expiredSessions: 1 });
    await admin().inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: key() });
    expect(await column(id)).not.toBeNull();
    expect(await stuckIds()).not.toContain(id);
    await expectNoDrift();
  });
});
