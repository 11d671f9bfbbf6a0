import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.js';
import { migrate, pendingMigrations, readMigrations } from '../../server/db/migrate.js';
import { PGLITE_HAS_NO_ROLES, scramVerifier, setUpDatabaseRoles } from '../../server/db/roles.js';
import { appendAuditEvent, verifyAuditChain } from '../../server/services/audit.js';
import { consoleHeaders, createStaffAccount, signIn, startApp } from '../helpers/auth.js';
import { createTestDatabase } from '../db.js';
import { addInquiry, addTemplate, DAY, HOUR } from './fixtures.js';

/**
 * Issue 13, least-privilege database roles: `npm run db:migrate -- --create-roles` makes an owner role and an
 * application role. The console works as the application's role, which may write the audit log only through
 * audit_append() (SECURITY DEFINER, migrations/0016) and cannot change the schema. Before, a role that could insert
 * into audit_events could plant a row at head + 1, and every later append failed on the primary key.
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const adminUrl = process.env.TEST_DATABASE_URL;

/** `npm run db:migrate`, as an operator runs it: its own process, configured by the environment. */
async function dbMigrate(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/scripts/migrate.ts', ...args], {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: pg.Client, statement: string, values: unknown[] = []): Promise<string> {
  try {
    await client.query(statement, values);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const INSUFFICIENT_PRIVILEGE = '42501';

describe('database roles on PGlite', () => {
  it('are refused with a clear message: the embedded database has one user', async () => {
    const database = await openDatabase({ dataDir: null });
    try {
      await expect(setUpDatabaseRoles(database, { owner: 'inquiry_desk_owner', app: 'inquiry_desk_app' })).rejects.toThrow(PGLITE_HAS_NO_ROLES);
      // The append function exists and is what the application uses there too.
      await migrate(database);
      await database.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { type: 'system', id: 'test', display: null }, action: 'test.appended' }));
      expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 1 });
    } finally {
      await database.close();
    }
  });

  it('npm run db:migrate -- --create-roles without DATABASE_URL says so and exits 1', { timeout: 60_000 }, async () => {
    const result = await dbMigrate(['--create-roles'], { DATA_DIR: path.join(ROOT, '.data-never-created') });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(PGLITE_HAS_NO_ROLES);
  });
});

describe.skipIf(!adminUrl)('least-privilege database roles on PostgreSQL', () => {
  const tag = randomBytes(5).toString('hex');
  const dbName = `inqdesk_roles_${tag}`;
  const owner = `inqdesk_owner_${tag}`;
  const app = `inqdesk_app_${tag}`;
  const appPassword = `app pass ${randomBytes(9).toString('base64url')}`;
  const url = (user?: { name: string; password: string }) => {
    const u = new URL(adminUrl ?? 'postgres://skipped'); // (the suite is skipped without TEST_DATABASE_URL)
    u.pathname = `/${dbName}`;
    if (user) {
      u.username = user.name;
      u.password = user.password;
    }
    return u.toString();
  };
  const env = { DATABASE_URL: url(), DATABASE_OWNER_ROLE: owner, DATABASE_APP_ROLE: app, DATABASE_APP_PASSWORD: appPassword };
  let firstRun: Awaited<ReturnType<typeof dbMigrate>>;
  /** The application's own pool, connected as the application's role. */
  let appDatabase: Database;
  /** One more connection as the application's role, for statements the application never sends. */
  let attacker: pg.Client;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    firstRun = await dbMigrate(['--create-roles'], env);
    appDatabase = await openDatabase({ databaseUrl: url({ name: app, password: appPassword }) });
    attacker = new pg.Client({ connectionString: url({ name: app, password: appPassword }) });
    await attacker.connect();
  }, 120_000);

  afterAll(async () => {
    await attacker?.end();
    await appDatabase?.close();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.query(`drop role if exists ${app}`);
    await admin.query(`drop role if exists ${owner}`);
    await admin.end();
  });

  it('--create-roles creates both roles, migrates as the owner and is safe to run again', { timeout: 60_000 }, async () => {
    expect(firstRun.stderr).toBe('');
    expect(firstRun.code).toBe(0);
    expect(firstRun.stdout).toContain(`Owner role ${owner} (created)`);
    expect(firstRun.stdout).toContain(`Application role ${app} (created, password set)`);
    expect(firstRun.stdout).toContain('Applied 0001_inquiry_store.sql');
    expect(firstRun.stdout).not.toContain(appPassword);

    const again = await dbMigrate(['--create-roles'], { ...env, DATABASE_APP_PASSWORD: '' });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Owner role ${owner} (exists)`);
    expect(again.stdout).toContain('Database is up to date.');
    // No password given the second time: the application's one still works.
    expect((await attacker.query<{ me: string }>('select current_user as me')).rows[0]?.me).toBe(app);

    const roles = await admin.query<{ rolname: string; rolsuper: boolean; rolcanlogin: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
      'select rolname, rolsuper, rolcanlogin, rolcreaterole, rolcreatedb from pg_roles where rolname = any($1) order by rolname',
      [[owner, app]],
    );
    expect(roles.rows).toEqual([
      { rolname: app, rolsuper: false, rolcanlogin: true, rolcreaterole: false, rolcreatedb: false },
      { rolname: owner, rolsuper: false, rolcanlogin: false, rolcreaterole: false, rolcreatedb: false },
    ]);
    // Every table, sequence and function of the schema belongs to the owner; the application's role owns nothing.
    const owners = await attacker.query<{ owner: string; n: number }>(`
      select owner, count(*)::int as n from (
        select relowner::regrole::text as owner from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'S', 'v', 'm')
        union all select proowner::regrole::text from pg_proc where pronamespace = 'public'::regnamespace) o
      group by owner`);
    expect(owners.rows.map((r) => r.owner)).toEqual([owner]);
    expect(await pendingMigrations(appDatabase)).toEqual([]);
  });

  it('the console works as the application role: sign in, resume, and the audit chain verifies', { timeout: 60_000 }, async () => {
    // The server migrates at start-up: with nothing pending, the application's role only reads schema_migrations.
    expect(await migrate(appDatabase)).toEqual([]);
    const application = await startApp(appDatabase);
    try {
      const template = await addTemplate(appDatabase.db, 'KYC', 1);
      const now = application.deps.now().getTime();
      const inquiryId = await addInquiry(appDatabase.db, template, { status: 'pending', createdAt: new Date(now - HOUR), expiresAt: new Date(now + DAY) });
      const person = await createStaffAccount(appDatabase.db, { role: 'support' });
      const cookie = await signIn(application, person.email, person.password);
      const resumed = await fetch(`${application.baseUrl}/trpc/inquiries.resume`, {
        method: 'POST',
        headers: consoleHeaders(application, { cookie }),
        body: JSON.stringify({ json: { id: inquiryId, reason: 'The user closed the browser mid-flow', idempotencyKey: `roles-${tag}` } }),
      });
      expect(resumed.status).toBe(200);
      const events = await appDatabase.db.selectFrom('audit_events').select(['seq', 'action', 'target_id']).orderBy('seq').execute();
      expect(events.map((e) => e.action)).toEqual(['auth.login', 'inquiry.resumed']);
      expect(events[1]?.target_id).toBe(inquiryId);
      expect(await verifyAuditChain(appDatabase.db)).toMatchObject({ ok: true, checked: 2 });

      // Writes that fire migration 0027's triggers (a token link marks its session; a session's end is copied to its
      // token link and hand-outs) work under the application's role, which holds no EXECUTE on their functions.
      const call = (procedure: string, json: Record<string, unknown>) =>
        fetch(`${application.baseUrl}/trpc/${procedure}`, { method: 'POST', headers: consoleHeaders(application, { cookie }), body: JSON.stringify({ json }) });
      const link = await call('links.createWithToken', {
        inquiryId, reason: 'Partner portal needs a link', ticket: 'SUP-1', expiresInMinutes: 60, acknowledgeRisk: true, idempotencyKey: `roles-link-${tag}`,
      });
      expect(link.status).toBe(200);
      const session = (await resumed.json()) as { result: { data: { json: { sessionId: string } } } };
      const expired = await call('inquiries.expireSessions', { inquiryId, sessionId: session.result.data.json.sessionId, reason: 'Token pasted in a public chat' });
      expect(expired.status).toBe(200);
      const marked = await appDatabase.db.selectFrom('inquiry_sessions').select(['carried_by_token_link', 'revoked_at']).where('inquiry_id', '=', inquiryId).orderBy('created_at').execute();
      expect(marked.map((m) => [m.carried_by_token_link, m.revoked_at !== null]).sort()).toEqual([[false, true], [true, false]]);
    } finally {
      await application.close();
    }
  });

  it('cannot plant an audit event at head + 1, so later appends keep working', async () => {
    const head = (await attacker.query<{ seq: string; hash: string }>('select seq, hash from audit_chain_head')).rows[0];
    if (!head) throw new Error('no chain head');
    const forged = [Number(head.seq) + 1, new Date(), 'system', 'forged.event', head.hash, 'f'.repeat(64)];
    const plant = `insert into audit_events (seq, occurred_at, actor_type, action, prev_hash, hash) values ($1, $2, $3, $4, $5, $6)`;
    expect(await outcome(attacker, plant, forged)).toBe(INSUFFICIENT_PRIVILEGE);
    // Nor through the staging table, nor by moving the head.
    expect(await outcome(attacker, `insert into audit_pending (body, occurred_at, actor_type, action, metadata) values ('{}', now(), 'system', 'forged.event', '{}')`)).toBe(INSUFFICIENT_PRIVILEGE);
    expect(await outcome(attacker, `update audit_chain_head set seq = seq + 1, prev_hash = hash`)).toBe(INSUFFICIENT_PRIVILEGE);

    // The next append goes through the function as usual.
    await appDatabase.db.transaction().execute((trx) =>
      appendAuditEvent(trx, { actor: { type: 'system', id: 'roles-test', display: null }, action: 'test.after_attack', reason: 'still appending' }),
    );
    const last = await appDatabase.db.selectFrom('audit_events').select(['seq', 'action']).orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(last).toEqual({ seq: Number(head.seq) + 1, action: 'test.after_attack' });
    expect(await verifyAuditChain(appDatabase.db)).toMatchObject({ ok: true, checked: Number(head.seq) + 1 });
  });

  it('cannot change history or the schema: update, delete, truncate, alter, disable triggers, create, drop', async () => {
    const refused = [
      `update audit_events set reason = 'rewritten'`,
      `delete from audit_events`,
      `truncate audit_events`,
      `alter table audit_events disable trigger audit_events_append_only`,
      `alter table audit_events disable trigger all`,
      `alter table audit_chain_head disable trigger audit_chain_head_advance_only`,
      `alter table inquiries add column note text`,
      `alter table inquiries drop constraint inquiries_status_check`,
      `drop table audit_events`,
      `create table planted (id int)`,
      `create function public.audit_append_shadow() returns void language sql as 'select 1'`,
      `create or replace function audit_chain_append() returns trigger language plpgsql as 'begin return null; end'`,
      `insert into schema_migrations (name) values ('9999_forged.sql')`,
      `set role ${owner}`,
    ];
    for (const statement of refused) {
      expect({ statement, outcome: await outcome(attacker, statement) }).toEqual({ statement, outcome: INSUFFICIENT_PRIVILEGE });
    }
    // Ordinary work on the application's tables is allowed (and rolled back here).
    await attacker.query('begin');
    try {
      expect(await outcome(attacker, `update inquiries set updated_at = updated_at`)).toBe('ok');
    } finally {
      await attacker.query('rollback');
    }
  });

  it('the append function resists a shadowing temporary table and refuses a body that does not match its columns', async () => {
    // By default pg_temp is searched first: a temporary audit_pending or audit_chain_head must not stand in.
    await attacker.query(`create temp table audit_pending (id bigint generated always as identity, body text, occurred_at timestamptz,
      actor_type text, actor_id text, actor_display text, action text, target_type text, target_id text, reason text, ticket text,
      metadata jsonb, ip text, user_agent text, request_id text)`);
    await attacker.query(`create temp table audit_chain_head (id int, seq bigint, hash text, prev_hash text)`);
    await attacker.query(`insert into audit_chain_head values (1, 0, repeat('0', 64), null)`);
    // Writable by the function's owner too, so that an unpinned search_path would quietly stage the event here.
    await attacker.query(`grant all on audit_pending, audit_chain_head to public`);
    await attacker.query(`set search_path = pg_temp, public`);
    const before = Number((await attacker.query<{ seq: string }>('select seq from public.audit_chain_head')).rows[0]?.seq);
    const occurredAt = '2026-06-15T12:00:00.000Z';
    const body = JSON.stringify({
      action: 'test.shadowed', actorDisplay: null, actorId: 'roles-test', actorType: 'system', ip: null, metadata: {}, occurredAt,
      reason: null, requestId: null, targetId: null, targetType: null, ticket: null, userAgent: null, v: 1,
    });
    const call = 'select audit_append($1, $2::timestamptz, $3, $4, null, $5, null, null, $6, null, $7::jsonb, null, null, null)';
    await attacker.query('begin');
    await attacker.query(call, [body, occurredAt, 'system', 'roles-test', 'test.shadowed', null, '{}']);
    await attacker.query('commit');
    await attacker.query('discard temp');
    await attacker.query('reset search_path');
    const after = (await attacker.query<{ seq: string; action: string }>('select seq, action from audit_events order by seq desc limit 1')).rows[0];
    expect(after).toEqual({ seq: String(before + 1), action: 'test.shadowed' });

    // A reason in the columns that the body does not carry: refused, so no event the verifier would flag.
    await attacker.query('begin');
    const mismatch = await outcome(attacker, call, [body, occurredAt, 'system', 'roles-test', 'test.shadowed', 'a different reason', '{}']);
    await attacker.query('rollback');
    expect(mismatch).toBe('22023');
    expect(await verifyAuditChain(appDatabase.db)).toMatchObject({ ok: true, checked: before + 1 });
  });

  it('a later migration, applied by an administrator, runs as the owner and its tables are granted to the application', { timeout: 60_000 }, async () => {
    const admindb = await openDatabase({ databaseUrl: url() });
    const extra = { name: '9999_roles_probe.sql', script: 'create table roles_probe (id bigint generated always as identity primary key, note text);' };
    try {
      // The application's role may not apply it, and says who should.
      await expect(migrate(appDatabase, [...readMigrations(), extra])).rejects.toThrow(/as database role inqdesk_app_\w+ .*npm run db:migrate/);
      expect(await migrate(admindb, [...readMigrations(), extra])).toEqual([extra.name]);
      const probe = await attacker.query<{ owner: string }>(`select relowner::regrole::text as owner from pg_class where oid = 'roles_probe'::regclass`);
      expect(probe.rows[0]?.owner).toBe(owner);
      expect(await outcome(attacker, `insert into roles_probe (note) values ('default privileges')`)).toBe('ok');
      expect(await outcome(attacker, `alter table roles_probe add column x int`)).toBe(INSUFFICIENT_PRIVILEGE);
    } finally {
      await admindb.close();
    }
  });

  it('sends the password only as a SCRAM verifier, which PostgreSQL accepts', async () => {
    const verifier = scramVerifier(appPassword);
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(verifier).not.toContain(appPassword);
    const stored = await admin.query<{ rolpassword: string }>('select rolpassword from pg_authid where rolname = $1', [app]);
    expect(stored.rows[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    // The application's connections above logged in with the password itself.
    expect((await attacker.query<{ me: string }>('select current_user as me')).rows[0]?.me).toBe(app);
  });
});

describe.skipIf(!adminUrl)('database roles added to a database migrated without them (postgres)', () => {
  it('hands every object to the owner, and the application role then appends through the function', { timeout: 60_000 }, async () => {
    const tag = randomBytes(5).toString('hex');
    const roles = { owner: `inqdesk_owner_${tag}`, app: `inqdesk_app_${tag}`, appPassword: `app pass ${randomBytes(9).toString('base64url')}` };
    const database = await createTestDatabase('postgres'); // migrated by the administrator, who owns everything
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    let appDatabase: Database | null = null;
    try {
      await database.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { type: 'system', id: 'before', display: null }, action: 'test.before_roles' }));
      const report = await setUpDatabaseRoles(database, roles);
      expect(report.created).toEqual([roles.owner, roles.app]);
      expect(report.applied).toEqual([]);
      expect(report.reassigned).toEqual(expect.arrayContaining(['audit_events', 'audit_append', 'audit_chain_append', 'inquiries', 'schema_migrations']));

      const u = new URL(database.url ?? '');
      u.username = roles.app;
      u.password = roles.appPassword;
      appDatabase = await openDatabase({ databaseUrl: u.toString() });
      await appDatabase.db.transaction().execute((trx) => appendAuditEvent(trx, { actor: { type: 'system', id: 'after', display: null }, action: 'test.after_roles' }));
      expect(await verifyAuditChain(appDatabase.db)).toMatchObject({ ok: true, checked: 2 });
      const inside = new pg.Client({ connectionString: database.url ?? '' });
      await inside.connect();
      const owners = await inside.query<{ owner: string }>(`
        select distinct owner from (
          select relowner::regrole::text as owner from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'S', 'v', 'm')
          union all select proowner::regrole::text from pg_proc where pronamespace = 'public'::regnamespace) o`);
      await inside.end();
      expect(owners.rows).toEqual([{ owner: roles.owner }]);
    } finally {
      await appDatabase?.close();
      await database.close();
      await admin.query(`drop role if exists ${roles.app}`);
      await admin.query(`drop role if exists ${roles.owner}`);
      await admin.end();
    }
  });
});
