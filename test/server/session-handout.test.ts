import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents } from '../helpers/auth.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, errorOf, HOUR, NOW, staffPrincipal, type TemplateFixture } from './fixtures.js';

/**
 * Resume hands out a live session nobody has used yet before it creates another (Persona's reuse). Whoever receives
 * it holds the same token as its first holder, so the session is attributed to each person it was handed to: each
 * may expire it (support expires only their own sessions), and the records show every hand-out.
 */

let keyCounter = 0;
const key = () => `handout-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

// Over both providers (issue 15): the local engine, and Persona's API as the fake plays it (Persona's resume reuses too).
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('a reused session on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  const agentA = staffPrincipal('support', 'stf_agentA');
  const agentB = staffPrincipal('support', 'stf_agentB');
  const agentC = staffPrincipal('support', 'stf_agentC');
  const as = (who: typeof agentA) => callerFor(database, () => NOW, who, harness.env);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, () => NOW);
    kyc = await addTemplate(database.db, 'KYC', 1);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  const handedOutTwice = async () => {
    const id = await harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(DAY) }));
    const first = await as(agentA).inquiries.resume({ id, reason: 'Customer lost the tab (ticket 71)', idempotencyKey: key() });
    const second = await as(agentB).inquiries.resume({ id, reason: 'Customer called again (ticket 72)', idempotencyKey: key() });
    return { id, first, second };
  };

  it('lets the second holder expire it, and records both hand-outs', async () => {
    const { id, first, second } = await handedOutTwice();
    expect(first.reusedSession).toBe(false);
    expect(second).toMatchObject({ sessionId: first.sessionId, reusedSession: true, sessionToken: first.sessionToken });

    // The hand-outs, as the inquiry's sessions show them: issued to A, handed to B.
    const before = await as(agentB).inquiries.get({ id });
    expect(before.sessions).toHaveLength(1);
    expect(before.sessions[0]).toMatchObject({
      id: first.sessionId,
      issuedBy: agentA.email,
      reason: 'Customer lost the tab (ticket 71)',
      handedTo: [{ type: 'staff', by: agentB.email, byId: agentB.id, at: NOW, reason: 'Customer called again (ticket 72)' }],
    });
    expect(before.timeline.map((e) => e.kind)).toContain('session.handed_out');

    // Someone it was never handed to still may not.
    const stranger = await errorOf(as(agentC).inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Not mine to end' }));
    expect(stranger.code).toBe('FORBIDDEN');

    // B holds the token: B may end it.
    expect(await as(agentB).inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Token pasted in chat' })).toEqual({ expired: 1 });
    const after = await as(agentB).inquiries.get({ id });
    expect(after.sessions[0]?.state).toBe('revoked');
    // At Persona too: its one session (it handed the unused one out again) was expired there.
    if (harness.fake) expect(harness.fake.sessions(id)).toMatchObject([{ id: first.sessionId, status: 'expired' }]);

    // Expiring it again (a second click, a second tab) is no longer live — 409 — not outside B's scope: no 403 and
    // no access.denied in the log as if B were probing; a stranger's attempt on the ended session is still a 403.
    const again = await errorOf(as(agentB).inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Token pasted in chat' }));
    expect(again).toMatchObject({ code: 'CONFLICT', message: 'That session is not live.' });
    expect((await auditEvents(database.db, { action: 'access.denied' })).filter((e) => e.actor_id === agentB.id)).toEqual([]);
    expect((await errorOf(as(agentC).inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Not mine to end' }))).code).toBe('FORBIDDEN');

    // The audit trail: both resumes name the same session (the second as reused), then B's expiry.
    const resumed = await auditEvents(database.db, { action: 'inquiry.resumed', targetId: id });
    expect(resumed.map((e) => [e.actor_id, (e.metadata as { sessionId: string }).sessionId, (e.metadata as { reusedSession: boolean }).reusedSession])).toEqual([
      [agentA.id, first.sessionId, false],
      [agentB.id, first.sessionId, true],
    ]);
    const [expired] = await auditEvents(database.db, { action: 'session.expired', targetId: id });
    expect(expired).toMatchObject({ actor_id: agentB.id, metadata: { sessionIds: [first.sessionId], count: 1 } });
  });

  it('counts a handed-out session among "the live sessions you issued" when expiring them all', async () => {
    const { id, first } = await handedOutTwice();
    expect(await as(agentB).inquiries.expireSessions({ inquiryId: id, reason: 'Ending what I handed out' })).toEqual({ expired: 1 });
    const [event] = await auditEvents(database.db, { action: 'session.expired', targetId: id });
    expect(event?.metadata).toMatchObject({ sessionIds: [first.sessionId] });
  });

  it('still lets the first holder expire it', async () => {
    const { id, first } = await handedOutTwice();
    expect(await as(agentA).inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Customer is done for today' })).toEqual({ expired: 1 });
  });
});
