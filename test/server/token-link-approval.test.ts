import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../server/auth/principal.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { createContextInner } from '../../server/context.js';
import type { FlowEngine } from '../../server/hosted-flow/service.js';
import { openInquiry } from '../../server/hosted-flow/service.js';
import { appRouter } from '../../server/routers/_app.js';
import { verifyAuditChain } from '../../server/services/audit.js';
import { sessionIdOfToken } from '../../server/providers/persona/wire.js';
import { createCallerFactory } from '../../server/trpc.js';
import type { Role } from '../../shared/permissions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, createStaffAccount } from '../helpers/auth.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry, addTemplate, ahead, ago, DAY, errorOf, HOUR, issuedLink, MINUTE, NOW, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * The two-person rule for token links (TOKEN_LINK_APPROVAL=required; docs/two-person-rule.md): a token link asked
 * for becomes a pending request; a second person with access:revoke on all records approves (the link is issued to
 * the requester, who collects it once) or rejects it; undecided, it expires. Nobody decides their own request.
 */

const reason = 'Customer on a kiosk cannot open the app';
const approval = 'Checked the ticket with the customer';
const REQUIRED = { TOKEN_LINK_APPROVAL: 'required', TOKEN_LINK_APPROVAL_TTL_MINUTES: '30' };
const createCaller = createCallerFactory(appRouter);
let keyCounter = 0;
const key = () => `approval-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

describe('TOKEN_LINK_APPROVAL', () => {
  it('is off unless set, accepts off|required and a TTL in minutes, and names the variable in one line otherwise', () => {
    expect(loadConfig({}).tokenLinkApproval).toEqual({ required: false, ttlMinutes: 60 });
    expect(loadConfig({ TOKEN_LINK_APPROVAL: '' }).tokenLinkApproval.required).toBe(false);
    expect(loadConfig({ TOKEN_LINK_APPROVAL: 'required', TOKEN_LINK_APPROVAL_TTL_MINUTES: '15' }).tokenLinkApproval).toEqual({ required: true, ttlMinutes: 15 });
    for (const env of [{ TOKEN_LINK_APPROVAL: 'yes' }, { TOKEN_LINK_APPROVAL_TTL_MINUTES: '2' }, { TOKEN_LINK_APPROVAL_TTL_MINUTES: 'soon' }]) {
      const name = Object.keys(env)[0] ?? '';
      let error: unknown;
      try {
        loadConfig(env);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(name);
      expect((error as Error).message).not.toContain('\n');
    }
  });
});

// Over both providers (issue 15): the local engine, and Persona's API as the fake plays it.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('token links under the two-person rule on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  let clock = NOW;
  /** The local hosted flow, to open a collected link in; Persona hosts its own (null then). */
  let flow: FlowEngine | null = null;
  const people: Record<'agent' | 'otherAgent' | 'compliance' | 'admin' | 'otherAdmin', StaffPrincipal> = {} as never;

  /** A caller as `who`, with the rule on (or `env` as given). */
  const as = (who: StaffPrincipal, env: Record<string, string> = REQUIRED) =>
    createCaller(createContextInner(testDeps(database, () => clock, { ...harness.env, ...env }), { requestId: `req-${who.id}`, ip: '198.51.100.7', userAgent: 'vitest', staff: who }));
  const pending = async () => harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(DAY) }));
  const ask = (who: StaffPrincipal, inquiryId: string, idempotencyKey = key()) =>
    as(who).links.createWithToken({ inquiryId, reason, ticket: 'SUP-4411', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey });
  const requestOf = async (who: StaffPrincipal, inquiryId: string) => {
    const result = await ask(who, inquiryId);
    if (result.status !== 'pending_approval') throw new Error('expected a pending request');
    return result;
  };
  const linksOf = (inquiryId: string) => database.db.selectFrom('access_links').selectAll().where('inquiry_id', '=', inquiryId).execute();
  const sessionsOf = (inquiryId: string) => database.db.selectFrom('inquiry_sessions').selectAll().where('inquiry_id', '=', inquiryId).execute();
  const eventsFor = async (inquiryId: string) => (await auditEvents(database.db, { targetId: inquiryId })).map((e) => e.action);

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, () => clock);
    kyc = await addTemplate(database.db, 'KYC', 1);
    await harness.syncTemplates();
    const account = async (role: Role): Promise<StaffPrincipal> => {
      const created = await createStaffAccount(database.db, { role });
      return { id: created.id, email: created.email, displayName: created.email, role };
    };
    people.agent = await account('support');
    people.otherAgent = await account('support');
    people.compliance = await account('compliance');
    people.admin = await account('admin');
    people.otherAdmin = await account('admin');
    const deps = testDeps(database, () => clock, harness.env);
    await deps.provider.ready();
    const keys = deps.provider.hostedFlow;
    if (keys) flow = { db: database.db, provider: deps.provider, keys };
    else if (providerKind === 'local') throw new Error('the local provider hosts the flow');
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  it('off (the default): the link is issued at once, as before, and nothing waits for approval', async () => {
    clock = NOW;
    const id = await pending();
    const link = issuedLink(await as(people.agent, {}).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-1', expiresInMinutes: 30, acknowledgeRisk: true, idempotencyKey: key() }));
    expect(link.url).toContain('session-token=');
    expect((await as(people.compliance, {}).links.approvals()).mode).toBe('off');
    expect((await as(people.agent, {}).inquiries.actionsFor({ id })).tokenLink.approvalRequired).toBeUndefined();
  });

  it('request → approved by compliance → the requester collects it once → it opens the inquiry; every step audited', async () => {
    clock = NOW;
    const id = await pending();
    expect((await as(people.agent).inquiries.actionsFor({ id })).tokenLink.approvalRequired).toBe(true);

    const idempotencyKey = key();
    const asked = await ask(people.agent, id, idempotencyKey);
    expect(asked).toEqual({ status: 'pending_approval', requestId: expect.stringMatching(/^tlr_/) as unknown, inquiryId: id, expiresAt: ahead(30 * MINUTE) });
    if (asked.status !== 'pending_approval') throw new Error('unreachable');
    // Nothing is issued yet: no link, no session.
    expect(await linksOf(id)).toHaveLength(0);
    expect(await sessionsOf(id)).toHaveLength(0);
    // A repeat with the same key answers the same request; another request for the same inquiry is refused.
    expect(await ask(people.agent, id, idempotencyKey)).toEqual(asked);
    const again = await errorOf(ask(people.agent, id));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain(asked.requestId);

    const mine = await as(people.agent).links.myRequests();
    expect(mine.items.find((r) => r.id === asked.requestId)).toMatchObject({ state: 'pending', collectable: false, reason, ticket: 'SUP-4411' });
    const queue = await as(people.compliance).links.approvals();
    expect(queue).toMatchObject({ mode: 'required', scope: 'all' });
    expect(queue.items.find((r) => r.id === asked.requestId)).toMatchObject({ canDecide: true, requestedBy: { id: people.agent.id } });

    clock = ahead(5 * MINUTE);
    const approved = await as(people.compliance).links.approve({ requestId: asked.requestId, reason: approval });
    expect(approved).toMatchObject({ requestId: asked.requestId, state: 'approved', linkId: expect.stringMatching(/^lnk_/) as unknown, linkExpiresAt: ahead(65 * MINUTE), lifetimeShortened: false });
    // The approver never sees the link.
    expect(JSON.stringify(approved)).not.toContain('session-token');
    const [link] = await linksOf(id);
    expect(link).toMatchObject({ id: approved.linkId, kind: 'token', issued_by_id: people.agent.id, issued_by_display: people.agent.email, reason, ticket: 'SUP-4411' });

    const collected = await as(people.agent).links.collect({ requestId: asked.requestId });
    expect(collected).toMatchObject({ requestId: asked.requestId, linkId: approved.linkId, expiresAt: ahead(65 * MINUTE) });
    const token = new URL(collected.url).searchParams.get('session-token');
    expect(token).toBeTruthy();
    expect(`${new URL(collected.url).origin}${new URL(collected.url).pathname}`).toBe(harness.hostedFlowUrl);
    if (flow) {
      expect((await openInquiry(flow, id, token, clock, { countLinkUse: true })).ok).toBe(true);
    } else {
      // Persona's token is its JWT (not verifiable here, Persona's flow opens it): it names the link's session, which
      // collecting got back from Persona by asking the approval's question again, and which Persona still holds open.
      expect(sessionIdOfToken(token ?? '')?.sessionId).toBe(link?.session_id);
      expect(harness.fake?.sessions(id).find((s) => s.id === link?.session_id)).toMatchObject({ status: 'new' });
      expect(harness.fake?.effects.filter((e) => e.inquiryId === id && e.operation === 'resume')).toHaveLength(1);
    }

    // Shown once: a second collect is refused, and nobody else may collect it.
    const second = await errorOf(as(people.agent).links.collect({ requestId: asked.requestId }));
    expect(second.code).toBe('CONFLICT');
    expect(second.message).toMatch(/shown only once/);
    expect((await errorOf(as(people.otherAgent).links.collect({ requestId: asked.requestId }))).code).toBe('FORBIDDEN');
    expect((await errorOf(as(people.admin).links.collect({ requestId: asked.requestId }))).code).toBe('FORBIDDEN');
    expect((await as(people.agent).links.myRequests()).items.find((r) => r.id === asked.requestId)).toMatchObject({ state: 'approved', collectable: false, decidedBy: people.compliance.email });

    expect(await eventsFor(id)).toEqual(['link.approval_requested', 'link.approved', 'link.created', 'link.collected']);
    const [requested, approvedEvent, created, collectedEvent] = await auditEvents(database.db, { targetId: id });
    expect(requested).toMatchObject({ actor_id: people.agent.id, reason, metadata: { requestId: asked.requestId, expiresInMinutes: 60 } });
    expect(approvedEvent).toMatchObject({ actor_id: people.compliance.id, reason: approval, metadata: { requestId: asked.requestId, linkId: approved.linkId, requestedBy: { id: people.agent.id } } });
    expect(created).toMatchObject({
      actor_id: people.agent.id,
      reason,
      metadata: { linkId: approved.linkId, kind: 'token', approvalRequestId: asked.requestId, approvedBy: { id: people.compliance.id, display: people.compliance.email } },
    });
    // The requester was not on the approver's request: their event carries its id, not the approver's address.
    expect(created?.ip).toBeNull();
    expect(collectedEvent).toMatchObject({ actor_id: people.agent.id, metadata: { requestId: asked.requestId, linkId: approved.linkId } });
    for (const event of await auditEvents(database.db, { targetId: id })) expect(JSON.stringify(event)).not.toContain(token ?? '--');

    // The access report: the request (approved, by whom) and the link issued to the requester.
    const rows = (await as(people.compliance).access.list({ inquiryId: id })).items;
    expect(rows.find((r) => r.id === asked.requestId)).toMatchObject({ kind: 'token_link_request', state: 'approved', issuedBy: people.agent.email, approvedBy: people.compliance.email, linkId: approved.linkId, revocable: false });
    expect(rows.find((r) => r.id === approved.linkId)).toMatchObject({ kind: 'token_link', state: 'live', issuedBy: people.agent.email, approvedBy: people.compliance.email, revocable: true });
    // The requester sees both in their own report.
    expect((await as(people.agent).access.list({ inquiryId: id })).items.map((r) => r.id).sort()).toEqual([approved.linkId, asked.requestId].sort());
  });

  it('nobody approves (or rejects) their own request; another admin can', async () => {
    clock = NOW;
    const id = await pending();
    const asked = await requestOf(people.admin, id);
    const own = await errorOf(as(people.admin).links.approve({ requestId: asked.requestId, reason: approval }));
    expect(own.code).toBe('FORBIDDEN');
    expect(own.message).toMatch(/cannot decide your own request/);
    expect((await errorOf(as(people.admin).links.reject({ requestId: asked.requestId, reason: approval }))).code).toBe('FORBIDDEN');
    expect(await linksOf(id)).toHaveLength(0);
    expect((await as(people.admin).links.approvals()).items.find((r) => r.id === asked.requestId)).toMatchObject({ canDecide: false });
    // A probing insider leaves a trail.
    const denied = (await auditEvents(database.db, { action: 'access.denied' })).filter((e) => e.actor_id === people.admin.id);
    expect(denied.map((e) => (e.metadata as { procedure: string }).procedure)).toContain('links.approve');

    const approved = await as(people.otherAdmin).links.approve({ requestId: asked.requestId, reason: approval });
    expect((await linksOf(id)).map((l) => [l.id, l.issued_by_id])).toEqual([[approved.linkId, people.admin.id]]);
  });

  it('support cannot approve (access:revoke only on their own records), and sees only their own requests', async () => {
    clock = NOW;
    const id = await pending();
    const asked = await requestOf(people.agent, id);
    const refused = await errorOf(as(people.otherAgent).links.approve({ requestId: asked.requestId, reason: approval }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/compliance or admin/);
    expect((await errorOf(as(people.otherAgent).links.reject({ requestId: asked.requestId, reason: approval }))).code).toBe('FORBIDDEN');
    const theirs = await as(people.otherAgent).links.approvals();
    expect(theirs.scope).toBe('own');
    expect(theirs.items.map((r) => r.id)).not.toContain(asked.requestId);
    const mine = await as(people.agent).links.approvals();
    expect(mine.items.find((r) => r.id === asked.requestId)).toMatchObject({ canDecide: false });
    expect(await linksOf(id)).toHaveLength(0);
  });

  it('a rejected request issues nothing and cannot be approved or collected after', async () => {
    clock = NOW;
    const id = await pending();
    const asked = await requestOf(people.agent, id);
    expect(await as(people.compliance).links.reject({ requestId: asked.requestId, reason: 'No ticket asks for this' })).toEqual({ requestId: asked.requestId, state: 'rejected' });
    expect((await errorOf(as(people.admin).links.approve({ requestId: asked.requestId, reason: approval }))).message).toMatch(/already rejected by/);
    expect((await errorOf(as(people.agent).links.collect({ requestId: asked.requestId }))).code).toBe('CONFLICT');
    expect(await linksOf(id)).toHaveLength(0);
    const [event] = await auditEvents(database.db, { action: 'link.approval_rejected', targetId: id });
    expect(event).toMatchObject({ actor_id: people.compliance.id, reason: 'No ticket asks for this', metadata: { requestId: asked.requestId, requestedBy: { id: people.agent.id } } });
    const [row] = (await as(people.compliance).access.list({ inquiryId: id, kind: ['token_link_request'] })).items;
    expect(row).toMatchObject({ id: asked.requestId, state: 'rejected', note: expect.stringMatching(/^rejected by .*: No ticket asks for this$/) as unknown });
    // The requester may ask again.
    await requestOf(people.agent, id);
  });

  it('an undecided request expires after TOKEN_LINK_APPROVAL_TTL_MINUTES, audited once, and can no longer be approved', async () => {
    clock = NOW;
    const id = await pending();
    const asked = await requestOf(people.agent, id);
    clock = ahead(31 * MINUTE);
    // The report reads it as expired before anything marks it.
    expect((await as(people.compliance).access.list({ inquiryId: id, state: ['expired'] })).items.map((r) => r.id)).toEqual([asked.requestId]);
    expect((await as(people.compliance).links.approvals()).items.map((r) => r.id)).not.toContain(asked.requestId);
    await as(people.compliance).links.approvals();
    const expired = await auditEvents(database.db, { action: 'link.approval_expired', targetId: id });
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actor_type: 'system', metadata: { requestId: asked.requestId, requestedBy: { id: people.agent.id } } });
    const late = await errorOf(as(people.compliance).links.approve({ requestId: asked.requestId, reason: approval }));
    expect(late.code).toBe('CONFLICT');
    expect(late.message).toMatch(/expired undecided/);
    expect((await as(people.agent).links.myRequests()).items.find((r) => r.id === asked.requestId)).toMatchObject({ state: 'expired' });
    expect(await linksOf(id)).toHaveLength(0);
    // Asking again is allowed: the expired request no longer holds the place.
    await requestOf(people.agent, id);
    clock = NOW;
  });

  it('the guards are checked again at approval, for the requester, and a refusal is recorded', async () => {
    clock = NOW;
    const id = await pending();
    const asked = await requestOf(people.agent, id);
    await database.db.updateTable('inquiries').set({ status: 'completed' }).where('id', '=', id).execute();
    const refused = await errorOf(as(people.compliance).links.approve({ requestId: asked.requestId, reason: approval }));
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(new RegExp(`cannot be issued to ${people.agent.email}.*completed`));
    expect(await linksOf(id)).toHaveLength(0);
    const [event] = await auditEvents(database.db, { action: 'inquiry.action_refused', targetId: id });
    expect(event).toMatchObject({ actor_id: people.compliance.id, metadata: { procedure: 'links.approve', refusal: ['status'] } });
    // Still pending: it can be rejected.
    await as(people.compliance).links.reject({ requestId: asked.requestId, reason: 'The inquiry is completed now' });
  });

  it('concurrent approvals issue one link', async () => {
    clock = NOW;
    const id = await pending();
    const asked = await requestOf(people.agent, id);
    const results = await Promise.allSettled([
      as(people.compliance).links.approve({ requestId: asked.requestId, reason: approval }),
      as(people.admin).links.approve({ requestId: asked.requestId, reason: approval }),
      as(people.otherAdmin).links.approve({ requestId: asked.requestId, reason: approval }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(String((r.reason as Error).message)).toMatch(/already approved by/);
    expect(await linksOf(id)).toHaveLength(1);
    expect(await sessionsOf(id)).toHaveLength(1);
    expect(await auditEvents(database.db, { action: 'link.approved', targetId: id })).toHaveLength(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
});
