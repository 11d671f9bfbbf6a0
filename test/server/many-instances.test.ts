import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAIR_THROTTLE } from '../../server/auth/throttle.js';
import { openDatabase, type Database } from '../../server/db/index.js';
import { sweepExpired } from '../../server/providers/local/sweeper.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { consoleHeaders, createStaffAccount, login, signIn, startApp, whoAmI, type RunningApp, type StaffAccount } from '../helpers/auth.js';
import { addInquiry, addTemplate, ago, ahead, HOUR, MINUTE, NOW, type TemplateFixture } from './fixtures.js';
import { PROVIDERS, providerHarness, type ProviderHarness } from './providers.js';

/**
 * Two instances on one PostgreSQL, behind a load balancer without sticky sessions (issue 13, "Many instances";
 * README "Running several instances"). Each instance has its own connection pool, as separate processes would;
 * a person's requests land on either. Every limit lives in the database, so the pair behaves as one server.
 */
const BUDGET = 4;
const reason = 'End user lost access (ticket 7301)';
let keys = 0;
const key = () => `many-${++keys}-${Math.random().toString(36).slice(2, 10)}`;
const from = (address: string) => ({ 'x-forwarded-for': address });

/** A tRPC mutation over HTTP as the console sends it (superjson envelope). */
async function mutate(app: RunningApp, cookie: string, path: string, input: unknown) {
  const response = await fetch(`${app.baseUrl}/trpc/${path}`, { method: 'POST', headers: consoleHeaders(app, { cookie }), body: JSON.stringify({ json: input }) });
  const body = (await response.json()) as { result?: { data?: { json?: Record<string, unknown> } }; error?: { json?: { message?: string } } };
  return { status: response.status, data: body.result?.data?.json ?? {}, error: body.error?.json?.message ?? '' };
}

/** Two app instances on `database`, each with its own pool of the default size, as `npm start` opens it (the test's fixtures use a third). */
async function startPair(database: TestDatabase, env: Record<string, string>): Promise<{ a: RunningApp; b: RunningApp; close(): Promise<void> }> {
  const pools: Database[] = [await openDatabase({ databaseUrl: database.url ?? '' }), await openDatabase({ databaseUrl: database.url ?? '' })];
  const a = await startApp(pools[0]!, env);
  const b = await startApp(pools[1]!, env);
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      for (const pool of pools) await pool.close();
    },
  };
}

describe.runIf(process.env.TEST_DATABASE_URL)('two instances on one PostgreSQL, no sticky sessions', () => {
  let database: TestDatabase;
  let pair: Awaited<ReturnType<typeof startPair>> | undefined;
  let a: RunningApp;
  let b: RunningApp;
  let kyc: TemplateFixture;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    pair = await startPair(database, { STAFF_ACTION_BUDGET: String(BUDGET) });
    ({ a, b } = pair);
    kyc = await addTemplate(database.db, 'KYC', 2);
  });
  afterAll(async () => {
    await pair?.close();
    await database?.close();
  });

  const pending = (extra: Partial<Parameters<typeof addInquiry>[2]> = {}) =>
    addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR), ...extra });
  const agent = async (role: StaffAccount['role'] = 'support') => {
    const account = await createStaffAccount(database.db, { role });
    return { account, cookie: await signIn(a, account.email, account.password) };
  };

  it('a sign-in on one instance is a sign-in on the other, and signing out on either ends it on both', async () => {
    const { account, cookie } = await agent();
    expect((await whoAmI(b, cookie)).me?.staff.email).toBe(account.email);
    const out = await fetch(`${b.baseUrl}/auth/logout`, { method: 'POST', headers: consoleHeaders(b, { cookie }) });
    expect(out.status).toBe(204);
    expect((await whoAmI(a, cookie)).me).toBeNull();
    expect((await whoAmI(b, cookie)).me).toBeNull();
  });

  it('wrong passwords from one address, split across the instances, lock that address out of both as one count', async () => {
    const owner = await createStaffAccount(database.db);
    const attacker = from('192.0.2.66');
    const statuses: number[] = [];
    for (let i = 0; i < PAIR_THROTTLE.threshold + 1; i++) statuses.push((await login(i % 2 === 0 ? a : b, owner.email, `guess ${i}`, attacker)).status);
    expect(statuses).toEqual([...Array<number>(PAIR_THROTTLE.threshold - 1).fill(401), 429, 429]);
    // Locked on both, even with the right password; the owner elsewhere signs in on either.
    expect((await login(a, owner.email, owner.password, attacker)).status).toBe(429);
    expect((await login(b, owner.email, owner.password, attacker)).status).toBe(429);
    expect((await login(b, owner.email, owner.password, from('198.51.100.66'))).status).toBe(200);
  });

  it('the expiry sweep runs on one instance at a time: while one sweeps, the other stands aside; the work is done once', async () => {
    const overdue = await Promise.all(Array.from({ length: 6 }, () => pending({ createdAt: ago(30 * HOUR), expiresAt: ago(MINUTE), liveSessions: 1 })));
    // An agent's request holds one of their sessions, so instance A's sweep waits inside its batch, holding the
    // sweep lock, until that request ends: a sweep caught in the middle, every time.
    const blocker = new pg.Client({ connectionString: database.url ?? '' });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('select id from inquiry_sessions where inquiry_id = $1 for update', [overdue[0]]);
      const sweepOnA = sweepExpired(a.deps.database.db, NOW);
      await expect.poll(async () => (await blocker.query("select 1 from pg_locks where locktype = 'advisory' and objid = 7421902 and granted")).rowCount, { timeout: 10_000 }).toBe(1);

      expect(await sweepExpired(b.deps.database.db, NOW)).toEqual({ ran: false, inquiriesExpired: 0, sessionsExpired: 0, linksExpired: 0 });
      const untouched = await database.db.selectFrom('inquiries').select('status').where('id', 'in', overdue).execute();
      expect(untouched.map((r) => r.status)).toEqual(overdue.map(() => 'pending'));

      await blocker.query('commit');
      expect(await sweepOnA).toMatchObject({ ran: true, inquiriesExpired: overdue.length });
    } finally {
      await blocker.end();
    }
    // Each overdue inquiry expired once, with one timeline entry; B's next turn finds nothing left.
    const events = await sql<{ n: number }>`
      select count(*)::int as n from inquiry_events where kind = 'expired' and inquiry_id = any(${overdue})`.execute(database.db);
    expect(events.rows[0]?.n).toBe(overdue.length);
    expect(await sweepExpired(b.deps.database.db, NOW)).toEqual({ ran: true, inquiriesExpired: 0, sessionsExpired: 0, linksExpired: 0 });
  });

  it('sweeps started on both instances at once expire every overdue inquiry exactly once', async () => {
    const overdue = await Promise.all(Array.from({ length: 40 }, () => pending({ createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) })));
    const [onA, onB] = await Promise.all([sweepExpired(a.deps.database.db, NOW), sweepExpired(b.deps.database.db, NOW)]);
    expect((onA?.inquiriesExpired ?? 0) + (onB?.inquiriesExpired ?? 0)).toBe(overdue.length);
    const events = await sql<{ n: number }>`
      select count(*)::int as n from inquiry_events where kind = 'expired' and inquiry_id = any(${overdue})`.execute(database.db);
    expect(events.rows[0]?.n).toBe(overdue.length);
  });
});

/**
 * The guards across the pair, over either provider (issue 15: every guarded-action test runs against both): the
 * budget, the cooldown and an idempotency key are counted in the database, whoever answers and whatever vendor acts.
 */
describe.runIf(process.env.TEST_DATABASE_URL).each(PROVIDERS)('guarded actions across two instances with the %s provider', (providerKind) => {
  let database: TestDatabase;
  let harness: ProviderHarness;
  let pair: Awaited<ReturnType<typeof startPair>> | undefined;
  let a: RunningApp;
  let b: RunningApp;
  let kyc: TemplateFixture;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    harness = await providerHarness(providerKind, database, () => NOW);
    pair = await startPair(database, { ...harness.env, STAFF_ACTION_BUDGET: String(BUDGET) });
    ({ a, b } = pair);
    kyc = await addTemplate(database.db, 'KYC', 2);
    await harness.syncTemplates();
  });
  afterAll(async () => {
    await pair?.close();
    await harness?.close();
    await database?.close();
  });

  const pending = async (extra: Partial<Parameters<typeof addInquiry>[2]> = {}) =>
    harness.track(await addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(20 * HOUR), ...extra }));
  const agent = async (role: StaffAccount['role'] = 'support') => {
    const account = await createStaffAccount(database.db, { role });
    return { account, cookie: await signIn(a, account.email, account.password) };
  };

  it("an agent's action budget is spent across both instances, even by requests arriving at once", async () => {
    const { cookie } = await agent();
    const ids = await Promise.all(Array.from({ length: BUDGET + 2 }, () => pending()));
    const results = await Promise.all(ids.map((id, i) => mutate(i % 2 === 0 ? a : b, cookie, 'inquiries.resume', { id, reason, idempotencyKey: key() })));
    expect(results.map((r) => r.status).sort()).toEqual([...Array<number>(BUDGET).fill(200), 429, 429]);
    for (const refused of results.filter((r) => r.status === 429)) expect(refused.error).toMatch(new RegExp(`issued ${BUDGET} sessions or links`));
  });

  it("one inquiry's resume cooldown counts resumes made through both instances", async () => {
    const { cookie } = await agent();
    const id = await pending();
    const max = a.deps.config.guards.resumeCooldownMax;
    const results = await Promise.all(Array.from({ length: max + 2 }, (_, i) => mutate(i % 2 === 0 ? a : b, cookie, 'inquiries.resume', { id, reason, idempotencyKey: key() })));
    expect(results.map((r) => r.status).sort()).toEqual([...Array<number>(max).fill(200), 429, 429]);
    expect(results.find((r) => r.status === 429)?.error).toMatch(new RegExp(`Resumed ${max} times in the last`));
    const resumed = await sql<{ n: number }>`select count(*)::int as n from audit_events where target_id = ${id} and action = 'inquiry.resumed'`.execute(database.db);
    expect(resumed.rows[0]?.n).toBe(max);
  });

  it('one idempotency key sent to both instances at once makes one session, and one successor', async () => {
    const { cookie } = await agent();
    const id = await pending({ version: 1 });
    const resumeKey = key();
    const [onA, onB] = await Promise.all([a, b].map((app) => mutate(app, cookie, 'inquiries.resume', { id, reason, acknowledgeOutdated: true, idempotencyKey: resumeKey })));
    expect([onA?.status, onB?.status]).toEqual([200, 200]);
    expect(onB?.data.sessionId).toBe(onA?.data.sessionId);
    expect(onB?.data.sessionToken).toBe(onA?.data.sessionToken);
    expect(await database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute()).toHaveLength(1);

    const recreateKey = key();
    const recreated = await Promise.all([b, a].map((app) => mutate(app, cookie, 'inquiries.recreate', { id, reason, idempotencyKey: recreateKey })));
    expect(recreated.map((r) => r.status)).toEqual([200, 200]);
    const successors = await database.db.selectFrom('inquiries').select('id').where('predecessor_id', '=', id).execute();
    expect(successors).toHaveLength(1);
    expect(recreated.map((r) => r.data.newInquiryId)).toEqual([successors[0]?.id, successors[0]?.id]);
    if (harness.fake) {
      // One effect each at Persona too: the second instance replayed the first's answer instead of calling again.
      expect(harness.fake.effects.filter((e) => e.operation === 'resume' && e.inquiryId === id)).toHaveLength(1);
      expect(harness.fake.effects.filter((e) => e.operation === 'create' && e.inquiryId === successors[0]?.id)).toHaveLength(1);
    }
    const audited = await sql<{ action: string; n: number }>`
      select action, count(*)::int as n from audit_events where target_id = ${id} group by action order by action`.execute(database.db);
    expect(audited.rows).toEqual([
      { action: 'inquiry.recreated', n: 1 },
      { action: 'inquiry.resumed', n: 1 },
    ]);
  });
});
