import { getTRPCErrorFromUnknown } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffPrincipal } from '../../server/auth/principal.js';
import { createContextInner, type AppDeps } from '../../server/context.js';
import { appRouter } from '../../server/routers/_app.js';
import { AUDIT_READS_PER_MINUTE } from '../../server/services/audit-reads.js';
import { appendAuditEvent, type AuditEventInput } from '../../server/services/audit.js';
import { createCallerFactory } from '../../server/trpc.js';
import type { AuditListInput, AuditListOutput } from '../../shared/audit-list.js';
import { parseAuditQuery } from '../../shared/audit-query.js';
import type { Role } from '../../shared/permissions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { waitingWhileLocked } from '../helpers/locks.js';
import { authTestDeps, consoleHeaders, createStaffAccount, signIn, startApp } from '../helpers/auth.js';

const createCaller = createCallerFactory(appRouter);
const HOUR = 3_600_000;
const START = Date.parse('2026-11-01T00:00:00.000Z');

interface Row {
  seq: number;
  occurred_at: Date;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ticket: string | null;
  metadata: Record<string, unknown>;
}

/** What a search should find, worked out in memory from every row (the oracle the pages are compared with). */
interface Expected {
  actorId?: string;
  action?: string;
  families?: string[];
  inquiryId?: string;
  target?: { type: string; id: string };
  ticket?: string;
  hasTicket?: boolean;
  after?: string;
  before?: string;
}

function expectedSeqs(rows: Row[], f: Expected): number[] {
  return rows
    .filter((r) => f.actorId === undefined || r.actor_id === f.actorId)
    .filter((r) => f.action === undefined || r.action === f.action)
    .filter((r) => f.families === undefined || f.families.includes(r.action.split('.')[0]!))
    .filter((r) => f.inquiryId === undefined || (r.target_type === 'inquiry' ? r.target_id : r.metadata.inquiryId) === f.inquiryId)
    .filter((r) => f.target === undefined || (r.target_type === f.target.type && r.target_id === f.target.id))
    .filter((r) => f.ticket === undefined || r.ticket === f.ticket)
    .filter((r) => f.hasTicket === undefined || (r.ticket !== null) === f.hasTicket)
    .filter((r) => f.after === undefined || r.occurred_at.getTime() >= Date.parse(f.after))
    .filter((r) => f.before === undefined || r.occurred_at.getTime() < Date.parse(f.before))
    // Newest first: by seq, or by time when the search names a period (walked from the period's end).
    .sort((a, b) => (f.after !== undefined || f.before !== undefined ? b.occurred_at.getTime() - a.occurred_at.getTime() : 0) || b.seq - a.seq)
    .map((r) => r.seq);
}

describe.each(testEngines())('audit.list on %s', (engine) => {
  let database: TestDatabase;
  let deps: AppDeps;
  const people = {} as Record<'supportA' | 'supportB' | 'compliance' | 'manager' | 'admin' | 'viewer', StaffPrincipal>;

  const callerAs = (who: StaffPrincipal) => createCaller(createContextInner(deps, { requestId: 'req-test', ip: '198.51.100.4', userAgent: 'vitest', staff: who }));

  async function allRows(): Promise<Row[]> {
    const rows = await database.db.selectFrom('audit_events').select(['seq', 'occurred_at', 'actor_id', 'action', 'target_type', 'target_id', 'ticket', 'metadata']).execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  /** Every page of a search, following nextCursor; the seqs in order, and the first page. */
  async function walk(who: StaffPrincipal, input: AuditListInput, limit = 4): Promise<{ seqs: number[]; first: AuditListOutput; pages: number }> {
    const caller = callerAs(who);
    const first = await caller.audit.list({ ...input, limit });
    const seqs = first.items.map((i) => i.seq);
    let cursor = first.nextCursor;
    let pages = 1;
    while (cursor) {
      const page = await caller.audit.list({ ...input, limit, cursor, direction: 'forward' }); // as the console's infinite query sends it
      seqs.push(...page.items.map((i) => i.seq));
      cursor = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(100);
    }
    return { seqs, first, pages };
  }

  async function errorOf(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (cause) {
      return getTRPCErrorFromUnknown(cause);
    }
    throw new Error('expected the call to fail');
  }

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    deps = authTestDeps(database).deps;
    const roles: Record<keyof typeof people, Role> = { supportA: 'support', supportB: 'support', compliance: 'compliance', manager: 'manager', admin: 'admin', viewer: 'viewer' };
    for (const [name, role] of Object.entries(roles) as Array<[keyof typeof people, Role]>) {
      const account = await createStaffAccount(database.db, { role, email: `${name.toLowerCase()}@audit.test` });
      people[name] = { id: account.id, email: account.email, displayName: name, role };
    }
    const staff = (p: StaffPrincipal) => ({ type: 'staff' as const, id: p.id, display: p.email });
    const events: AuditEventInput[] = [];
    for (let i = 0; i < 36; i++) {
      const at = new Date(START + i * 3 * HOUR);
      const agent = i % 3 === 0 ? people.supportB : people.supportA;
      const inquiry = `inq_n${i % 5}`;
      const request = { ip: `203.0.113.${i}`, userAgent: 'Mozilla/5.0 test', requestId: `req-${i}` };
      switch (i % 6) {
        case 0:
        case 1:
          events.push({ actor: staff(agent), action: 'link.created', target: { type: 'inquiry', id: inquiry }, reason: `Customer asked ${i}`, ticket: i % 4 === 0 || i % 2 === 1 ? `SUP-${i % 8}` : null, metadata: { linkId: `lnk_l${i}`, kind: 'token_link' }, request, occurredAt: at });
          break;
        case 2:
          events.push({ actor: staff(agent), action: 'link.revoked', target: { type: 'link', id: `lnk_l${i - 2}` }, reason: 'Sent to the wrong address', metadata: { inquiryId: `inq_n${(i - 2) % 5}` }, request, occurredAt: at });
          break;
        case 3:
          events.push({ actor: staff(agent), action: 'inquiry.resumed', target: { type: 'inquiry', id: inquiry }, reason: 'Lost the session', ticket: 'SUP 7 "quoted"', metadata: { sessionId: `iqse_${i}` }, request, occurredAt: at });
          break;
        case 4:
          events.push({ actor: staff(people.manager), action: i % 12 === 4 ? 'policy.updated' : 'template.version_published', target: { type: 'template', id: 'itmpl_T1' }, reason: 'Quarterly review', metadata: { before: { afterCreateMinutes: 1440 }, after: { afterCreateMinutes: 2880 } }, request, occurredAt: at });
          break;
        default:
          events.push(i % 12 === 5
            ? { actor: { type: 'partner', id: 'key_P1', display: 'Acme · prod' }, action: 'partner.inquiry_read', target: { type: 'inquiry', id: inquiry }, request, occurredAt: at }
            : { actor: { type: 'system', id: 'inquiry-desk', display: 'Inquiry Desk' }, action: 'session.expired', target: { type: 'inquiry', id: inquiry }, metadata: { count: 1 }, occurredAt: at });
      }
    }
    await database.db.transaction().execute(async (trx) => {
      for (const event of events) await appendAuditEvent(trx, event);
    });
  });
  afterAll(async () => {
    await database?.close();
  });

  describe('filters and paging (compliance sees everything)', () => {
    const cases: Array<[string, AuditListInput, (p: typeof people) => Expected]> = [
      ['no filter', {}, () => ({})],
      ['actor by email', { q: 'actor:SupportA@audit.test' }, (p) => ({ actorId: p.supportA.id })],
      ['actor by id', { actor: 'key_P1' }, () => ({ actorId: 'key_P1' })],
      ['one action', { q: 'action:link.created' }, () => ({ action: 'link.created' })],
      ['a family', { q: 'action:link.*' }, () => ({ families: ['link'] })],
      ['an inquiry, its links’ events included', { q: 'inquiry:inq_n2' }, () => ({ inquiryId: 'inq_n2' })],
      ['an exact target', { q: 'target:lnk_l6' }, () => ({ target: { type: 'link', id: 'lnk_l6' } })],
      ['a quoted ticket', { q: 'ticket:"SUP 7 \\"quoted\\""' }, () => ({ ticket: 'SUP 7 "quoted"' })],
      ['has:ticket', { q: 'has:ticket' }, () => ({ hasTicket: true })],
      ['no:ticket by field', { hasTicket: false }, () => ({ hasTicket: false })],
      ['a period', { q: 'after:2026-11-02 before:2026-11-04T06:00Z' }, () => ({ after: '2026-11-02T00:00:00.000Z', before: '2026-11-04T06:00:00.000Z' })],
      ['a period by field', { after: new Date('2026-11-03T00:00:00Z') }, () => ({ after: '2026-11-03T00:00:00.000Z' })],
      ['several at once', { q: 'actor:supporta@audit.test action:link.created has:ticket', before: new Date('2026-11-05T00:00:00Z') }, (p) => ({ actorId: p.supportA.id, action: 'link.created', hasTicket: true, before: '2026-11-05T00:00:00.000Z' })],
    ];

    it.each(cases)('%s: every page, newest first, no event twice or missed', async (_name, input, expected) => {
      const rows = await allRows();
      const want = expectedSeqs(rows, expected(people));
      const { seqs, pages } = await walk(people.compliance, input, 4);
      expect(seqs).toEqual(want);
      // A full last page says so (the server reads one row ahead): no empty page at the end.
      expect(pages).toBe(Math.max(1, Math.ceil(want.length / 4)));
    });

    it('has at least a few events for every case (the cases test something)', async () => {
      const rows = await allRows();
      for (const [name, , expected] of cases) expect(expectedSeqs(rows, expected(people)).length, name).toBeGreaterThan(0);
    });

    it('answers each event with who, what, when, why, from where and its hash', async () => {
      const page = await callerAs(people.compliance).audit.list({ q: 'action:link.revoked', limit: 1 });
      const [item] = page.items;
      expect(item).toMatchObject({
        actor: { type: 'staff', id: people.supportA.id, display: 'supporta@audit.test' },
        action: 'link.revoked',
        target: { type: 'link', id: 'lnk_l30' },
        inquiryId: 'inq_n0',
        reason: 'Sent to the wrong address',
        ticket: null,
        request: { ip: '203.0.113.32', userAgent: 'Mozilla/5.0 test', requestId: 'req-32' },
        metadata: { inquiryId: 'inq_n0' },
      });
      expect(item?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(item?.occurredAt).toEqual(new Date(START + 32 * 3 * HOUR));
      expect(page.query).toBe('action:link.revoked');
      expect(page.scope).toBe('all');
    });

    it('finds nothing for an email nobody has (and says so with an empty page, not an error)', async () => {
      const page = await callerAs(people.admin).audit.list({ q: 'actor:nobody@audit.test' });
      expect(page.items).toEqual([]);
      expect(page.nextCursor).toBeNull();
    });
  });

  describe('what each role sees', () => {
    it('support: only the events they are the actor of, whatever they search for', async () => {
      const rows = await allRows();
      const { seqs, first } = await walk(people.supportA, {}, 5);
      expect(first.scope).toBe('own');
      expect(seqs).toEqual(expectedSeqs(rows, { actorId: people.supportA.id }));
      expect(seqs.length).toBeGreaterThan(10);
      expect((await walk(people.supportA, { q: 'action:link.revoked' })).seqs).toEqual(expectedSeqs(rows, { actorId: people.supportA.id, action: 'link.revoked' }));
      // Someone else's events: an empty page, not their events.
      expect((await callerAs(people.supportA).audit.list({ q: 'actor:supportb@audit.test' })).items).toEqual([]);
      expect((await callerAs(people.supportA).audit.list({ actor: people.manager.id })).items).toEqual([]);
    });

    it('manager: only policy and template events', async () => {
      const rows = await allRows();
      const { seqs, first } = await walk(people.manager, {}, 2);
      expect(first.scope).toBe('policy');
      expect(seqs).toEqual(expectedSeqs(rows, { families: ['policy', 'template'] }));
      expect(seqs.length).toBeGreaterThan(3);
      expect((await walk(people.manager, { q: 'action:policy.updated' })).seqs).toEqual(expectedSeqs(rows, { action: 'policy.updated' }));
      expect((await walk(people.manager, { q: 'action:template.*' })).seqs).toEqual(expectedSeqs(rows, { families: ['template'] }));
      for (const q of ['action:link.created', 'action:link.*', 'inquiry:inq_n1', `actor:${people.supportA.email}`]) {
        expect((await callerAs(people.manager).audit.list({ q })).items, q).toEqual([]);
      }
    });

    it('admin: everything, like compliance', async () => {
      const rows = await allRows();
      const { seqs, first } = await walk(people.admin, { q: 'action:session.*' }, 3);
      expect(first.scope).toBe('all');
      expect(seqs).toEqual(expectedSeqs(rows, { families: ['session'] }));
    });

    it('viewer: refused, and no read of the log is recorded (nothing was read)', async () => {
      const views = async () => (await allRows()).filter((r) => r.action === 'audit.viewed').length;
      const before = await views();
      const error = await errorOf(callerAs(people.viewer).audit.list({}));
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toBe("Your role (viewer) does not have the permission 'audit:read'.");
      expect(await views()).toBe(before);
    });
  });

  describe('a search the parser does not understand', () => {
    it.each([
      ['colour:red', /unknown key "colour:"/],
      ['after:2026-13-01', /after: expected a date like 2026-11-01/],
      ['ticket:"open', /ticket: unbalanced quote/],
      ['lost session', /"lost" is not a search term: free text is not searched/],
    ])('%s → 400 with the parser’s own message', async (q, message) => {
      const expected = parseAuditQuery(q);
      if (expected.ok) throw new Error('the parser accepted it');
      const error = await errorOf(callerAs(people.compliance).audit.list({ q }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toBe(expected.message);
      expect(error.message).toMatch(message);
    });

    it('bounds the recorded reads of one person: past the per-minute bound a new search answers 429 and records nothing', async () => {
      const account = await createStaffAccount(database.db, { role: 'support', email: 'eager.reader@audit.test' });
      const reader: StaffPrincipal = { id: account.id, email: account.email, displayName: 'Eager reader', role: 'support' };
      const viewedBy = async () => (await allRows()).filter((r) => r.action === 'audit.viewed' && r.actor_id === reader.id).length;
      const before = await viewedBy();
      let refused: { code?: string } | null = null;
      for (let i = 0; i <= AUDIT_READS_PER_MINUTE && !refused; i++) refused = await callerAs(reader).audit.list({ q: 'action:link.created' }).then(() => null, (e: unknown) => getTRPCErrorFromUnknown(e));
      expect(refused?.code).toBe('TOO_MANY_REQUESTS');
      expect((await viewedBy()) - before).toBeLessThanOrEqual(AUDIT_READS_PER_MINUTE);
    });

    it('refuses a date PostgreSQL cannot store with a 400 naming the field (was a 500)', async () => {
      for (const input of [{ after: new Date(-8e15) }, { before: new Date(8e15) }]) {
        const error = await errorOf(callerAs(people.compliance).audit.list(input));
        expect(error.code).toBe('BAD_REQUEST');
        expect(error.message).toMatch(/must be on or (after 1970-01-01|before 9999-12-31)/);
      }
    });

    it('refuses fields that contradict the text', async () => {
      const error = await errorOf(callerAs(people.compliance).audit.list({ q: 'action:link.created', action: 'link.revoked' }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/action: given twice .*the search text and the filters disagree/);
    });

    it('refuses a search holding a credential (it would be recorded in the log)', async () => {
      const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
      const error = await errorOf(callerAs(people.compliance).audit.list({ q: `ticket:${jwt}` }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toMatch(/^ticket: looks like a credential .* the search is recorded in the audit log/);
      const viewed = (await allRows()).filter((r) => r.action === 'audit.viewed');
      expect(JSON.stringify(viewed)).not.toContain(jwt);
    });

    it('answers 400 over HTTP, with the message and no stack', async () => {
      const app = await startApp(database);
      try {
        const account = await createStaffAccount(database.db, { role: 'compliance' });
        const cookie = await signIn(app, account.email, account.password);
        const input = encodeURIComponent(JSON.stringify({ json: { q: 'colour:red' } }));
        const response = await fetch(`${app.baseUrl}/trpc/audit.list?input=${input}`, { headers: { ...consoleHeaders(app), cookie } });
        expect(response.status).toBe(400);
        const body = (await response.json()) as { error: { json: { message: string; data: Record<string, unknown> } } };
        expect(body.error.json.message).toMatch(/^unknown key "colour:" — use actor:/);
        expect(body.error.json.data.stack).toBeUndefined();

        // And a search it understands, as the console's infinite query sends it, page after page.
        const get = async (json: Record<string, unknown>) => {
          const url = `${app.baseUrl}/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ json }))}`;
          const answer = await fetch(url, { headers: { ...consoleHeaders(app), cookie } });
          expect(answer.status).toBe(200);
          return ((await answer.json()) as { result: { data: { json: { items: Array<{ seq: number; occurredAt: string }>; nextCursor: string | null } } } }).result.data.json;
        };
        const first = await get({ q: 'action:link.*', limit: 2, direction: 'forward' });
        expect(first.items).toHaveLength(2);
        expect(first.items[0]!.occurredAt).toMatch(/^2026-11-/);
        const second = await get({ q: 'action:link.*', limit: 2, direction: 'forward', cursor: first.nextCursor });
        expect(second.items[0]!.seq).toBeLessThan(first.items[1]!.seq);
      } finally {
        await app.close();
      }
    });
  });

  describe('reading the log is audited', () => {
    async function viewsBy(who: StaffPrincipal) {
      return (await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit.viewed').where('actor_id', '=', who.id).orderBy('seq').execute()).map((r) => ({ ...r, seq: Number(r.seq) }));
    }

    it('the first page of a search records audit.viewed: who, which search, their scope, what was shown', async () => {
      const before = await viewsBy(people.compliance);
      const page = await callerAs(people.compliance).audit.list({ q: 'ACTION:link.created inquiry:inq_n1', limit: 2 });
      const after = await viewsBy(people.compliance);
      expect(after).toHaveLength(before.length + 1);
      const view = after[after.length - 1]!;
      expect(view).toMatchObject({
        actor_type: 'staff',
        actor_display: people.compliance.email,
        target_type: null,
        ip: '198.51.100.4',
        user_agent: 'vitest',
        request_id: 'req-test',
        metadata: { query: 'action:link.created inquiry:inq_n1', scope: 'all', shown: page.items.length, more: page.nextCursor !== null },
      });
      expect(view.metadata.viewId).toMatch(/^auv_/);
      // The read it records does not include itself: it was appended in the read's own transaction.
      expect(page.items.every((i) => i.seq < view.seq)).toBe(true);
    });

    it('later pages are not recorded one by one, and cannot be read without the recorded first page', async () => {
      const caller = callerAs(people.compliance);
      const first = await caller.audit.list({ q: 'action:link.*', limit: 3 });
      const views = (await viewsBy(people.compliance)).length;
      const second = await caller.audit.list({ q: 'action:link.*', limit: 3, cursor: first.nextCursor! });
      expect(second.items.length).toBe(3);
      expect(second.items[0]!.seq).toBeLessThan(first.items[2]!.seq);
      expect(await viewsBy(people.compliance)).toHaveLength(views);

      // The cursor continues that search only…
      const other = await errorOf(caller.audit.list({ q: 'action:policy.*', limit: 3, cursor: first.nextCursor! }));
      expect(other.code).toBe('BAD_REQUEST');
      expect(other.message).toBe('cursor: continues no search of yours — start again from the first page');
      // …of that person only…
      const borrowed = await errorOf(callerAs(people.admin).audit.list({ q: 'action:link.*', limit: 3, cursor: first.nextCursor! }));
      expect(borrowed.message).toBe('cursor: continues no search of yours — start again from the first page');
      // …and a made-up cursor (a view that was never recorded) reads nothing.
      const forged = Buffer.from(JSON.stringify({ s: 1_000_000, v: 'auv_neverRecorded', h: 0 })).toString('base64url');
      expect((await errorOf(caller.audit.list({ q: 'action:link.*', cursor: forged }))).message).toBe('cursor: continues no search of yours — start again from the first page');
      expect((await errorOf(caller.audit.list({ cursor: 'not a cursor' }))).message).toBe('cursor: is malformed — start again from the first page');
    });

    it.skipIf(engine !== 'postgres')('on a server database a first page reads the chain’s head and its rows while its transaction checks the bound on reads', async () => {
      // With the log, its head and the bound's window locked, the reads wait on the head and the transaction on the
      // window.
      const { waiting, answer: page } = await waitingWhileLocked(database.db, ['audit_events', 'audit_chain_head', 'rate_limit_events'], () =>
        callerAs(people.admin).audit.list({ q: 'action:link.created', limit: 2 }),
      );
      expect(waiting).toBe(2);
      expect(page.items.map((i) => i.action)).toEqual(['link.created', 'link.created']);
      const [view] = await database.db.selectFrom('audit_events').select(['metadata']).where('action', '=', 'audit.viewed').where('actor_id', '=', people.admin.id).orderBy('seq', 'desc').limit(1).execute();
      expect(view?.metadata).toMatchObject({ query: 'action:link.created', shown: 2, more: true });
    });

    it('support agents see their own views of the log; managers do not see anyone’s', async () => {
      await callerAs(people.supportB).audit.list({});
      const own = await callerAs(people.supportB).audit.list({ q: 'action:audit.viewed' });
      expect(own.items.length).toBeGreaterThan(0);
      expect(own.items.every((i) => i.actor.id === people.supportB.id)).toBe(true);
      expect(own.items[0]!.metadata).toMatchObject({ query: '', scope: 'own' });
      expect((await callerAs(people.manager).audit.list({ q: 'action:audit.viewed' })).items).toEqual([]);
    });
  });
});
