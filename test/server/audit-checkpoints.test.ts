import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalEventBody, chainHash } from '../../server/audit/canonical.js';
import { fileDestination, startCheckpointWriter, webhookDestination, type CheckpointDestination } from '../../server/audit/checkpoint-writer.js';
import { readCheckpointFile, verifyAuditLog } from '../../server/audit/checkpoints.js';
import { verifyAuditChain } from '../../server/audit/verify.js';
import { AUDIT_READS_PER_MINUTE } from '../../server/services/audit-reads.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import type { Database } from '../../server/db/index.js';
import { openDatabase } from '../../server/db/index.js';
import { migrate } from '../../server/db/migrate.js';
import { createLogger } from '../../server/logger.js';
import { appRouter } from '../../server/routers/_app.js';
import { appendAuditEvent } from '../../server/services/audit.js';
import { createCallerFactory } from '../../server/trpc.js';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/auth.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { authTestDeps, contextAs } from '../helpers/auth.js';

/**
 * Checkpoints outside the database (issue 10): the chain head written to a file or a webhook, and verification
 * against every checkpoint — which catches the one rewrite the chain alone cannot: a database superuser who edits
 * an event and recomputes every later hash.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const createCaller = createCallerFactory(appRouter);
const silent = createLogger('silent');
const AT = new Date('2026-11-25T09:30:00.000Z');

const tmpDirs: string[] = [];
function tmpFile(name = 'checkpoints.jsonl'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-checkpoints-'));
  tmpDirs.push(dir);
  return path.join(dir, name);
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function appendEvents(database: Database, count: number, from = 1) {
  for (let n = from; n < from + count; n++) {
    await database.db.transaction().execute((trx) =>
      appendAuditEvent(trx, {
        actor: { type: 'staff', id: 'stf_1', display: 'support@demo.test' },
        action: 'inquiry.resumed',
        target: { type: 'inquiry', id: `inq_${n}` },
        reason: `Customer asked, ${n}`,
        metadata: { sessionId: `iqse_${n}` },
      }),
    );
  }
}

async function chainHead(database: Database) {
  const row = await database.db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
  return { seq: Number(row.seq), hash: row.hash };
}

/** Writes the current head to `file` once, as the running server does (the writer's first round). */
async function writeCheckpoint(database: Database, file: string, at = AT) {
  const writer = startCheckpointWriter({ db: database.db, log: silent, now: () => at, intervalMs: 3_600_000, destinations: [fileDestination(file)] });
  await writer?.close();
}

/**
 * Statements run as a database superuser: with user triggers off (the append-only trigger does not fire). On
 * PostgreSQL through a separate superuser connection; PGlite has one session, so it is switched and restored.
 */
async function asSuperuser(database: TestDatabase, statements: string[]) {
  if (database.url) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('set local session_replication_role = replica');
      for (const statement of statements) await client.query(statement);
      await client.query('commit');
    } finally {
      await client.end();
    }
  } else {
    await database.db.transaction().execute(async (trx) => {
      await sql`set local session_replication_role = replica`.execute(trx);
      for (const statement of statements) await sql.raw(statement).execute(trx);
    });
  }
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * The attack: change event `seq`'s reason, then recompute its hash and every later event's prev_hash and hash
 * with canonical.ts, and move the head's hash — so that the chain, verified by itself, holds again.
 */
async function rewriteAndRehash(database: TestDatabase, seq: number, reason: string) {
  const rows = await database.db.selectFrom('audit_events').selectAll().where('seq', '>=', seq).orderBy('seq').execute();
  const first = rows[0];
  if (!first || Number(first.seq) !== seq) throw new Error(`no event ${seq}`);
  let prevHash = first.prev_hash;
  const statements: string[] = [];
  for (const row of rows) {
    const rowSeq = Number(row.seq);
    const newReason = rowSeq === seq ? reason : row.reason;
    const body = canonicalEventBody({
      occurredAt: row.occurred_at,
      actorType: row.actor_type,
      actorId: row.actor_id,
      actorDisplay: row.actor_display,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      reason: newReason,
      ticket: row.ticket,
      metadata: row.metadata,
      ip: row.ip,
      userAgent: row.user_agent,
      requestId: row.request_id,
    });
    const hash = chainHash(prevHash, rowSeq, body);
    statements.push(
      `update audit_events set reason = ${newReason === null ? 'null' : literal(newReason)}, prev_hash = '${prevHash}', hash = '${hash}' where seq = ${rowSeq}`,
    );
    prevHash = hash;
  }
  statements.push(`update audit_chain_head set hash = '${prevHash}' where id = 1`);
  await asSuperuser(database, statements);
}

describe.each(testEngines())('verification against checkpoints on %s', (engine) => {
  let database: TestDatabase;
  afterEach(async () => {
    await database?.close();
  });

  it('catches a superuser who rewrites an event and re-hashes the rest of the chain: the checkpoint’s seq is named', async () => {
    database = await createTestDatabase(engine);
    const file = tmpFile();
    await appendEvents(database, 10);
    await writeCheckpoint(database, file, new Date('2026-11-25T09:00:00.000Z')); // seq 10
    await appendEvents(database, 10, 11);
    await writeCheckpoint(database, file, new Date('2026-11-25T09:05:00.000Z')); // seq 20
    await appendEvents(database, 5, 21); // head 25, after the last checkpoint
    const checkpoint20 = (await readCheckpointFile(file)).checkpoints[1];
    expect(checkpoint20).toMatchObject({ seq: 20, at: '2026-11-25T09:05:00.000Z' });
    expect(await verifyAuditLog(database.db, { checkpointFile: file })).toMatchObject({ ok: true, checked: 25, headSeq: 25, firstBrokenSeq: null, checkpoints: { compared: 2, agreed: 2, mismatchCount: 0 } });

    await rewriteAndRehash(database, 14, 'nothing to see here');

    // The chain alone is fooled: every hash is consistent, the head names the last event.
    const head = await chainHead(database);
    expect(head.seq).toBe(25);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 25, headSeq: 25, headHash: head.hash, firstBrokenSeq: null });

    // The checkpoint at seq 20 is not: the event there now carries another hash. Seq 10's checkpoint still agrees,
    // so the rewrite lies in 11–20.
    const verified = await verifyAuditLog(database.db, { checkpointFile: file });
    expect(verified).toMatchObject({ ok: false, checked: 10, headSeq: 25, headHash: head.hash, firstBrokenSeq: 20 });
    expect(verified.checkpoints).toMatchObject({ compared: 2, agreed: 1, mismatchCount: 1 });
    expect(verified.checkpoints?.mismatches).toEqual([
      { seq: 20, hash: checkpoint20?.hash, at: '2026-11-25T09:05:00.000Z', problem: 'hash_differs', databaseHash: expect.not.stringMatching(checkpoint20?.hash ?? '') as string, changedAfterSeq: 10 },
    ]);

    // audit.verify answers the same to compliance, and records that it was asked.
    const { deps } = authTestDeps(database, { AUDIT_CHECKPOINT_FILE: file });
    const answer = await createCaller(contextAs(deps, 'compliance', { requestId: 'req-verify' })).audit.verify();
    expect(answer).toMatchObject({ ok: false, checked: 10, headSeq: 25, firstBrokenSeq: 20, webhookConfigured: false, checkpoints: { file, found: true, mismatchCount: 1 } });
    expect(answer.checkpoints?.mismatches[0]).toMatchObject({ seq: 20, problem: 'hash_differs', changedAfterSeq: 10 });
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);
    const recorded = await database.db.selectFrom('audit_events').selectAll().where('action', '=', 'audit.verified').executeTakeFirstOrThrow();
    expect(recorded).toMatchObject({ seq: 26, actor_type: 'staff', actor_id: 'stf_testcompliance', request_id: 'req-verify', target_type: null });
    expect(recorded.metadata).toEqual({
      ok: false,
      checked: 10,
      headSeq: 25,
      headHash: head.hash,
      firstBrokenSeq: 20,
      durationMs: answer.durationMs,
      checkpoints: { compared: 2, agreed: 1, mismatches: 1, found: true },
    });
  });

  it('finds a plain edit (no re-hash) at its exact seq, with the checkpoints still agreeing', async () => {
    database = await createTestDatabase(engine);
    const file = tmpFile();
    await appendEvents(database, 12);
    await writeCheckpoint(database, file);
    await asSuperuser(database, [`update audit_events set reason = 'edited' where seq = 7`]);
    expect(await verifyAuditLog(database.db, { checkpointFile: file })).toMatchObject({
      ok: false,
      checked: 6,
      firstBrokenSeq: 7,
      checkpoints: { compared: 1, agreed: 1, mismatchCount: 0 },
    });
  });

  it('catches events removed from the end and the head moved back (truncation), and a deleted event a checkpoint names', async () => {
    database = await createTestDatabase(engine);
    const file = tmpFile();
    await appendEvents(database, 8);
    await writeCheckpoint(database, file); // seq 8
    const at6 = await database.db.selectFrom('audit_events').select('hash').where('seq', '=', 6).executeTakeFirstOrThrow();
    await asSuperuser(database, ['delete from audit_events where seq > 6', `update audit_chain_head set seq = 6, hash = '${at6.hash}' where id = 1`]);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 6 });
    const verified = await verifyAuditLog(database.db, { checkpointFile: file });
    expect(verified).toMatchObject({ ok: false, checked: 6, headSeq: 6, firstBrokenSeq: 7 });
    expect(verified.checkpoints?.mismatches).toMatchObject([{ seq: 8, problem: 'beyond_head', databaseHash: null }]);
  });

  it('reports a missing file, and lines that are not checkpoints, without failing the chain', async () => {
    database = await createTestDatabase(engine);
    await appendEvents(database, 3);
    const file = tmpFile();
    expect(await verifyAuditLog(database.db, { checkpointFile: file })).toMatchObject({ ok: true, checkpoints: { found: false, compared: 0 } });
    await writeCheckpoint(database, file);
    fs.appendFileSync(file, '{"seq":3,"hash":"cut sh');
    expect(await verifyAuditLog(database.db, { checkpointFile: file })).toMatchObject({
      ok: true,
      checkpoints: { found: true, compared: 1, agreed: 1, unreadableLines: 1, firstUnreadableLine: 2 },
    });

    // A file that exists but cannot be read is the operator's to fix: a clear 503, not a 500.
    const directory = path.dirname(file);
    const { deps } = authTestDeps(database, { AUDIT_CHECKPOINT_FILE: directory });
    await expect(createCaller(contextAs(deps, 'admin')).audit.verify()).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: `The checkpoint file ${directory} (AUDIT_CHECKPOINT_FILE) cannot be read (EISDIR). Ask an administrator to fix its permissions.`,
    });
  });

  it('a verification is a recorded read of the log: past the per-minute bound it is refused with a 429 and appends nothing', async () => {
    database = await createTestDatabase(engine);
    const { deps } = authTestDeps(database, {});
    const caller = createCaller(contextAs(deps, 'compliance'));
    for (let i = 0; i < AUDIT_READS_PER_MINUTE; i++) await caller.audit.verify();
    await expect(caller.audit.verify()).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/each is recorded\): wait \d+ s\.$/) as unknown });
    const verified = await database.db.selectFrom('audit_events').select('seq').where('action', '=', 'audit.verified').execute();
    expect(verified).toHaveLength(AUDIT_READS_PER_MINUTE);
  });

  it('npm run audit:verify -- --checkpoints FILE names the checkpoint a re-hashed rewrite contradicts, exit 1', { timeout: 120_000 }, async () => {
    let dataDir: string | null = null;
    let env: Record<string, string>;
    if (engine === 'pglite') {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-checkpoint-script-'));
      tmpDirs.push(dataDir);
      const opened = await openDatabase({ dataDir });
      await migrate(opened);
      database = { ...opened, url: null };
      env = { DATA_DIR: dataDir };
    } else {
      database = await createTestDatabase('postgres');
      env = { DATABASE_URL: database.url ?? '' };
    }
    const file = tmpFile();
    await appendEvents(database, 6);
    await writeCheckpoint(database, file);
    await rewriteAndRehash(database, 2, 'forged');
    if (dataDir) await database.close(); // PGlite's data directory has one user at a time
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const outcome = await run(process.execPath, ['--import', 'tsx', 'server/scripts/audit-verify.ts', '--checkpoints', file], {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: 'silent', AUDIT_CHECKPOINT_FILE: '', ...env },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
    );
    if (dataDir) database = { ...(await openDatabase({ dataDir })), url: null };
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toContain('Audit chain BROKEN at seq 6: 0 events before it are proven intact');
    expect(outcome.stdout).toContain(`Checkpoints: 1 of 1 in ${file} DISAGREE with the database:`);
    expect(outcome.stdout).toMatch(/checkpoint seq 6 \(written 2026-11-25T09:30:00\.000Z\): recorded hash [0-9a-f]{64}, the database has [0-9a-f]{64}: an event in seq 1–6 was changed/);
  });
});

describe('the checkpoint writer', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await database?.close();
  });

  const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown) : []);
  async function until(condition: () => boolean, what: string) {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('writes nothing for an empty chain; then at start, at each interval only when the head moved, and once more on close', async () => {
    const file = tmpFile();
    let clock = AT.getTime();
    const now = () => new Date(clock);
    const empty = startCheckpointWriter({ db: database.db, log: silent, now, intervalMs: 3_600_000, destinations: [fileDestination(file)] });
    await empty?.close();
    expect(fs.existsSync(file)).toBe(false);

    await appendEvents(database, 2);
    const writer = startCheckpointWriter({ db: database.db, log: silent, now, intervalMs: 25, destinations: [fileDestination(file)] });
    if (!writer) throw new Error('expected a writer');
    let head = await chainHead(database);
    await until(() => lines(file).length === 1, 'the start-up checkpoint');
    expect(lines(file)).toEqual([{ seq: head.seq, hash: head.hash, at: AT.toISOString() }]);

    // Several intervals pass with the head where it was: no new line.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(lines(file)).toHaveLength(1);

    clock += 300_000;
    await appendEvents(database, 1, 3);
    head = await chainHead(database);
    await until(() => lines(file).length === 2, 'the periodic checkpoint');
    expect(lines(file)[1]).toEqual({ seq: head.seq, hash: head.hash, at: new Date(clock).toISOString() });

    // Shutdown: the head moved since the last interval; close() writes it, and the timer writes no more.
    clock += 1_000;
    await appendEvents(database, 1, 4);
    head = await chainHead(database);
    await writer.close();
    const written = lines(file);
    expect(written.at(-1)).toEqual({ seq: head.seq, hash: head.hash, at: new Date(clock).toISOString() });
    expect(new Set(written.map((l) => (l as { seq: number }).seq)).size).toBe(written.length); // never the same head twice
    await appendEvents(database, 1, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines(file)).toEqual(written);

    // A restart does not repeat the head the file already ends with.
    const restarted = startCheckpointWriter({ db: database.db, log: silent, now, intervalMs: 3_600_000, destinations: [fileDestination(file)] });
    await restarted?.close();
    expect(lines(file)).toHaveLength(written.length + 1); // the event appended after close, not a duplicate
    const again = startCheckpointWriter({ db: database.db, log: silent, now, intervalMs: 3_600_000, destinations: [fileDestination(file)] });
    await again?.close();
    expect(lines(file)).toHaveLength(written.length + 1);
  });

  it('is off without a destination', () => {
    expect(startCheckpointWriter({ db: database.db, log: silent, now: () => AT, intervalMs: 1000, destinations: [] })).toBeNull();
  });

  describe('to a webhook', () => {
    let server: Server;
    let url: string;
    let answer: (req: IncomingMessage) => number | 'hang' = () => 204;
    const received: { body: unknown; contentType: string | undefined; authorization: string | undefined }[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const status = answer(req);
          if (status === 'hang') return;
          received.push({ body: JSON.parse(body) as unknown, contentType: req.headers['content-type'], authorization: req.headers.authorization });
          res.statusCode = status;
          res.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkpoints`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('POSTs each checkpoint as JSON, with credentials from the URL as Basic authentication', async () => {
      received.length = 0;
      answer = () => 204;
      const withUser = new URL(url);
      withUser.username = 'desk';
      withUser.password = 'p@ss word';
      const head = await chainHead(database);
      const writer = startCheckpointWriter({ db: database.db, log: silent, now: () => AT, intervalMs: 3_600_000, destinations: [webhookDestination(withUser.toString())] });
      await writer?.close();
      expect(received).toEqual([
        { body: { seq: head.seq, hash: head.hash, at: AT.toISOString() }, contentType: 'application/json', authorization: `Basic ${Buffer.from('desk:p@ss word').toString('base64')}` },
      ]);
    });

    it('logs a failed delivery (an error status, no answer in time) without throwing, and tries again at the next round', async () => {
      received.length = 0;
      const logged: { msg: string; destination?: string; error?: string }[] = [];
      const log = createLogger('error', { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) });
      const webhook = webhookDestination(url, { timeoutMs: 200 });
      const file = tmpFile();
      const destinations: CheckpointDestination[] = [webhook, fileDestination(file)];
      answer = () => 503;
      const writer = startCheckpointWriter({ db: database.db, log, now: () => AT, intervalMs: 3_600_000, destinations });
      if (!writer) throw new Error('expected a writer');
      await writer.writeNow(); // after the start-up round: two attempts
      const failed = { destination: 'webhook', error: 'webhook answered 503', msg: 'audit checkpoint not written; trying again at the next interval' };
      expect(logged).toMatchObject([failed, failed]);
      expect(lines(file)).toHaveLength(1); // the file, a destination of its own, got it once

      answer = () => 'hang';
      await writer.writeNow();
      expect(logged[2]).toMatchObject({ destination: 'webhook', error: 'webhook not reached: no answer within 200 ms' });
      expect(JSON.stringify(logged)).not.toContain('127.0.0.1'); // the URL may carry credentials: never logged

      answer = () => 200;
      await writer.close();
      const head = await chainHead(database);
      expect(received.at(-1)?.body).toEqual({ seq: head.seq, hash: head.hash, at: AT.toISOString() });
      expect(lines(file)).toHaveLength(1); // the file already held this head
    });
  });
});

describe('the server process', () => {
  it('writes a checkpoint at start-up, and on SIGTERM the head its last requests left, before the pool closes', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-checkpoint-server-'));
    tmpDirs.push(dataDir);
    const file = tmpFile();
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', NODE_ENV: 'test', DATA_DIR: dataDir, PORT: String(port), SEED_INQUIRIES: '0', AUDIT_CHECKPOINT_FILE: file },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const read = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; hash: string }) : []);
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('Inquiry Desk is running at')) resolve();
        });
        void exited.then((code) => reject(new Error(`exited ${String(code)}: ${stderr}`)));
      });
      // The demo staff were created (audited) before the server started: the start-up checkpoint holds them.
      const deadline = Date.now() + 10_000;
      while (read().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const [startup] = read();
      expect(startup?.seq).toBeGreaterThan(0);

      // A refused sign-in is audited: the head moves, long before the five-minute interval.
      const refused = await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: `http://localhost:${port}`, [CSRF_HEADER]: CSRF_HEADER_VALUE },
        body: JSON.stringify({ email: 'nobody@demo.test', password: 'wrong password' }),
      });
      expect(refused.status).toBe(401);
      expect(read()).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const database = await openDatabase({ dataDir });
    try {
      const head = await chainHead(database);
      expect(head.seq).toBeGreaterThan(read()[0]?.seq ?? 0);
      expect(read().at(-1)).toMatchObject({ seq: head.seq, hash: head.hash });
      expect(await verifyAuditLog(database.db, { checkpointFile: file })).toMatchObject({ ok: true, checkpoints: { compared: 2, agreed: 2 } });
    } finally {
      await database.close();
    }
  });
});

describe('configuration', () => {
  it('reads the checkpoint variables, with a five-minute default interval', () => {
    expect(loadConfig({}).auditCheckpoints).toEqual({ file: null, webhookUrl: null, intervalMs: 300_000 });
    expect(loadConfig({ AUDIT_CHECKPOINT_FILE: 'var/checkpoints.jsonl', AUDIT_CHECKPOINT_WEBHOOK_URL: 'https://audit.example.com/hook', AUDIT_CHECKPOINT_INTERVAL_SECONDS: '60' }).auditCheckpoints).toEqual({
      file: path.resolve('var/checkpoints.jsonl'),
      webhookUrl: 'https://audit.example.com/hook',
      intervalMs: 60_000,
    });
  });

  it('refuses a plain http webhook off this machine, and an interval out of range', () => {
    expect(() => loadConfig({ AUDIT_CHECKPOINT_WEBHOOK_URL: 'http://audit.example.com/hook' })).toThrow(
      new ConfigError('Invalid configuration: AUDIT_CHECKPOINT_WEBHOOK_URL must be an https URL (plain http only to localhost)'),
    );
    expect(() => loadConfig({ AUDIT_CHECKPOINT_WEBHOOK_URL: 'ftp://audit.example.com/' })).toThrow('AUDIT_CHECKPOINT_WEBHOOK_URL: must be an http:// or https:// URL');
    expect(() => loadConfig({ AUDIT_CHECKPOINT_INTERVAL_SECONDS: '1' })).toThrow('AUDIT_CHECKPOINT_INTERVAL_SECONDS: must be at least 5');
  });
});
