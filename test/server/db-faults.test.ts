import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionLoss } from '../../server/db/faults.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { consoleHeaders, createStaffAccount, signIn, startApp, type RunningApp } from '../helpers/auth.js';
import { addInquiry, addTemplate, DAY, HOUR, type TemplateFixture } from './fixtures.js';

/**
 * Issue 13: terminating the backend of a connection a request has checked out (a failover, a restart, an
 * administrator's pg_terminate_backend) crashed the process with an unhandled 'error' event. Now the request
 * answers 503, the pool replaces the connection and nothing is half-written. PostgreSQL only: PGlite has no
 * backends to terminate.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('a lost database connection on PostgreSQL', () => {
  let database: TestDatabase;
  let app: RunningApp;
  let template: TemplateFixture;
  let cookie: string;
  /** A second session on the same database: holds row locks so requests wait with their connection checked out. */
  let locker: pg.Client;
  let lockerPid = 0;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    app = await startApp(database);
    template = await addTemplate(database.db, 'KYC', 1);
    const admin = await createStaffAccount(database.db, { role: 'admin' });
    cookie = await signIn(app, admin.email, admin.password);
    locker = new pg.Client({ connectionString: database.url ?? '' });
    await locker.connect();
    lockerPid = ((await locker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0] as { pid: number }).pid;
  });
  afterAll(async () => {
    await locker?.end();
    await app?.close();
    await database?.close();
  });

  /** Ends every backend of this database except the locker's and its own, as pg_terminate_backend does in a failover drill. */
  async function terminateAppBackends(): Promise<number> {
    const admin = new pg.Client({ connectionString: database.url ?? '' });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: string }>(
        'select count(pg_terminate_backend(pid))::text as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and pid <> $1',
        [lockerPid],
      );
      return Number(rows[0]?.n ?? 0);
    } finally {
      await admin.end();
    }
  }

  const now = () => app.deps.now();
  const resume = (id: string, key: string) =>
    fetch(`${app.baseUrl}/trpc/inquiries.resume`, {
      method: 'POST',
      headers: consoleHeaders(app, { cookie }),
      body: JSON.stringify({ json: { id, reason: 'Fault drill: the user lost the session', idempotencyKey: key } }),
    });
  const list = () => fetch(`${app.baseUrl}/trpc/inquiries.list?input=${encodeURIComponent(JSON.stringify({ json: {} }))}`, { headers: consoleHeaders(app, { cookie }) });

  const lockWaiters = async () =>
    Number((await locker.query<{ n: string }>("select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0]?.n);
  /**
   * After a drill the first request on a connection that died idle may still answer 503 (as it should: retry);
   * before the next drill, wait until a round of requests all go through. The app and these fixtures share one
   * pool, so this comes before a drill's first fixture insert too (one once landed on a dead connection).
   */
  const healthy = () =>
    expect.poll(async () => (await Promise.all(Array.from({ length: 12 }, () => list().then((r) => r.status)))).every((s) => s === 200), { timeout: 5_000 }).toBe(true);

  it('a query whose connection is terminated rejects as a connection loss, and the next one gets a fresh connection', async () => {
    const sleeping = sql`select pg_sleep(5)`.execute(database.db).then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await terminateAppBackends()).toBeGreaterThan(0);
    const error = await sleeping;
    expect(isConnectionLoss(error)).toBe(true);
    // Idle connections ended too; the pool drops each as its socket closes and opens fresh ones.
    const answer = () => sql<{ one: number }>`select 1 as one`.execute(database.db).then((r) => r.rows, () => null);
    await expect.poll(answer, { timeout: 2_000 }).toEqual([{ one: 1 }]);
  });

  it('requests waiting on the database when their backends are terminated answer 503, the instance keeps serving, and nothing is half-written', async () => {
    await healthy();
    const ids = await Promise.all(
      Array.from({ length: 8 }, () => addInquiry(database.db, template, { status: 'pending', createdAt: new Date(now().getTime() - HOUR), expiresAt: new Date(now().getTime() + DAY) })),
    );
    // Hold the inquiries' rows: each resume waits on its row lock with a connection checked out.
    await locker.query('begin');
    await locker.query('select id from inquiries where id = any($1) for update', [ids]);
    await healthy();
    const inFlight = ids.map((id, i) => resume(id, `fault-${i}-${id}`).then((r) => r.status));
    const lists = Array.from({ length: 4 }, () => list().then((r) => r.status));
    // Wait until every resume is blocked on a lock, then end their backends.
    // On a busy machine not every request reaches its lock at once: end the backends of those that did.
    await expect.poll(lockWaiters, { timeout: 10_000 }).toBeGreaterThanOrEqual(Math.min(4, ids.length));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waiting = await lockWaiters();
    expect(await terminateAppBackends()).toBeGreaterThanOrEqual(waiting);
    await locker.query('rollback');

    // Each answer is a clean 503 (its connection was ended) or, for a request that arrived later, a 200.
    const statuses = await Promise.all(inFlight);
    expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(waiting);
    expect((await Promise.all(lists)).every((s) => s === 200 || s === 503)).toBe(true);

    // Still up, on fresh connections: the list answers and the same resumes now go through (a 200 replays).
    await healthy();
    const retried = await Promise.all(ids.map((id, i) => resume(id, `fault-${i}-${id}`).then((r) => r.status)));
    expect(retried.every((s) => s === 200)).toBe(true);

    // Nothing half-written: every session the drill issued has its audit event, and no more.
    const sessions = await database.db.selectFrom('inquiry_sessions').select((eb) => eb.fn.countAll<number>().as('n')).where('inquiry_id', 'in', ids).executeTakeFirstOrThrow();
    const events = await database.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'inquiry.resumed')
      .where('target_id', 'in', ids)
      .executeTakeFirstOrThrow();
    expect(Number(sessions.n)).toBe(ids.length);
    expect(Number(events.n)).toBe(ids.length);
  });

  // The access report reads on connections of its own (Database.reportReads), with their own error handlers.
  it('an access report request whose report connection is terminated answers 503, and the next ones are served', async () => {
    await healthy();
    const report = () =>
      fetch(`${app.baseUrl}/trpc/access.list?input=${encodeURIComponent(JSON.stringify({ json: { limit: 10 } }))}`, { headers: consoleHeaders(app, { cookie }) }).then((r) => r.status);
    // The first opens the report's pool.
    expect(await report()).toBe(200);
    // Hold a table the report reads: its request waits with a report connection checked out.
    await locker.query('begin');
    await locker.query('lock table access_links in access exclusive mode');
    const waiting = report();
    await expect.poll(lockWaiters, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(await terminateAppBackends()).toBeGreaterThanOrEqual(1);
    await locker.query('rollback');
    expect(await waiting).toBe(503);
    // Still up, on fresh connections.
    await expect.poll(report, { timeout: 5_000 }).toBe(200);
    await healthy();
  });

  // Persona's shared rate gate asks on two connections of its own (Database.side), with the same error handlers.
  it('a statement on the side pool whose connection is terminated fails as a lost connection, and the next is served', async () => {
    const side = database.side?.();
    if (!side) throw new Error('a server database has a side pool');
    expect((await sql<{ one: number }>`select 1 as one`.execute(side)).rows).toEqual([{ one: 1 }]);
    const sleeping = async () =>
      Number((await locker.query<{ n: string }>(`select count(*)::text as n from pg_stat_activity where datname = current_database() and query like 'select pg_sleep(30)%'`)).rows[0]?.n);
    // In a transaction, so that the connection is still checked out when the socket closes (the gate's statements
    // stand alone, but any use of the pool must survive it).
    const pending = side.transaction().execute((trx) => sql`select pg_sleep(30)`.execute(trx)).then(
      () => 'finished',
      (error: unknown) => (isConnectionLoss(error) ? 'lost' : String(error)),
    );
    await expect.poll(sleeping, { timeout: 10_000 }).toBe(1);
    expect(await terminateAppBackends()).toBeGreaterThanOrEqual(1);
    expect(await pending).toBe('lost');
    await expect.poll(async () => (await sql<{ one: number }>`select 1 as one`.execute(side)).rows[0]?.one, { timeout: 5_000 }).toBe(1);
    await healthy();
  });

  it('the answer says to try again and carries nothing of the database error', async () => {
    await healthy();
    const id = await addInquiry(database.db, template, { status: 'pending', createdAt: new Date(now().getTime() - HOUR), expiresAt: new Date(now().getTime() + DAY) });
    await locker.query('begin');
    await locker.query('select id from inquiries where id = $1 for update', [id]);
    const pending = resume(id, `fault-msg-${id}`);
    await expect.poll(lockWaiters, { timeout: 10_000 }).toBe(1);
    await terminateAppBackends();
    await locker.query('rollback');
    const response = await pending;
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(text).toContain('try again');
    expect(text).not.toMatch(/57P01|terminat|administrator command/i);
  });

  it('the hosted flow answers a page saying to reload (503), not an error page, when its connection is lost', async () => {
    await healthy();
    const id = await addInquiry(database.db, template, { status: 'created', createdAt: new Date(now().getTime() - HOUR), expiresAt: new Date(now().getTime() + DAY) });
    await locker.query('begin');
    await locker.query('select id from inquiries where id = $1 for update', [id]);
    const pending = fetch(`${app.baseUrl}/verify?inquiry-id=${id}`);
    await expect.poll(lockWaiters, { timeout: 10_000 }).toBe(1);
    await terminateAppBackends();
    await locker.query('rollback');
    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.text()).toContain('Reload the page in a moment');
  });
});
