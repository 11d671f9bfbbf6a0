import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sql } from 'kysely';
import pg from 'pg';
import { pinoHttp } from 'pino-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.js';
import { requestInfo } from '../../server/context.js';
import { DEADLINE_MESSAGE, requestDeadline } from '../../server/deadline.js';
import { createLogger } from '../../server/logger.js';
import { shutDownGracefully } from '../../server/shutdown.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { consoleHeaders, createStaffAccount, signIn, startApp, type RunningApp } from '../helpers/auth.js';
import { addInquiry, addTemplate, DAY, HOUR } from './fixtures.js';

/** Issue 13, operations: liveness apart from readiness, time limits, graceful shutdown. */
const log = createLogger('silent');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('liveness and readiness', () => {
  let database: TestDatabase;
  let app: RunningApp;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    app = await startApp(database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('/healthz says the process answers; /readyz that the database answers with every migration applied', async () => {
    const health = await fetch(`${app.baseUrl}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'pglite', provider: 'local' });
    const ready = await fetch(`${app.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'pglite' });
  });

  it('/readyz answers 503 naming the migrations a database is missing, while /healthz stays 200', async () => {
    const { rows } = await sql<{ name: string }>`select name from schema_migrations order by name desc limit 1`.execute(database.db);
    const name = rows[0]?.name ?? '';
    await sql`delete from schema_migrations where name = ${name}`.execute(database.db);
    try {
      const ready = await fetch(`${app.baseUrl}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { status: string; pendingMigrations: string[]; reason: string };
      expect(body).toMatchObject({ status: 'unavailable', pendingMigrations: [name] });
      expect(body.reason).toContain('npm run db:migrate');
      expect((await fetch(`${app.baseUrl}/healthz`)).status).toBe(200);
    } finally {
      await sql`insert into schema_migrations (name) values (${name})`.execute(database.db);
    }
    expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);
  });
});

describe('the request deadline', () => {
  it('answers 503 when a request runs past it, drops the late answer, and keeps serving', async () => {
    const app = express();
    app.use(pinoHttp({ logger: log }));
    app.use(requestDeadline(200));
    let lateWriteFailed = false;
    app.get('/slow', (_req, res) => {
      setTimeout(() => {
        try {
          res.status(200).json({ late: true });
        } catch {
          lateWriteFailed = true;
        }
      }, 500);
    });
    app.get('/trpc/{*procedures}', (_req, _res) => {
      // Never answers: the deadline does, in tRPC's format.
    });
    app.get('/fast', (_req, res) => {
      res.json({ ok: true });
    });
    const server = createServer(app);
    const base = await listen(server);
    try {
      const started = Date.now();
      const slow = await fetch(`${base}/slow`);
      expect(slow.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(450);
      expect(await slow.json()).toEqual({ errors: [{ title: DEADLINE_MESSAGE }] });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(lateWriteFailed).toBe(false);
      expect((await fetch(`${base}/fast`)).status).toBe(200);
      // Under /trpc the console's client gets an error it can read, one per batched procedure.
      const batched = await fetch(`${base}/trpc/inquiries.list,auth.me?batch=1`);
      expect(batched.status).toBe(503);
      const errors = (await batched.json()) as { error: { json: { message: string; data: { code: string; path: string } } } }[];
      expect(errors.map((e) => [e.error.json.data.code, e.error.json.data.path])).toEqual([
        ['SERVICE_UNAVAILABLE', 'inquiries.list'],
        ['SERVICE_UNAVAILABLE', 'auth.me'],
      ]);
      expect(errors[0]?.error.json.message).toBe(DEADLINE_MESSAGE);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it("hands the request's deadline to what serves it, so a vendor call is bounded by what is left of it", async () => {
    const app = express();
    app.use(requestDeadline(5_000));
    app.get('/left', (req, res) => {
      const at = requestInfo(req).deadlineAt;
      res.json({ left: at === null || at === undefined ? null : at - performance.now() });
    });
    const server = createServer(app);
    const base = await listen(server);
    try {
      const { left } = (await (await fetch(`${base}/left`)).json()) as { left: number | null };
      expect(left).toBeGreaterThan(4_000);
      expect(left).toBeLessThanOrEqual(5_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, lets a request in flight finish, then closes the resources without waiting on keep-alive', async () => {
    const order: string[] = [];
    const server = createServer((_req, res) => {
      setTimeout(() => {
        order.push('request finished');
        res.end('done');
      }, 300);
    });
    const base = await listen(server);
    const inFlight = fetch(`${base}/`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = Date.now();
    const done = shutDownGracefully({
      server,
      graceMs: 5_000,
      stopBackground: () => order.push('background stopped'),
      closeResources: () => {
        order.push('resources closed');
        return Promise.resolve();
      },
      log,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(fetch(`${base}/`)).rejects.toThrow();
    expect(await inFlight).toEqual({ status: 200, body: 'done' });
    expect(await done).toEqual({ cut: false });
    // The client's keep-alive connection did not hold the shutdown open until its own idle timeout.
    expect(Date.now() - startedAt).toBeLessThan(1_500);
    expect(order).toEqual(['background stopped', 'request finished', 'resources closed']);
  });

  it('cuts requests still running after the grace period, and still closes the resources', async () => {
    let closed = false;
    const server = createServer(() => {
      // Never answers.
    });
    const base = await listen(server);
    const hanging = fetch(`${base}/`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const result = await shutDownGracefully({
      server,
      graceMs: 200,
      stopBackground: () => undefined,
      closeResources: () => {
        closed = true;
        return Promise.resolve();
      },
      log,
    });
    expect(result).toEqual({ cut: true });
    expect(await hanging).toBe('cut');
    expect(closed).toBe(true);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('the statement time limit on PostgreSQL', () => {
  let database: TestDatabase;
  let limited: Database;
  let app: RunningApp;
  let locker: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    limited = await openDatabase({ databaseUrl: database.url ?? '', statementTimeoutMs: 300 });
    app = await startApp(limited);
    locker = new pg.Client({ connectionString: database.url ?? '' });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await app?.close();
    await limited?.close();
    await database?.close();
  });

  it('a statement waiting past statement_timeout is cancelled, and the request answers 503 with nothing changed', async () => {
    const template = await addTemplate(database.db, 'KYC', 1);
    const now = app.deps.now();
    const id = await addInquiry(database.db, template, { status: 'pending', createdAt: new Date(now.getTime() - HOUR), expiresAt: new Date(now.getTime() + DAY) });
    const admin = await createStaffAccount(database.db, { role: 'admin' });
    const cookie = await signIn(app, admin.email, admin.password);
    await locker.query('begin');
    await locker.query('select id from inquiries where id = $1 for update', [id]);
    try {
      const response = await fetch(`${app.baseUrl}/trpc/inquiries.resume`, {
        method: 'POST',
        headers: consoleHeaders(app, { cookie }),
        body: JSON.stringify({ json: { id, reason: 'Statement timeout drill', idempotencyKey: `timeout-${id}` } }),
      });
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain('took too long');
      expect(text).not.toMatch(/57014|canceling statement/i);
    } finally {
      await locker.query('rollback');
    }
    const sessions = await database.db.selectFrom('inquiry_sessions').select('id').where('inquiry_id', '=', id).execute();
    expect(sessions).toEqual([]);
  });
});
