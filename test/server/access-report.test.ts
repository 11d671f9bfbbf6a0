import { sql, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowEngine } from '../../server/hosted-flow/service.js';
import { openInquiry, redeemOneTimeCode } from '../../server/hosted-flow/service.js';
import { sweepExpired } from '../../server/providers/local/sweeper.js';
import type { DB } from '../../server/db/schema.js';
import { planReportStatements, reportPage, reportTotalUpTo, type ReportFilter } from '../../server/repositories/access-report.js';
import { toAccessRow } from '../../server/services/access-report.js';
import { stopBulkRevocations } from '../../server/services/access-revoke.js';
import type { AccessListInput, AccessRow } from '../../shared/access.js';
import { openReportReads, REPORT_POOL_SIZE } from '../../server/db/index.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents } from '../helpers/auth.js';
import { waitingWhileLocked } from '../helpers/locks.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, errorOf, HOUR, issuedLink, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * The session-bearing access report (docs/access-report.md): every kind of issued access appears with the state
 * the hosted flow and the console left it in; filters, keyset paging and role scopes; bulk revocation checks the
 * confirmed count, works in batches and leaves one audit event.
 */

const reason = 'Customer lost the tab (ticket 5120)';
let keyCounter = 0;
const key = () => `access-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

// Over both providers (issue 15): the local engine, and Persona's API as the fake plays it. The report's states are
// reached through the local hosted flow (openInquiry, redeemOneTimeCode: the end user's side), so those blocks are
// local only; revoking, one at a time and in bulk, runs over both.
const combinations = testEngines().flatMap((engine) => PROVIDERS.map((provider) => [engine, provider] as const));

describe.each(combinations)('the access report on %s with the %s provider', (engine, providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let kyc: TemplateFixture;
  let clock = NOW;
  /** The local hosted flow, where the end user opens a token or redeems a code; Persona hosts its own (null then). */
  let hostedFlow: FlowEngine | null = null;
  const persona = providerKind === 'persona';
  const agentA = staffPrincipal('support', 'stf_accessA');
  const agentB = staffPrincipal('support', 'stf_accessB');
  const compliance = staffPrincipal('compliance', 'stf_accessC');
  const as = (who = compliance, env: Record<string, string> = {}) => callerFor(database, () => clock, who, { ...harness.env, ...env });
  const visit = { via: '/verify' as const, request: { requestId: 'test', ip: '203.0.113.9', userAgent: 'vitest' } };

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    harness = await providerHarness(providerKind, database, () => clock);
    kyc = await addTemplate(database.db, 'KYC', 3);
    await harness.syncTemplates();
    const deps = testDeps(database, () => clock, harness.env);
    await deps.provider.ready();
    const keys = deps.provider.hostedFlow;
    if (keys) hostedFlow = { db: database.db, provider: deps.provider, keys };
    else if (!persona) throw new Error('the local provider hosts the flow');
  });
  afterAll(async () => {
    await harness?.close();
    await database?.close();
  });

  /** The local hosted flow, for the blocks that run on the local engine only. */
  const localFlow = () => {
    if (!hostedFlow) throw new Error('the local hosted flow is the local engine\'s');
    return hostedFlow;
  };
  const pending = async (options: { version?: number } = {}) =>
    harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(DAY), ...options }));
  /** Every row of the report for one inquiry, as compliance sees it. */
  const rowsOf = async (inquiryId: string) => (await as().access.list({ inquiryId, limit: 100 })).items;
  const byId = async (inquiryId: string, id: string) => {
    const row = (await rowsOf(inquiryId)).find((r) => r.id === id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  };
  const paramOf = (url: string, name: string) => {
    const value = new URL(url).searchParams.get(name);
    if (!value) throw new Error(`no ${name} in the url`);
    return value;
  };
  /** The session's state at Persona (null on the local engine). */
  const atPersona = (inquiryId: string, sessionId: string | null) => harness.fake?.sessions(inquiryId).find((s) => s.id === sessionId)?.status ?? null;

  // Local only: the end user's side of each state is the local hosted flow.
  describe.skipIf(persona)('each kind, with its state', () => {
    it('a console resume: live, then used (first and last use), then revoked', async () => {
      clock = NOW;
      const id = await pending();
      const resumed = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      expect(await byId(id, resumed.sessionId)).toMatchObject({
        kind: 'console_resume',
        inquiryId: id,
        issuedBy: agentA.email,
        issuer: { type: 'staff', id: agentA.id, display: agentA.email },
        issuedAt: NOW,
        reason,
        ticket: null,
        fingerprint: resumed.tokenFingerprint,
        state: 'live',
        firstUsedAt: null,
        lastUsedAt: null,
        reusedSession: false,
        revocable: true,
      });

      clock = ahead(10 * MINUTE);
      expect((await openInquiry(localFlow(), id, resumed.sessionToken, clock, { countLinkUse: false })).ok).toBe(true);
      clock = ahead(20 * MINUTE);
      expect((await openInquiry(localFlow(), id, resumed.sessionToken, clock, { countLinkUse: false })).ok).toBe(true);
      expect(await byId(id, resumed.sessionId)).toMatchObject({ state: 'live', firstUsedAt: ahead(10 * MINUTE), lastUsedAt: ahead(20 * MINUTE) });

      await as(agentA).inquiries.expireSessions({ inquiryId: id, sessionId: resumed.sessionId, reason: 'Token pasted in a public chat' });
      expect(await byId(id, resumed.sessionId)).toMatchObject({ state: 'revoked', revokedAt: ahead(20 * MINUTE), revocable: false });
    });

    it('a console resume past its expiry is expired', async () => {
      clock = NOW;
      const id = await pending();
      const resumed = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      clock = ahead(DAY + MINUTE);
      expect(await byId(id, resumed.sessionId)).toMatchObject({ state: 'expired', revocable: false });
    });

    it('a reused session handed out again is a row of its own, issued to its second holder', async () => {
      clock = NOW;
      const id = await pending();
      const first = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      clock = ahead(MINUTE);
      const second = await as(agentB).inquiries.resume({ id, reason: 'Customer called again (ticket 5121)', idempotencyKey: key() });
      expect(second.sessionId).toBe(first.sessionId);
      const rows = await rowsOf(id);
      expect(rows.map((r) => [r.kind, r.issuer.id, r.sessionId, r.reusedSession])).toEqual([
        ['console_resume', agentB.id, first.sessionId, true],
        ['console_resume', agentA.id, first.sessionId, false],
      ]);
      expect(rows[0]?.id).toMatch(/^hnd_\d{19}$/);
      expect(rows[0]).toMatchObject({ issuedAt: ahead(MINUTE), fingerprint: first.tokenFingerprint, state: 'live' });
      // B holds the token: B's report shows it, A's shows A's issue only.
      expect((await as(agentB).access.list({ inquiryId: id })).items.map((r) => r.id)).toEqual([rows[0]?.id]);
      expect((await as(agentA).access.list({ inquiryId: id })).items.map((r) => r.id)).toEqual([first.sessionId]);
    });

    it('a partner API resume and a backend resume name their issuer', async () => {
      clock = NOW;
      const id = await pending();
      const partner = await database.db.transaction().execute((trx) =>
        localFlow().provider.createSession(trx, id, NOW, ahead(HOUR), { type: 'partner', id: 'key_acme1', display: 'Acme · main key', reason: null }),
      );
      const backend = await database.db.transaction().execute((trx) =>
        localFlow().provider.createSession(trx, id, NOW, ahead(HOUR), { type: 'system', id: 'backend-api', display: null, reason: null }),
      );
      expect(await byId(id, partner.sessionId)).toMatchObject({ kind: 'partner_resume', issuer: { type: 'partner', id: 'key_acme1', display: 'Acme · main key' }, state: 'live' });
      expect(await byId(id, backend.sessionId)).toMatchObject({ kind: 'system_resume', issuer: { type: 'system', id: 'backend-api' }, state: 'live' });
    });

    it('a one-time link: live, used once redeemed (and while its session lives, still revocable), then revoked', async () => {
      clock = NOW;
      const id = await pending();
      const link = await as(agentA).links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      expect(await byId(id, link.linkId)).toMatchObject({ kind: 'one_time_link', state: 'live', fingerprint: null, useCount: 0, versionNumber: 3, latestVersionNumber: 3, versionGap: 0 });

      clock = ahead(5 * MINUTE);
      const redeemed = await redeemOneTimeCode(localFlow(), paramOf(link.url, 'code'), clock);
      expect(redeemed.ok).toBe(true);
      const used = await byId(id, link.linkId);
      expect(used).toMatchObject({ state: 'used', firstUsedAt: ahead(5 * MINUTE), lastUsedAt: ahead(5 * MINUTE), useCount: 1, revocable: true });
      expect(used.sessionId).toMatch(/^iqse_/);
      // The end user's own session is the link's, not a row of its own.
      expect((await rowsOf(id)).map((r) => r.id)).toEqual([link.linkId]);

      // Past the code's own expiry, a redeemed link stays 'used' (the inquiry page says the same).
      clock = ahead(2 * HOUR);
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'used' });
      expect((await as().inquiries.get({ id })).links[0]?.state).toBe('used');

      await as(agentA).links.revoke({ linkId: link.linkId, reason: 'Sent to the wrong address' });
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'revoked', revokedAt: ahead(2 * HOUR), revocable: false });
    });

    it('a one-time link nobody opened expires with its code', async () => {
      clock = NOW;
      const id = await pending();
      const link = await as(agentA).links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      clock = new Date(link.expiresAt.getTime() + 1000);
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'expired', firstUsedAt: null, revocable: false });
    });

    it('a token link: its version gap at issue, its uses, and revoked; its own session is not a resume row', async () => {
      clock = NOW;
      const id = await pending({ version: 1 });
      const link = issuedLink(await as(agentA).links.createWithToken({
        inquiryId: id,
        reason,
        ticket: 'SUP-5120',
        expiresInMinutes: 60,
        acknowledgeRisk: true,
        acknowledgeOutdated: true,
        idempotencyKey: key(),
      }));
      const issued = await byId(id, link.linkId);
      expect(issued).toMatchObject({ kind: 'token_link', ticket: 'SUP-5120', state: 'live', versionNumber: 1, latestVersionNumber: 3, versionGap: 2, useCount: 0, revocable: true });
      expect(issued.fingerprint).toMatch(/\S/);
      expect((await rowsOf(id)).map((r) => r.id)).toEqual([link.linkId]);

      clock = ahead(3 * MINUTE);
      expect((await openInquiry(localFlow(), id, paramOf(link.url, 'session-token'), clock, { countLinkUse: true })).ok).toBe(true);
      clock = ahead(7 * MINUTE);
      expect((await openInquiry(localFlow(), id, paramOf(link.url, 'session-token'), clock, { countLinkUse: true })).ok).toBe(true);
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'live', firstUsedAt: ahead(3 * MINUTE), lastUsedAt: ahead(7 * MINUTE), useCount: 2 });

      await as(compliance).links.revoke({ linkId: link.linkId, reason: 'Ticket closed, link no longer needed' });
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'revoked', revocable: false });
    });

    it('a token link whose session ended with its inquiry is expired, not live', async () => {
      clock = NOW;
      const id = await pending();
      const link = issuedLink(await as(agentA).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-1', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
      await database.db.transaction().execute((trx) => localFlow().provider.expireInquiry(trx, id, NOW, 'test'));
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'expired', revocable: false });
    });

    it('a link issued before the version gap was kept shows none', async () => {
      clock = NOW;
      const id = await pending();
      const link = issuedLink(await as(agentA).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-2', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
      await database.db.updateTable('access_links').set({ inquiry_version_number: null, latest_version_number: null }).where('id', '=', link.linkId).execute();
      expect(await byId(id, link.linkId)).toMatchObject({ versionNumber: null, latestVersionNumber: null, versionGap: null });
    });

    it('a created inquiry started from its bare id is a row, issued by the hosted flow', async () => {
      clock = NOW;
      const id = await addInquiry(database.db, kyc, { status: 'created', createdAt: ago(HOUR), expiresAt: ahead(DAY) });
      const opened = await openInquiry(localFlow(), id, null, NOW, { countLinkUse: false, visit });
      if (!opened.ok) throw new Error(opened.denial);
      expect(await byId(id, opened.session.id)).toMatchObject({
        kind: 'bare_id_start',
        issuer: { type: 'system', id: 'hosted-flow' },
        issuedAt: NOW,
        state: 'live',
        firstUsedAt: NOW,
        note: 'opened from its bare id via /verify',
        revocable: true,
      });
      // Compliance can end it like any session.
      await as(compliance).inquiries.expireSessions({ inquiryId: id, sessionId: opened.session.id, reason: 'Nobody should hold this inquiry' });
      expect(await byId(id, opened.session.id)).toMatchObject({ state: 'revoked' });
    });
  });

  // Local only (the end user's side is the local hosted flow). The *live* and *revoked* filters walk columns kept
  // beside the state (migrations/0027): a hand-out's copy of its session's end (triggers), the bare-id mark on a
  // session (the inquiry store), a link's mark once past its expiry (the sweep). Each ended by another path than the
  // row's own, and each filter must still find it.
  describe.skipIf(persona)('the state filters, whatever ended the row', () => {
    const inState = async (inquiryId: string, state: AccessRow['state']) =>
      (await as().access.list({ inquiryId, state: [state], limit: 100 })).items.map((r) => r.id).sort();

    it('a session handed out again, then revoked by its second holder: every row of it is revoked, none live', async () => {
      clock = NOW;
      const id = await pending();
      const first = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      clock = ahead(MINUTE);
      await as(agentB).inquiries.resume({ id, reason: 'Customer called again (ticket 5122)', idempotencyKey: key() });
      const all = (await rowsOf(id)).map((r) => r.id).sort();
      expect(all).toHaveLength(2);
      expect(await inState(id, 'live')).toEqual(all);
      expect(await inState(id, 'revoked')).toEqual([]);

      await as(agentB).inquiries.expireSessions({ inquiryId: id, sessionId: first.sessionId, reason: 'Token pasted in a public chat' });
      expect(await inState(id, 'revoked')).toEqual(all);
      expect(await inState(id, 'live')).toEqual([]);
      expect((await as().access.list({ inquiryId: id, state: ['revoked'], issuer: agentB.id })).items.map((r) => r.reusedSession)).toEqual([true]);
    });

    it('a bare-id start: issued at the instant of the visit, live, then revoked', async () => {
      // Off the whole second: the session's own creation time is kept to the second, the start's is not.
      clock = ahead(750);
      const id = await addInquiry(database.db, kyc, { status: 'created', createdAt: ago(HOUR), expiresAt: ahead(DAY) });
      const opened = await openInquiry(localFlow(), id, null, clock, { countLinkUse: false, visit });
      if (!opened.ok) throw new Error(opened.denial);
      expect(await byId(id, opened.session.id)).toMatchObject({ issuedAt: ahead(750) });
      expect((await as().access.list({ inquiryId: id, issuedAfter: ahead(500) })).items.map((r) => r.id)).toEqual([opened.session.id]);
      expect(await inState(id, 'live')).toEqual([opened.session.id]);
      await as(compliance).inquiries.expireSessions({ inquiryId: id, sessionId: opened.session.id, reason: 'Nobody should hold this inquiry' });
      expect(await inState(id, 'revoked')).toEqual([opened.session.id]);
      expect(await inState(id, 'live')).toEqual([]);
    });

    it('a token link whose session alone another writer revoked is revoked, and its session is never a resume row', async () => {
      clock = NOW;
      const id = await pending();
      const link = issuedLink(await as(agentA).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-4', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
      const row = await byId(id, link.linkId);
      expect((await rowsOf(id)).map((r) => r.id)).toEqual([link.linkId]);
      expect(await inState(id, 'live')).toEqual([link.linkId]);
      if (!row.sessionId) throw new Error('a token link carries a session');
      await database.db.updateTable('inquiry_sessions').set({ revoked_at: ahead(MINUTE) }).where('id', '=', row.sessionId).execute();
      expect(await inState(id, 'revoked')).toEqual([link.linkId]);
      expect(await inState(id, 'live')).toEqual([]);
    });

    it('links past their expiry read expired before and after the sweep marks them; the sweep marks no live link', async () => {
      clock = NOW;
      const id = await pending();
      const token = (minutes: number) =>
        as(agentA).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-3', expiresInMinutes: minutes, acknowledgeRisk: true, idempotencyKey: key() });
      const short = issuedLink(await token(60));
      const long = issuedLink(await token(180));
      const oneTime = await as(agentA).links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      expect(await inState(id, 'live')).toEqual([short.linkId, long.linkId, oneTime.linkId].sort());

      // The one-time link lives an hour (the default policy), the short token link too.
      clock = ahead(90 * MINUTE);
      const spent = [short.linkId, oneTime.linkId].sort();
      // Past their expiry and not yet marked: expired by their time alone.
      expect(await inState(id, 'expired')).toEqual(spent);
      expect(await inState(id, 'live')).toEqual([long.linkId]);
      await sweepExpired(database.db, clock);
      const marks = await database.db.selectFrom('access_links').select(['id', 'expired_at']).where('inquiry_id', '=', id).execute();
      expect(Object.fromEntries(marks.map((m) => [m.id, m.expired_at]))).toEqual({
        [short.linkId]: short.expiresAt,
        [oneTime.linkId]: oneTime.expiresAt,
        [long.linkId]: null,
      });
      expect(await inState(id, 'expired')).toEqual(spent);
      expect(await inState(id, 'live')).toEqual([long.linkId]);

      // Read by a clock behind the sweep's (another instance, an export's fixed instant): a marked link is expired
      // there too, in the row and in every filter alike.
      clock = ahead(30 * MINUTE);
      expect((await rowsOf(id)).filter((r) => spent.includes(r.id)).map((r) => r.state)).toEqual(['expired', 'expired']);
      expect(await inState(id, 'expired')).toEqual(spent);
      expect(await inState(id, 'live')).toEqual([long.linkId]);
      // ... and the hosted flow, by that clock, no longer redeems the code the report calls expired.
      expect(await redeemOneTimeCode(localFlow(), paramOf(oneTime.url, 'code'), clock)).toMatchObject({ ok: false, denial: 'link_expired' });
    });

    // A token link and a hand-out read their session's state from copies beside them (migrations/0029): the copies
    // must follow every change of the session, its expiry too.
    it('a token link and a hand-out whose session\'s expiry a policy change brought closer read expired once it passes', async () => {
      clock = NOW;
      const id = await pending();
      const link = issuedLink(await as(agentA).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-5', expiresInMinutes: 120, acknowledgeRisk: true, idempotencyKey: key() }));
      const resumed = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      await as(agentB).inquiries.resume({ id, reason: 'Customer called again (ticket 5123)', idempotencyKey: key() });
      const all = (await rowsOf(id)).map((r) => r.id).sort();
      expect(all).toHaveLength(3);
      expect(await inState(id, 'live')).toEqual(all);
      const linkSession = (await byId(id, link.linkId)).sessionId;
      if (!linkSession) throw new Error('a token link carries a session');

      // As expiryReapplied cuts open sessions to their inquiry's new, closer expiry.
      await database.db.updateTable('inquiry_sessions').set({ expires_at: ahead(10 * MINUTE) }).where('id', 'in', [linkSession, resumed.sessionId]).execute();
      clock = ahead(20 * MINUTE);
      expect(await inState(id, 'expired')).toEqual(all);
      expect(await inState(id, 'live')).toEqual([]);
      expect((await rowsOf(id)).map((r) => [r.state, r.revocable])).toEqual(all.map(() => ['expired', false]));
      // Past their expiry and not yet marked, then marked by the sweep: *expired* finds them either way, once each
      // (two walks, migrations/0030).
      await sweepExpired(database.db, clock);
      const marked = await database.db.selectFrom('inquiry_sessions').select('id').where('id', 'in', [linkSession, resumed.sessionId]).where('expired_at', 'is not', null).execute();
      expect(marked).toHaveLength(2);
      expect(await inState(id, 'expired')).toEqual(all);
      expect(await inState(id, 'live')).toEqual([]);
      expect((await as().access.list({ inquiryId: id, state: ['expired', 'live'] })).total).toBe(3);
    });

    // The copies are taken while the session is locked: a hand-out written while another transaction ends its
    // session (the expiry sweep, a revocation) waits for it, then copies the end, rather than keep "open" for good.
    it.skipIf(engine !== 'postgres')('a hand-out written while its session is being ended copies the end', async () => {
      clock = NOW;
      const id = await pending();
      const first = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      const other = new pg.Client({ connectionString: database.url ?? '' });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('update inquiry_sessions set revoked_at = $2 where id = $1', [first.sessionId, ahead(MINUTE)]);
        let written = false;
        const handout = database.db
          .insertInto('session_handouts')
          .values({ session_id: first.sessionId, handed_at: ahead(MINUTE), handed_to_type: 'staff', handed_to_id: agentB.id, handed_to_display: agentB.email, reason, ticket: null })
          .execute()
          .then(() => (written = true));
        // The insert waits for the ending transaction, which holds the session's row lock...
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(written).toBe(false);
        await other.query('commit');
        await handout;
      } finally {
        await other.end();
      }
      // ...and copies the session as that transaction left it: revoked, not open.
      const copies = await database.db.selectFrom('session_handouts').select(['session_open', 'session_revoked']).where('session_id', '=', first.sessionId).execute();
      expect(copies).toEqual([{ session_open: false, session_revoked: true }]);
      expect(await inState(id, 'live')).toEqual([]);
    });
  });

  // Local only: a read of what the blocks above and below issue; the report reads the same rows over both providers.
  describe.skipIf(persona)('filters and paging', () => {
    const world = { a: '', b: '', tokenLink: '', ticketed: '', oneTime: '', ids: [] as string[] };

    beforeAll(async () => {
      // A fresh template: these inquiries only, at known times.
      clock = ahead(30 * DAY);
      const t = await addTemplate(database.db, 'Filters', 1);
      const open = () => addInquiry(database.db, t, { status: 'pending', createdAt: ago(-29 * DAY), expiresAt: ahead(40 * DAY) });
      world.a = await open();
      world.b = await open();
      const at = (minutes: number) => new Date(ahead(30 * DAY).getTime() + minutes * MINUTE);
      clock = at(1);
      world.ids.push((await as(agentA).inquiries.resume({ id: world.a, reason, idempotencyKey: key() })).sessionId);
      clock = at(2);
      world.oneTime = (await as(agentA).links.createOneTime({ inquiryId: world.a, reason, idempotencyKey: key() })).linkId;
      world.ids.push(world.oneTime);
      clock = at(3);
      world.tokenLink = issuedLink(await as(agentB).links.createWithToken({ inquiryId: world.b, reason, ticket: 'SUP-9', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() })).linkId;
      world.ids.push(world.tokenLink);
      clock = at(4);
      world.ids.push((await as(agentB).links.createOneTime({ inquiryId: world.b, reason, idempotencyKey: key() })).linkId);
      clock = at(5);
      const revokedLink = (await as(agentA).links.createOneTime({ inquiryId: world.b, reason, idempotencyKey: key() })).linkId;
      world.ids.push(revokedLink);
      await as(agentA).links.revoke({ linkId: revokedLink, reason: 'Not needed after all' });
      clock = at(6);
      world.ticketed = issuedLink(await as(agentB).links.createWithToken({ inquiryId: world.a, reason, ticket: 'SUP-10', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() })).linkId;
      world.ids.push(world.ticketed);
      clock = at(7);
    });

    const period = () => ({ issuedAfter: ahead(30 * DAY), issuedBefore: ahead(31 * DAY) });
    const list = (input: AccessListInput, who = compliance) => as(who).access.list({ ...period(), limit: 100, ...input });
    const ids = (rows: readonly AccessRow[]) => rows.map((r) => r.id);

    it('lists newest first, with an exact count', async () => {
      const page = await list({});
      expect(ids(page.items)).toEqual([...world.ids].reverse());
      expect(page).toMatchObject({ total: 6, totalExact: true, nextCursor: null, scope: 'all' });
    });

    it('filters by kind, state, issuer (id or email), inquiry, ticket and period', async () => {
      expect(ids((await list({ kind: ['token_link'] })).items)).toEqual([world.ticketed, world.tokenLink]);
      expect(ids((await list({ kind: ['token_link'], state: ['live'] })).items)).toEqual([world.ticketed, world.tokenLink]);
      expect((await list({ state: ['revoked'] })).items.map((r) => r.state)).toEqual(['revoked']);
      expect((await list({ kind: ['one_time_link'], state: ['live'] })).total).toBe(2);
      expect(ids((await list({ issuer: agentB.id })).items)).toEqual([world.ticketed, world.ids[3], world.tokenLink]);
      expect((await list({ inquiryId: world.a })).items.every((r) => r.inquiryId === world.a)).toBe(true);
      expect((await list({ inquiryId: world.a })).total).toBe(3);
      expect(ids((await list({ hasTicket: true })).items)).toEqual([world.ticketed, world.tokenLink]);
      expect((await list({ hasTicket: false })).total).toBe(4);
      const narrow = await list({ issuedAfter: new Date(ahead(30 * DAY).getTime() + 2 * MINUTE), issuedBefore: new Date(ahead(30 * DAY).getTime() + 3 * MINUTE) });
      expect(ids(narrow.items)).toEqual([world.tokenLink, world.oneTime]);

      // An issuer given by email is looked up; an unknown one is a clear 400.
      await database.db
        .insertInto('staff')
        .values({ id: agentB.id, email: agentB.email, display_name: 'Agent B', role: 'support' })
        .onConflict((oc) => oc.doNothing())
        .execute();
      expect((await list({ issuer: agentB.email.toUpperCase() })).total).toBe(3);
      const unknown = await errorOf(list({ issuer: 'nobody@demo.test' }));
      expect(unknown.code).toBe('BAD_REQUEST');
      expect(unknown.message).toContain('nobody@demo.test');
    });

    it('pages with keyset cursors, every row once, in order', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await list({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.total).toBe(6);
        seen.push(...ids(page.items));
        cursor = page.nextCursor ?? undefined;
        if (!cursor) break;
      }
      expect(seen).toEqual([...world.ids].reverse());
      const bad = await errorOf(list({ cursor: 'not-a-cursor' }));
      expect(bad.code).toBe('BAD_REQUEST');
    });

    it('counts exactly up to the cap over every source together, and no further', async () => {
      // Six rows from three sources (a console resume, three one-time links, two token links): a cap of five is
      // passed only when the sources are counted together.
      const filter: ReportFilter = {
        kinds: null,
        states: null,
        issuerId: null,
        issuerType: null,
        inquiryId: null,
        ...period(),
        hasTicket: null,
        revocableOnly: false,
      };
      expect(await reportTotalUpTo(database.db, filter, clock, 6)).toBe(6);
      expect(await reportTotalUpTo(database.db, filter, clock, 5)).toBeNull();
      expect(await reportTotalUpTo(database.db, { ...filter, kinds: ['token_link'] }, clock, 2)).toBe(2);
      // A page that does not hold every match is counted the same way (up to COUNT_CAP).
      expect(await list({ limit: 2 })).toMatchObject({ total: 6, totalExact: true });
    });

    it.skipIf(engine !== 'postgres')('runs prepared, planned once for all values and without bitmap scans; the settings end with their transaction', async () => {
      const filter: ReportFilter = { kinds: null, states: null, issuerId: null, issuerType: null, inquiryId: null, ...period(), hasTicket: null, revocableOnly: false };
      const plansOf = (trx: Transaction<DB>) =>
        sql<{ generic: number; custom: number }>`select coalesce(sum(generic_plans), 0)::int as generic, coalesce(sum(custom_plans), 0)::int as custom
          from pg_prepared_statements where statement like '/* prepared large */%'`.execute(trx).then((r) => r.rows[0]);
      const setting = async (executor: Kysely<DB>, name: 'plan_cache_mode' | 'enable_bitmapscan') =>
        (await sql<{ value: string }>`select current_setting(${name}) as value`.execute(executor)).rows[0]?.value;
      await database.db.connection().execute(async (conn) => {
        const read = (f: ReportFilter) =>
          conn.transaction().setAccessMode('read only').execute(async (trx) => {
            await planReportStatements(trx);
            const settings = { plans: await setting(trx, 'plan_cache_mode'), bitmapScans: await setting(trx, 'enable_bitmapscan') };
            const before = await plansOf(trx);
            const pages = [];
            for (let i = 0; i < 3; i++) pages.push(ids((await reportPage(trx, f, clock, null, 100, { prepared: true })).map(toAccessRow)));
            const after = await plansOf(trx);
            return { settings, pages, generic: (after?.generic ?? 0) - (before?.generic ?? 0), custom: (after?.custom ?? 0) - (before?.custom ?? 0) };
          });
        // The same rows as an unprepared read, from a plan made once without the values (PostgreSQL's own choice for
        // the first five executions would be plans made for them), for everyone's rows and for one person's.
        const settings = { plans: 'force_generic_plan', bitmapScans: 'off' };
        for (const f of [filter, { ...filter, issuerId: agentB.id }]) {
          const unprepared = ids((await reportPage(conn, f, clock, null, 100)).map(toAccessRow));
          expect(unprepared.length).toBeGreaterThan(0);
          expect(await read(f)).toEqual({ settings, pages: [unprepared, unprepared, unprepared], generic: 3, custom: 0 });
        }
        // The settings were the transaction's: the connection goes back to the pool planning as configured.
        expect({ plans: await setting(conn, 'plan_cache_mode'), bitmapScans: await setting(conn, 'enable_bitmapscan') }).toEqual({ plans: 'auto', bitmapScans: 'on' });
      });
    });

    // A page request on the report's own connections sends its page and count and nothing else (no BEGIN, settings,
    // COMMIT): they start with the settings the statements are planned under, and read only.
    it.skipIf(engine !== 'postgres')('on PostgreSQL reads on connections of its own that start planning once for all values, without bitmap scans, read only', async () => {
      const reads = await database.reportReads?.();
      if (!reads) throw new Error('no report read pool on PostgreSQL');
      const settingsOf = async (executor: Kysely<DB>) =>
        (
          await sql<{ plans: string; bitmapScans: string; readOnly: string }>`select current_setting('plan_cache_mode') as plans,
            current_setting('enable_bitmapscan') as "bitmapScans", current_setting('default_transaction_read_only') as "readOnly"`.execute(executor)
        ).rows[0];
      // Summed over every connection of the pool: REPORT_POOL_SIZE reads at once, each held a moment, take one each.
      const plans = async () => {
        const each = await Promise.all(
          Array.from({ length: REPORT_POOL_SIZE }, () =>
            sql<{ generic: number; custom: number }>`select coalesce(sum(generic_plans), 0)::int as generic, coalesce(sum(custom_plans), 0)::int as custom
              from pg_prepared_statements, pg_sleep(0.05) where statement like '/* prepared large */%'`.execute(reads),
          ),
        );
        return each.reduce((sum, { rows: [row] }) => ({ generic: sum.generic + (row?.generic ?? 0), custom: sum.custom + (row?.custom ?? 0) }), { generic: 0, custom: 0 });
      };
      const before = await plans();
      const first = await list({ issuer: agentB.id, limit: 1 });
      const again = await list({ issuer: agentB.id, limit: 1 });
      expect(first.items.length).toBe(1);
      expect(first.nextCursor).not.toBeNull();
      expect(again).toEqual(first);
      const after = await plans();
      // Two pages and two counts, each a generic plan.
      expect({ generic: after.generic - before.generic, custom: after.custom - before.custom }).toEqual({ generic: 4, custom: 0 });
      expect(await settingsOf(reads)).toEqual({ plans: 'force_generic_plan', bitmapScans: 'off', readOnly: 'on' });
      // The main pool's connections are not touched: they plan as configured and write.
      expect(await settingsOf(database.db)).toEqual({ plans: 'auto', bitmapScans: 'on', readOnly: 'off' });
      // The report's read connections cannot write, whatever is sent on them.
      expect(await sql`update staff set display_name = display_name`.execute(reads).then(() => 'written', (error: Error) => error.message)).toContain('read-only transaction');
    });

    it.skipIf(engine !== 'postgres')('on its own connections runs the page and the count at once, not one after the other', async () => {
      // Both statements read the links: while they are locked, each waits where it stands.
      const { waiting, answer } = await waitingWhileLocked(database.db, ['access_links'], () => list({ issuer: agentB.id, limit: 1 }));
      expect(waiting).toBe(2);
      expect(answer).toMatchObject({ total: 3, totalExact: true });
      expect(answer.items).toHaveLength(1);
    });

    it.skipIf(engine !== 'postgres')('a read pool whose connections lack its settings at start-up (a pooler drops them) is refused, one that has them is opened', async () => {
      if (!database.url) throw new Error('a server database');
      // What PgBouncer leaves of the startup parameters it is told to ignore: none.
      expect(await openReportReads(database.url, undefined, '')).toBeNull();
      const bare = await openReportReads(database.url, undefined);
      expect(bare).not.toBeNull();
      await bare?.db.destroy();
    });

    it('counts what each filter lists (the count reads some sources without their joins)', async () => {
      const filters: AccessListInput[] = [
        {},
        { state: ['live'] },
        { state: ['revoked'] },
        { state: ['expired', 'used'] },
        { kind: ['token_link'], state: ['revoked'] },
        { kind: ['token_link'], state: ['live'] },
        { kind: ['console_resume'], state: ['live'] },
        { inquiryId: world.a },
        { issuer: agentB.id, hasTicket: true },
        { issuerType: 'staff' },
      ];
      for (const filter of filters) {
        const all = await list({ ...filter, limit: 100 });
        const counted = await list({ ...filter, limit: 1 });
        expect({ filter, total: counted.total, exact: counted.totalExact }).toEqual({ filter, total: all.items.length, exact: true });
      }
    });

    it('refuses an inverted period and a malformed filter with a 400', async () => {
      expect((await errorOf(list({ issuedAfter: ahead(31 * DAY), issuedBefore: ahead(30 * DAY) }))).code).toBe('BAD_REQUEST');
      expect((await errorOf(as().access.list({ kind: ['teleport' as never] }))).code).toBe('BAD_REQUEST');
      // A date JavaScript accepts and PostgreSQL cannot store answered 500 (review of 2026-12-04).
      expect((await errorOf(list({ issuedAfter: new Date(-8e15) }))).code).toBe('BAD_REQUEST');
      expect((await errorOf(as().access.revokePreview({ issuedBefore: new Date(8e15) }))).code).toBe('BAD_REQUEST');
      expect((await errorOf(as().access.list({ issuer: 'two words' }))).code).toBe('BAD_REQUEST');
    });

    it('support sees only what they issued; asking for someone else is refused; manager and viewer see nothing', async () => {
      const mine = await list({}, agentA);
      expect(mine.scope).toBe('own');
      expect(mine.items.every((r) => r.issuer.id === agentA.id)).toBe(true);
      expect(ids(mine.items)).toEqual([world.ids[4], world.oneTime, world.ids[0]]);
      expect((await errorOf(list({ issuer: agentB.id }, agentA))).code).toBe('FORBIDDEN');
      expect((await list({ issuer: agentA.id }, agentA)).total).toBe(3);
      // Support learns nothing about who else is on the staff: a colleague's email and an unknown one answer alike.
      expect((await errorOf(list({ issuer: 'nobody-here@demo.test' }, agentA))).code).toBe('FORBIDDEN');
      expect((await list({ issuer: agentA.email.toUpperCase() }, agentA)).total).toBe(3);
      for (const role of ['manager', 'viewer'] as const) {
        const refused = await errorOf(list({}, staffPrincipal(role)));
        expect(refused.code).toBe('FORBIDDEN');
        expect(refused.message).toContain("'access:read'");
        expect((await errorOf(as(staffPrincipal(role)).access.outliers({ granularity: 'day' }))).code).toBe('FORBIDDEN');
      }
    });
  });

  describe.skipIf(persona)('outliers', () => {
    it('counts issues per agent per day beside the team median, and flags an agent far above it', async () => {
      clock = ahead(100 * DAY);
      const t = await addTemplate(database.db, 'Outliers', 1);
      const day = (d: number) => new Date(Date.UTC(clock.getUTCFullYear(), clock.getUTCMonth(), clock.getUTCDate()) - d * DAY + HOUR);
      // Sessions issued directly (as the store would write them): agents 1–3 issue 2 a day; agent 4 issues 12 once.
      const agents = ['stf_o1', 'stf_o2', 'stf_o3', 'stf_o4'];
      const inquiry = await addInquiry(database.db, t, { status: 'pending', createdAt: day(5), expiresAt: ahead(200 * DAY) });
      const rows = [];
      for (const [i, agent] of agents.entries()) {
        for (let n = 0; n < (i === 3 ? 12 : 2); n++) {
          rows.push({ id: `iqse_out${i}x${n}`, inquiry_id: inquiry, created_at: day(1), expires_at: day(1), expired_at: day(1), issued_by_type: 'staff', issued_by_id: agent, issued_by_display: `${agent}@demo.test` });
        }
      }
      await database.db.insertInto('inquiry_sessions').values(rows).execute();
      const result = await as().access.outliers({ granularity: 'day' });
      expect(result.buckets).toHaveLength(14);
      const bucket = result.buckets.find((b) => b.start.getTime() === day(1).getTime() - HOUR);
      expect(bucket).toMatchObject({ teamMedian: 2, agents: 4 });
      expect(result.agents[0]).toMatchObject({ issuerId: 'stf_o4', total: 12, outlier: true, peak: { count: 12, teamMedian: 2 } });
      expect(result.agents.filter((a) => a.outlier).map((a) => a.issuerId)).toEqual(['stf_o4']);

      // Support sees their own line only, against the same median.
      const own = await as(staffPrincipal('support', 'stf_o1')).access.outliers({ granularity: 'week' });
      expect(own.scope).toBe('own');
      expect(own.agents.map((a) => a.issuerId)).toEqual(['stf_o1']);
    });
  });

  describe('one at a time', () => {
    it('a console resume: live, then revoked, audited; ended at Persona too', async () => {
      clock = NOW;
      const id = await pending();
      const resumed = await as(agentA).inquiries.resume({ id, reason, idempotencyKey: key() });
      expect(await byId(id, resumed.sessionId)).toMatchObject({ kind: 'console_resume', issuer: { type: 'staff', id: agentA.id }, fingerprint: resumed.tokenFingerprint, state: 'live', revocable: true });
      if (persona) expect(atPersona(id, resumed.sessionId)).toBe('new');
      clock = ahead(20 * MINUTE);
      expect(await as(agentA).inquiries.expireSessions({ inquiryId: id, sessionId: resumed.sessionId, reason: 'Token pasted in a public chat' })).toEqual({ expired: 1 });
      expect(await byId(id, resumed.sessionId)).toMatchObject({ state: 'revoked', revokedAt: ahead(20 * MINUTE), revocable: false });
      if (persona) expect(atPersona(id, resumed.sessionId)).toBe('expired');
      const [event] = await auditEvents(database.db, { action: 'session.expired', targetId: id });
      expect(event).toMatchObject({ actor_id: agentA.id, reason: 'Token pasted in a public chat', metadata: { sessionIds: [resumed.sessionId], count: 1 } });
      clock = NOW;
    });

    it('a token link: live, then revoked with its session, audited; the token no longer opens the inquiry', async () => {
      clock = NOW;
      const id = await pending();
      const link = issuedLink(await as(agentA).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-5120', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
      const issued = await byId(id, link.linkId);
      expect(issued).toMatchObject({ kind: 'token_link', ticket: 'SUP-5120', state: 'live', revocable: true });
      expect(await as(compliance).links.revoke({ linkId: link.linkId, reason: 'Ticket closed, link no longer needed' })).toMatchObject({ linkId: link.linkId, sessionExpired: true });
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'revoked', revocable: false });
      const [event] = await auditEvents(database.db, { action: 'link.revoked', targetId: link.linkId });
      expect(event).toMatchObject({ actor_id: compliance.id, metadata: { inquiryId: id, kind: 'token', sessionId: issued.sessionId, sessionExpired: true } });
      // Locally the hosted flow refuses the token; with Persona, its session is expired there (Persona's flow refuses it).
      if (hostedFlow) expect((await openInquiry(hostedFlow, id, paramOf(link.url, 'session-token'), clock, { countLinkUse: true })).ok).toBe(false);
      else expect(atPersona(id, issued.sessionId)).toBe('expired');
    });

    it('a one-time link nobody opened: live, then revoked, audited', async () => {
      clock = NOW;
      const id = await pending();
      const link = await as(agentA).links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      expect(await byId(id, link.linkId)).toMatchObject({ kind: 'one_time_link', state: 'live', revocable: true });
      expect(await as(agentA).links.revoke({ linkId: link.linkId, reason: 'Sent to the wrong address' })).toMatchObject({ linkId: link.linkId, sessionExpired: false });
      expect(await byId(id, link.linkId)).toMatchObject({ state: 'revoked', revocable: false });
      expect(await auditEvents(database.db, { action: 'link.revoked', targetId: link.linkId })).toHaveLength(1);
      if (hostedFlow) {
        expect((await redeemOneTimeCode(hostedFlow, paramOf(link.url, 'code'), clock)).ok).toBe(false);
      } else {
        // Persona has no call that voids a one-time code (../shared/PERSONA.md): revoked here, it still opens the
        // inquiry at Persona until it expires or is used. The record says revoked; Persona does not know.
        expect(harness.fake?.inquiry(id)?.oneTimeLinks).toMatchObject([{ url: link.url, usedAt: null }]);
      }
    });
  });

  describe('bulk revoke', () => {
    /** `count` staff-issued live sessions on fresh inquiries (written as the store writes them), issued at `at`. */
    async function liveSessions(count: number, issuer: string, at: Date): Promise<{ inquiryIds: string[]; sessionIds: string[] }> {
      const t = await addTemplate(database.db, `Bulk ${issuer}`, 1);
      const inquiryIds: string[] = [];
      for (let i = 0; i < Math.ceil(count / 20); i++) inquiryIds.push(await addInquiry(database.db, t, { status: 'pending', createdAt: at, expiresAt: new Date(at.getTime() + 60 * DAY) }));
      const sessionIds = Array.from({ length: count }, (_, i) => `iqse_bulk${issuer.replace(/[^A-Za-z0-9]/g, '')}${i}x${Math.random().toString(36).slice(2, 8)}`);
      await database.db
        .insertInto('inquiry_sessions')
        .values(
          sessionIds.map((id, i) => ({
            id,
            inquiry_id: inquiryIds[Math.floor(i / 20)] ?? '',
            created_at: new Date(at.getTime() + i * 1000),
            expires_at: new Date(at.getTime() + 30 * DAY),
            issued_by_type: 'staff',
            issued_by_id: issuer,
            issued_by_display: `${issuer}@demo.test`,
            reason: 'Seeded for a bulk revoke',
          })),
        )
        .execute();
      await sql`update inquiries i set live_session_until = (select max(expires_at) from inquiry_sessions s where s.inquiry_id = i.id) where i.id in (${sql.join(inquiryIds)})`.execute(database.db);
      // Persona learns of them as they now are, sessions included.
      for (const id of inquiryIds) await harness.track(id);
      return { inquiryIds, sessionIds };
    }

    it('confirms the exact count, revokes in batches, and leaves one audit event naming the filter and count', async () => {
      const at = ahead(200 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulk1';
      const { inquiryIds, sessionIds } = await liveSessions(450, issuer, at);
      const filter = { issuer, kind: ['console_resume' as const], state: ['live' as const] };

      const preview = await as().access.revokePreview(filter);
      expect(preview).toMatchObject({ count: 450, tooMany: false, byKind: [{ kind: 'console_resume', count: 450 }] });

      // A count that has moved is refused, with the count as it is now.
      const moved = await errorOf(as().access.revokeMatching({ ...filter, expectedCount: 449, reason: 'Agent account compromised', idempotencyKey: key() }));
      expect(moved.code).toBe('CONFLICT');
      expect(moved.message).toContain('450 rows match now, not 449');
      expect(await auditEvents(database.db, { action: 'access.bulk_revoked' })).toHaveLength(0);

      const idempotencyKey = key();
      const answered = await as().access.revokeMatching({ ...filter, expectedCount: 450, reason: 'Agent account compromised', idempotencyKey });
      expect(answered).toMatchObject({ count: 450, skipped: 0 });
      // With Persona each row is a call and a transaction of its own (a batch never rolls back what Persona did): on a
      // slow machine the request's time (IN_REQUEST_MS) can run out first, and the rest goes on in the background.
      let result = answered;
      if (persona) {
        for (let i = 0; i < 300 && result.status === 'running'; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          result = await as().access.revokeStatus({ idempotencyKey });
        }
      }
      expect(result).toMatchObject({ bulkId: answered.bulkId, count: 450, revoked: 450, skipped: 0, batches: persona ? 450 : 3, status: 'done' });

      const open = await database.db.selectFrom('inquiry_sessions').select('id').where('id', 'in', sessionIds).where('revoked_at', 'is', null).execute();
      expect(open).toEqual([]);
      if (persona) expect(sessionIds.map((id, i) => atPersona(inquiryIds[Math.floor(i / 20)] ?? '', id)).filter((state) => state !== 'expired')).toEqual([]);
      const events = await auditEvents(database.db, { action: 'access.bulk_revoked' });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        actor_id: compliance.id,
        target_type: 'access_report',
        target_id: result.bulkId,
        reason: 'Agent account compromised',
        metadata: { bulkId: result.bulkId, count: 450, batchSize: persona ? 1 : 200, filter: { issuer, kind: ['console_resume'], state: ['live'] } },
      });
      // Each inquiry's timeline names the bulk revocation; live_session_until followed.
      const timeline = await database.db.selectFrom('inquiry_events').select(['detail']).where('inquiry_id', 'in', inquiryIds).where('kind', '=', 'sessions.expired').execute();
      expect(timeline).toHaveLength(450);
      expect(timeline.every((e) => e.detail['bulkId'] === result.bulkId)).toBe(true);
      const stillLive = await database.db.selectFrom('inquiries').select('id').where('id', 'in', inquiryIds).where('live_session_until', 'is not', null).execute();
      expect(stillLive).toEqual([]);
      expect((await as().access.revokePreview(filter)).count).toBe(0);
    });

    it('a run that fails after its first batch says so on a repeat, with what it revoked, instead of "under way"', async () => {
      const at = ahead(250 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulkfail';
      await liveSessions(250, issuer, at);
      const input = { issuer, expectedCount: 250, reason: 'Agent account compromised', idempotencyKey: key() };
      // The second batch fails for good: a trigger refuses any revocation once the first 200 are committed.
      await sql`create function pg_temp_bulk_fail() returns trigger language plpgsql as $$
        begin
          if new.revoked_at is not null and (select count(*) from inquiry_sessions where issued_by_id = 'stf_bulkfail' and revoked_at is not null) >= 200 then
            raise exception 'the disk is full';
          end if;
          return new;
        end $$`.execute(database.db);
      await sql`create trigger bulk_fail before update on inquiry_sessions for each row execute function pg_temp_bulk_fail()`.execute(database.db);
      try {
        expect((await errorOf(as().access.revokeMatching(input))).code).toBe('INTERNAL_SERVER_ERROR');
      } finally {
        await sql`drop trigger bulk_fail on inquiry_sessions`.execute(database.db);
        await sql`drop function pg_temp_bulk_fail()`.execute(database.db);
      }
      expect(await as().access.revokeMatching(input)).toMatchObject({ count: 250, revoked: 200, batches: persona ? 200 : 1, status: 'failed' });
      expect(await auditEvents(database.db, { action: 'access.bulk_revoked' })).toEqual(
        expect.arrayContaining([expect.objectContaining({ metadata: expect.objectContaining({ count: 250 }) as unknown })]),
      );
      expect((await as().access.revokePreview({ issuer })).count).toBe(50);
    });

    it('a repeated or concurrent request with the same key revokes once; a second key finds nothing left', async () => {
      const at = ahead(300 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulk2';
      await liveSessions(30, issuer, at);
      const filter = { issuer };
      const input = { ...filter, expectedCount: 30, reason: 'Offboarding the agent', idempotencyKey: key() };
      const [one, two] = await Promise.all([as().access.revokeMatching(input), as().access.revokeMatching(input)]);
      expect(two.bulkId).toBe(one.bulkId);
      expect([one.status, two.status]).toContain('done');
      expect(await auditEvents(database.db, { action: 'access.bulk_revoked', targetId: one.bulkId })).toHaveLength(1);
      const again = await as().access.revokeMatching(input);
      expect(again).toMatchObject({ bulkId: one.bulkId, count: 30, revoked: 30, status: 'done' });

      const other = await errorOf(as().access.revokeMatching({ ...input, idempotencyKey: key() }));
      expect(other.code).toBe('CONFLICT');
      expect(other.message).toContain('0 rows match now, not 30');
    });

    it('two people revoking overlapping sets at once never end a row twice', async () => {
      const at = ahead(400 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulk3';
      await liveSessions(60, issuer, at);
      const admin = staffPrincipal('admin', 'stf_admin_bulk');
      const results = await Promise.allSettled([
        as(compliance).access.revokeMatching({ issuer, expectedCount: 60, reason: 'Overlapping run one', idempotencyKey: key() }),
        as(admin).access.revokeMatching({ issuer, expectedCount: 60, reason: 'Overlapping run two', idempotencyKey: key() }),
      ]);
      const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/rows match now/);
      expect(done.reduce((sum, r) => sum + (r.revoked ?? 0), 0)).toBe(60);
    });

    it('support revokes only their own, and the set is theirs even with no issuer named', async () => {
      const at = ahead(500 * DAY);
      clock = new Date(at.getTime() + DAY);
      const mine = staffPrincipal('support', 'stf_bulkOwn');
      await liveSessions(5, mine.id, at);
      const theirs = await liveSessions(4, 'stf_bulkOther', at);
      const period = { issuedAfter: at };
      expect((await as(mine).access.revokePreview(period)).count).toBe(5);
      expect((await errorOf(as(mine).access.revokePreview({ ...period, issuer: 'stf_bulkOther' }))).code).toBe('FORBIDDEN');
      expect(await as(mine).access.revokeMatching({ ...period, expectedCount: 5, reason: 'Cleaning up my own links', idempotencyKey: key() })).toMatchObject({ revoked: 5 });
      const others = await database.db.selectFrom('inquiry_sessions').select('id').where('id', 'in', theirs.sessionIds).where('revoked_at', 'is', null).execute();
      expect(others).toHaveLength(4);
      for (const role of ['manager', 'viewer'] as const) {
        expect((await errorOf(as(staffPrincipal(role)).access.revokePreview(period))).code).toBe('FORBIDDEN');
      }
    });

    it('ends links too: a token link with its session, a one-time link', async () => {
      clock = ahead(600 * DAY);
      const t = await addTemplate(database.db, 'Bulk links', 1);
      await harness.syncTemplates();
      const id = await harness.track(await addInquiry(database.db, t, { status: 'pending', createdAt: ago(-599 * DAY), expiresAt: ahead(700 * DAY) }));
      const issuer = staffPrincipal('support', 'stf_bulkLinks');
      const token = issuedLink(await as(issuer).links.createWithToken({ inquiryId: id, reason, ticket: 'SUP-77', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: key() }));
      const oneTime = await as(issuer).links.createOneTime({ inquiryId: id, reason, idempotencyKey: key() });
      const preview = await as().access.revokePreview({ issuer: issuer.id });
      expect(preview.count).toBe(2);
      expect(await as().access.revokeMatching({ issuer: issuer.id, expectedCount: 2, reason: 'Both links went to a shared inbox', idempotencyKey: key() })).toMatchObject({ revoked: 2 });
      const rows = await rowsOf(id);
      // Issued in the same instant: ties are in id order.
      expect(rows.map((r) => [r.id, r.state])).toEqual(
        [
          [oneTime.linkId, 'revoked'],
          [token.linkId, 'revoked'],
        ].sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1)),
      );
      if (hostedFlow) {
        expect((await openInquiry(hostedFlow, id, paramOf(token.url, 'session-token'), clock, { countLinkUse: true })).ok).toBe(false);
      } else {
        // With Persona: the token link's session is expired there; the one-time code cannot be voided at Persona.
        expect(atPersona(id, (await byId(id, token.linkId)).sessionId)).toBe('expired');
        expect(harness.fake?.inquiry(id)?.oneTimeLinks).toMatchObject([{ url: oneTime.url, usedAt: null }]);
      }
    });

    // With Persona each row is one call, and Persona allows 300 a minute (shared with every other action): a run
    // its rate limit refuses midway answers "running" with what it did, and goes on in the background once
    // Persona's reset has passed. Each row being its own transaction, what is ended here is exactly what Persona ended.
    it.skipIf(!persona)("when Persona's rate limit refuses a run midway, it answers running and finishes in the background after the reset", async () => {
      const at = ahead(800 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulkRate';
      const { inquiryIds, sessionIds } = await liveSessions(250, issuer, at);
      const input = { issuer, expectedCount: 250, reason: 'Agent account compromised', idempotencyKey: key() };
      harness.fake?.faults.rateLimitNext(1, 1, { path: new RegExp(`/inquiry-sessions/${sessionIds[20] ?? ''}/expire$`) });
      const first = await as().access.revokeMatching(input);
      expect(first).toMatchObject({ count: 250, status: 'running' });
      expect(first.revoked).toBeGreaterThan(0);
      expect(first.revoked).toBeLessThan(250);
      // A repeat of the request, and the status query, say the same while it runs; then it ends, done.
      expect((await as().access.revokeMatching(input)).status).toBe('running');
      // The gate Persona's 429 closed reads this clock: past the reset, the run goes on.
      clock = new Date(clock.getTime() + 2_000);
      let status = await as().access.revokeStatus({ idempotencyKey: input.idempotencyKey });
      for (let i = 0; i < 100 && status.status === 'running'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = await as().access.revokeStatus({ idempotencyKey: input.idempotencyKey });
      }
      expect(status).toMatchObject({ bulkId: first.bulkId, count: 250, revoked: 250, skipped: 0, batches: 250, status: 'done' });
      expect(await as().access.revokeMatching(input)).toMatchObject({ status: 'done', revoked: 250 });
      expect(await database.db.selectFrom('inquiry_sessions').select('id').where('id', 'in', sessionIds).where('revoked_at', 'is', null).execute()).toEqual([]);
      const run = (await auditEvents(database.db, { action: 'access.bulk_revoked' })).filter((e) => (e.metadata as { filter: { issuer?: string } }).filter.issuer === issuer);
      expect(run).toMatchObject([{ metadata: { count: 250 } }]);
      expect(sessionIds.filter((id, i) => atPersona(inquiryIds[Math.floor(i / 20)] ?? '', id) !== 'expired')).toEqual([]);
      // Someone else's key is not theirs to ask about.
      expect((await errorOf(as(staffPrincipal('admin', 'stf_admin_status')).access.revokeStatus({ idempotencyKey: input.idempotencyKey }))).code).toBe('NOT_FOUND');
    });

    it.skipIf(!persona)('a run going on in the background stops at shutdown, recorded interrupted with what it did; one whose server went away reads interrupted', async () => {
      const at = ahead(810 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulkStop';
      const { sessionIds } = await liveSessions(40, issuer, at);
      const input = { issuer, expectedCount: 40, reason: 'Agent account compromised', idempotencyKey: key() };
      // Persona asks for 2 s (the client's gate keeps real time): the background run waits, and shutdown comes first.
      harness.fake?.faults.rateLimitNext(1, 2, { path: new RegExp(`/inquiry-sessions/${sessionIds[10] ?? ''}/expire$`) });
      expect(await as().access.revokeMatching(input)).toMatchObject({ status: 'running', revoked: 29 });
      // The batch in flight (waiting for the gate) ends first; then the run stops.
      await stopBulkRevocations();
      expect(await as().access.revokeStatus({ idempotencyKey: input.idempotencyKey })).toMatchObject({ status: 'interrupted', revoked: 30, count: 40 });
      expect((await as().access.revokePreview({ issuer })).count).toBe(10);
      // A run still marked running whose process died records nothing more: silent for over two minutes, it reads interrupted.
      await sql`update idempotency_keys set result = jsonb_set(result, '{status}', '"running"') where key = ${input.idempotencyKey}`.execute(database.db);
      expect((await as().access.revokeStatus({ idempotencyKey: input.idempotencyKey })).status).toBe('running');
      clock = new Date(clock.getTime() + 3 * MINUTE);
      expect((await as().access.revokeStatus({ idempotencyKey: input.idempotencyKey })).status).toBe('interrupted');
      // The tests after this one find Persona's gate open again.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
    });

    it.runIf(persona && engine === 'postgres')("ends each row's session at Persona before the row's transaction: the inquiry is not locked while Persona answers", async () => {
      const at = ahead(830 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulkAhead';
      const { inquiryIds, sessionIds } = await liveSessions(5, issuer, at);
      // Rows go newest first: the third row's call takes 500 ms.
      harness.fake?.faults.delayNext(1, 500, { path: new RegExp(`/inquiry-sessions/${sessionIds[2] ?? ''}/expire$`) });
      const running = as().access.revokeMatching({ issuer, expectedCount: 5, reason: 'Agent account compromised', idempotencyKey: key() });
      const started = Date.now();
      while (!harness.fake?.requests.some((r) => r.path === `/api/v1/inquiry-sessions/${sessionIds[2] ?? ''}/expire`) && Date.now() - started < 3_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const probe = await sql`select id from inquiries where id = ${inquiryIds[0] ?? ''} for update nowait`.execute(database.db).then(
        () => 'free',
        (error: unknown) => (error as { code?: string }).code,
      );
      expect(probe).toBe('free');
      expect(await running).toMatchObject({ count: 5, revoked: 5, status: 'done' });
    });

    it.skipIf(!persona)('when Persona fails one row midway (502), that row is tried again with the same key and the run completes; the attempt is audited', async () => {
      const at = ahead(820 * DAY);
      clock = new Date(at.getTime() + DAY);
      const issuer = 'stf_bulk502';
      const { sessionIds } = await liveSessions(30, issuer, at);
      const target = sessionIds[10] ?? '';
      harness.fake?.faults.failNext(1, { status: 502, path: new RegExp(`/inquiry-sessions/${target}/expire$`), afterEffect: true });
      const result = await as().access.revokeMatching({ issuer, expectedCount: 30, reason: 'Agent account compromised', idempotencyKey: key() });
      expect(result).toMatchObject({ count: 30, revoked: 30, status: 'done' });
      const calls = harness.fake?.requests.filter((r) => r.path === `/api/v1/inquiry-sessions/${target}/expire`) ?? [];
      expect(calls.map((r) => r.status)).toEqual([502, 200]);
      expect(new Set(calls.map((r) => r.idempotencyKey)).size).toBe(1);
      const failed = await database.db.selectFrom('audit_events').select('metadata').where('action', '=', 'provider.call_failed').where('target_id', '=', result.bulkId).execute();
      expect(failed).toMatchObject([{ metadata: { procedure: 'access.revokeMatching', providerStatus: 502, retrying: true } }]);
      expect(await database.db.selectFrom('inquiry_sessions').select('id').where('id', 'in', sessionIds).where('revoked_at', 'is', null).execute()).toEqual([]);
    });
  });
});
