import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { createContextInner, type AppDeps } from '../../server/context.js';
import { openDatabase, type Database } from '../../server/db/index.js';
import { migrate } from '../../server/db/migrate.js';
import type { DB } from '../../server/db/schema.js';
import { createLogger } from '../../server/logger.js';
import { createDeps } from '../../server/providers/index.js';
import { KEY_FILE_NAME, loadTokenKeys } from '../../server/providers/local/token-keys.js';
import { keyId, TOKEN_AUDIENCE } from '../../server/providers/local/tokens.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory } from '../../server/trpc.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, HOUR, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * The session-token signing secret (issue 13): never in the database, required from the environment with a server
 * database, kept in `${DATA_DIR}/session-token.key` for the embedded one, and rotatable with a previous key.
 */

const SECRET_A = 'secret-a-0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET_B = 'secret-b-0123456789abcdefghijklmnopqrstuvwxyz';
const reason = 'User lost the link (ticket 7001)';
let keys = 0;
const idempotencyKey = () => `token-secret-${++keys}-${Math.random().toString(36).slice(2, 8)}`;
const now = () => NOW;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-token-secret-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const admin = (deps: AppDeps) =>
  createCallerFactory(appRouter)(createContextInner(deps, { requestId: 'test', ip: '127.0.0.1', userAgent: 'vitest', staff: staffPrincipal() }));

/** Rows of every table in the schema whose text contains `needle`, by table. */
async function tablesHolding(db: Kysely<DB>, needle: string): Promise<string[]> {
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  const holding: string[] = [];
  for (const { name } of tables.rows) {
    const hits = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(name)} t where strpos(t::text, ${needle}) > 0`.execute(db);
    if ((hits.rows[0]?.n ?? 0) > 0) holding.push(name);
  }
  return holding;
}

const appSecretRows = async (db: Kysely<DB>) => (await sql<{ n: number }>`select count(*)::int as n from app_secrets`.execute(db)).rows[0]?.n;

describe('configuration of the session token secret', () => {
  const serverDb = { DATABASE_URL: 'postgres://app@db.example:5432/inquiry_desk' };

  it('refuses to start the server on a server database without it, in one line that names the variable', () => {
    const attempt = () => loadConfig(serverDb, { server: true });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('Invalid configuration: SESSION_TOKEN_SECRET (or SESSION_TOKEN_SECRET_FILE) is required with a server database');
    // Tools that sign nothing (migrate, seed) run without it; so does the embedded server.
    expect(loadConfig(serverDb).sessionTokenSecret).toBeUndefined();
    expect(loadConfig({}, { server: true }).sessionTokenSecret).toBeUndefined();
    // Empty means unset.
    expect(() => loadConfig({ ...serverDb, SESSION_TOKEN_SECRET: '' }, { server: true })).toThrow(/SESSION_TOKEN_SECRET \(or SESSION_TOKEN_SECRET_FILE\) is required/);
    expect(loadConfig({ ...serverDb, SESSION_TOKEN_SECRET: SECRET_A }, { server: true }).sessionTokenSecret).toBe(SECRET_A);
  });

  it('the server process stops with that one line and no stack trace', async () => {
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { PATH: process.env.PATH ?? '', ...serverDb },
      timeout: 60_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Invalid configuration: SESSION_TOKEN_SECRET (or SESSION_TOKEN_SECRET_FILE) is required with a server database\n');
  }, 60_000);

  it('refuses a short secret by name, never repeating it', () => {
    const short = 'too-short-but-secret-value';
    let message = '';
    try {
      loadConfig({ SESSION_TOKEN_SECRET: short });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: .*SESSION_TOKEN_SECRET: must be at least 32 characters/);
    expect(message).not.toContain(short);
  });

  it('reads SESSION_TOKEN_SECRET_FILE without its trailing newline, and says which file it cannot use, never what is in it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'token-secret');
    fs.writeFileSync(file, `${SECRET_A}\n`);
    expect(loadConfig({ ...serverDb, SESSION_TOKEN_SECRET_FILE: file }, { server: true }).sessionTokenSecret).toBe(SECRET_A);

    const missing = path.join(dir, 'nothing-here');
    expect(() => loadConfig({ SESSION_TOKEN_SECRET_FILE: missing })).toThrow(`Invalid configuration: SESSION_TOKEN_SECRET_FILE: cannot read ${missing} (ENOENT)`);

    const shortFile = path.join(dir, 'short');
    fs.writeFileSync(shortFile, 'short-but-secret\n');
    let message = '';
    try {
      loadConfig({ SESSION_TOKEN_SECRET_FILE: shortFile });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toBe(`Invalid configuration: SESSION_TOKEN_SECRET_FILE: ${shortFile} must hold at least 32 characters`);
    expect(message).not.toContain('short-but-secret');

    expect(() => loadConfig({ SESSION_TOKEN_SECRET: SECRET_B, SESSION_TOKEN_SECRET_FILE: file })).toThrow('Invalid configuration: set SESSION_TOKEN_SECRET or SESSION_TOKEN_SECRET_FILE, not both');
  });

  it('reads the previous secret inline or from a file', () => {
    const file = path.join(tempDir(), 'previous');
    fs.writeFileSync(file, `${SECRET_A}\r\n`);
    expect(loadConfig({ SESSION_TOKEN_SECRET: SECRET_B, SESSION_TOKEN_PREVIOUS_SECRET_FILE: file }).sessionTokenPreviousSecret).toBe(SECRET_A);
    expect(loadConfig({ SESSION_TOKEN_SECRET: SECRET_B, SESSION_TOKEN_PREVIOUS_SECRET: SECRET_A }).sessionTokenPreviousSecret).toBe(SECRET_A);
    expect(() => loadConfig({ SESSION_TOKEN_PREVIOUS_SECRET: 'short' })).toThrow(/SESSION_TOKEN_PREVIOUS_SECRET: must be at least 32 characters/);
  });
});

describe('the embedded database keeps a generated secret in DATA_DIR, not in the database', () => {
  let dataDir = '';
  let kyc: TemplateFixture;
  let database: Database | null = null;
  afterEach(async () => {
    await database?.close();
    database = null;
  });
  const start = async (log = createLogger('silent')) => {
    database = await openDatabase({ dataDir });
    await migrate(database);
    const deps = createDeps({ database, config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }), log, now });
    await deps.provider.ready();
    return { database, deps };
  };
  const keyFile = () => path.join(dataDir, KEY_FILE_NAME);

  it('generates the key file once (0600), reuses it after a restart, and a token issued before the restart still verifies', async () => {
    dataDir = path.join(tempDir(), 'data');
    const first = await start();
    kyc = await addTemplate(first.database.db, 'KYC', 1);
    const id = await addInquiry(first.database.db, kyc, { status: 'expired', createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) });
    const resumed = await admin(first.deps).inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: idempotencyKey() });

    const key = fs.readFileSync(keyFile(), 'utf8').trim();
    expect(key.length).toBeGreaterThanOrEqual(32);
    if (process.platform !== 'win32') expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(decodeProtectedHeader(resumed.sessionToken).kid).toBe(keyId(key));
    expect(fs.readdirSync(dataDir).filter((name) => name.startsWith(KEY_FILE_NAME))).toEqual([KEY_FILE_NAME]); // no temporary file left

    // Nothing of the key is in any table (before issue 13 it sat in app_secrets in plain text).
    expect(await tablesHolding(first.database.db, key)).toEqual([]);
    expect(await appSecretRows(first.database.db)).toBe(0);
    await first.database.close();
    database = null;

    const second = await start();
    expect(fs.readFileSync(keyFile(), 'utf8').trim()).toBe(key);
    expect(await second.deps.provider.hostedFlow?.verifySessionToken(resumed.sessionToken, NOW)).toEqual({ sessionId: resumed.sessionId, inquiryId: id });
    expect(await tablesHolding(second.database.db, key)).toEqual([]);
  });

  it('an in-memory database stores no secret either', async () => {
    const memory = await createTestDatabase('pglite');
    try {
      const template = await addTemplate(memory.db, 'KYC', 1);
      const id = await addInquiry(memory.db, template, { status: 'pending', expiresAt: ahead(HOUR) });
      const deps = testDeps(memory);
      await admin(deps).links.createOneTime({ inquiryId: id, reason, idempotencyKey: idempotencyKey() });
      expect(await appSecretRows(memory.db)).toBe(0);
    } finally {
      await memory.close();
    }
  });
});

describe('start-up with a secret an earlier version kept in the database, and with a damaged key file', () => {
  let memory: TestDatabase;
  let lines: string[] = [];
  const log = () => createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
  const legacyKey = 'legacy-secret-kept-in-the-database-0123456789abcdef';
  /** An in-memory database standing in for the embedded one in `dataDir` (the key file logic is the same). */
  const embeddedIn = (dataDir: string): Database => ({ ...memory, dataDir });
  beforeAll(async () => {
    memory = await createTestDatabase('pglite');
  });
  afterAll(async () => {
    await memory.close();
  });
  const storeLegacy = () => sql`insert into app_secrets (name, value) values ('session_token_secret', ${legacyKey}) on conflict do nothing`.execute(memory.db);

  it('moves it into the key file and deletes it from the database, so tokens it signed keep working', async () => {
    await storeLegacy();
    lines = [];
    // A token as the earlier version signed it: no key id in its header.
    const legacyToken = await new SignJWT({ sid: 'iqse_legacy' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('inquiry-desk')
      .setAudience(TOKEN_AUDIENCE)
      .setSubject('inq_legacy')
      .setIssuedAt(Math.floor(ago(HOUR).getTime() / 1000))
      .setExpirationTime(Math.floor(ahead(HOUR).getTime() / 1000))
      .sign(new TextEncoder().encode(legacyKey));
    const dataDir = tempDir();
    const deps = createDeps({ database: embeddedIn(dataDir), config: loadConfig({ NODE_ENV: 'test' }), log: log(), now });
    await deps.provider.ready();

    expect(fs.readFileSync(path.join(dataDir, KEY_FILE_NAME), 'utf8')).toBe(`${legacyKey}\n`);
    expect(await appSecretRows(memory.db)).toBe(0);
    expect(await tablesHolding(memory.db, legacyKey)).toEqual([]);
    expect(await deps.provider.hostedFlow?.verifySessionToken(legacyToken, NOW)).toEqual({ sessionId: 'iqse_legacy', inquiryId: 'inq_legacy' });
    expect(lines.join('')).toContain('moved the session token secret out of the database into its key file');
    expect(lines.join('')).not.toContain(legacyKey);
  });

  it('with a configured secret, deletes it too and warns (without the value) that its tokens no longer verify', async () => {
    await storeLegacy();
    lines = [];
    const keys = await loadTokenKeys(embeddedIn(tempDir()), { secret: SECRET_A, previous: undefined }, log());
    expect(keys).toEqual({ current: SECRET_A, previous: null });
    expect(await appSecretRows(memory.db)).toBe(0);
    expect(lines.join('')).toContain('tokens signed with it no longer verify');
    expect(lines.join('')).not.toContain(legacyKey);
    expect(lines.join('')).not.toContain(SECRET_A);
  });

  it('refuses a server database without a configured secret, however the provider is built', async () => {
    const server: Database = { ...memory, kind: 'postgres', dataDir: null };
    await expect(loadTokenKeys(server, { secret: undefined, previous: SECRET_A })).rejects.toThrow(ConfigError);
    await expect(loadTokenKeys(server, { secret: undefined, previous: undefined })).rejects.toThrow('SESSION_TOKEN_SECRET (or SESSION_TOKEN_SECRET_FILE) is required with a server database');
  });

  it('a damaged key file stops start-up with one line naming the file, never its content; an open one is reported', async () => {
    const dataDir = tempDir();
    const file = path.join(dataDir, KEY_FILE_NAME);
    fs.writeFileSync(file, 'truncated-key\n', { mode: 0o600 });
    const attempt = loadTokenKeys(embeddedIn(dataDir), { secret: undefined, previous: undefined });
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(attempt).rejects.toThrow(`the session token key file ${file} holds fewer than 32 characters`);
    await attempt.catch((err: Error) => {
      expect(err.message).not.toContain('truncated-key');
      expect(err.message).not.toContain('\n');
    });

    if (process.platform === 'win32') return;
    fs.writeFileSync(file, `${SECRET_B}\n`);
    fs.chmodSync(file, 0o644);
    lines = [];
    expect((await loadTokenKeys(embeddedIn(dataDir), { secret: undefined, previous: undefined }, log())).current).toBe(SECRET_B);
    expect(lines.join('')).toContain('can be read by other users: chmod 600 it');
  });
});

describe('rotating the secret: the previous key still verifies, and only while it is configured', () => {
  let database: TestDatabase;
  let kyc: TemplateFixture;
  const servers: Server[] = [];
  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    kyc = await addTemplate(database.db, 'KYC', 1);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await database.close();
  });

  const depsWith = (env: Record<string, string>) => testDeps(database, now, env);
  const beforeRotation = () => depsWith({ SESSION_TOKEN_SECRET: SECRET_A });
  const duringRotation = () => depsWith({ SESSION_TOKEN_SECRET: SECRET_B, SESSION_TOKEN_PREVIOUS_SECRET: SECRET_A });
  const afterRotation = () => depsWith({ SESSION_TOKEN_SECRET: SECRET_B });

  /** Opens `/verify` with the token in the URL as an end user would: 303 into the flow, or a refusal page. */
  async function opens(deps: AppDeps, inquiryId: string, token: string): Promise<boolean> {
    const server = createApp(deps, { serveClient: false }).listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const answer = await fetch(`${base}/verify?inquiry-id=${inquiryId}&session-token=${encodeURIComponent(token)}`, { redirect: 'manual' });
    await answer.text();
    return answer.status === 303;
  }

  const resumeFresh = async (deps: AppDeps) => {
    const id = await addInquiry(database.db, kyc, { status: 'expired', createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) });
    return { id, ...(await admin(deps).inquiries.resume({ id, reason, acknowledgeExpired: true, idempotencyKey: idempotencyKey() })) };
  };

  it('a token signed with the old key opens while that key is PREVIOUS, and not once it is removed', async () => {
    const old = await resumeFresh(beforeRotation());
    expect(decodeProtectedHeader(old.sessionToken).kid).toBe(keyId(SECRET_A));

    expect(await opens(duringRotation(), old.id, old.sessionToken)).toBe(true);
    const fresh = await resumeFresh(duringRotation());
    expect(decodeProtectedHeader(fresh.sessionToken).kid).toBe(keyId(SECRET_B));
    expect(fresh.sessionToken).not.toContain(SECRET_B);

    const stale = await resumeFresh(beforeRotation());
    expect(await opens(afterRotation(), stale.id, stale.sessionToken)).toBe(false);
    expect(await opens(afterRotation(), fresh.id, fresh.sessionToken)).toBe(true);
  });

  it('a one-time link made with the old key still opens after rotation, and its replay shows the same URL while the key is PREVIOUS', async () => {
    const id = await addInquiry(database.db, kyc, { status: 'pending', expiresAt: ahead(20 * HOUR) });
    const request = { inquiryId: id, reason, idempotencyKey: idempotencyKey() };
    const link = await admin(beforeRotation()).links.createOneTime(request);

    expect((await admin(duringRotation()).links.createOneTime(request)).url).toBe(link.url);
    await expect(admin(afterRotation()).links.createOneTime(request)).rejects.toThrow(/signing key has been rotated/);

    // Redeeming looks the code up by its hash: it needs no key at all.
    const server = createApp(afterRotation(), { serveClient: false }).listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/verify${new URL(link.url).search}`, { redirect: 'manual' });
    await answer.text();
    expect(answer.status).toBe(303);
  });

  it('nothing of either key reaches the database', async () => {
    await resumeFresh(duringRotation());
    expect(await tablesHolding(database.db, SECRET_A)).toEqual([]);
    expect(await tablesHolding(database.db, SECRET_B)).toEqual([]);
  });
});
