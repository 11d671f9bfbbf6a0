import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/index.js';
import { migrate, readMigrations } from '../../server/db/migrate.js';
import { createTestDatabase, testEngines } from '../db.js';
import { addInquiry, addTemplate } from './fixtures.js';

describe.each(testEngines())('migrations on %s', (engine) => {
  it('records each migration once; running again applies nothing', async () => {
    const database = await createTestDatabase(engine); // already migrated once
    try {
      expect(await migrate(database)).toEqual([]);
      const rows = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(database.db);
      expect(rows.rows.map((r) => r.name)).toEqual(readMigrations().map((m) => m.name));
    } finally {
      await database.close();
    }
  });

  it('keeps data honest: unknown statuses and a second successor are refused', async () => {
    const database = await createTestDatabase(engine);
    try {
      const { db } = database;
      // The latest-version pointer is checked at commit, so a template and its first version go in together.
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('templates').values({ id: 'itmpl_a', name: 'A', latest_version_id: 'itmplv_a1', latest_version_number: 1 }).execute();
        await trx.insertInto('template_versions').values({ id: 'itmplv_a1', template_id: 'itmpl_a', version_number: 1, published_at: new Date() }).execute();
      });
      await expect(db.insertInto('templates').values({ id: 'itmpl_b', name: 'B', latest_version_id: 'itmplv_nope', latest_version_number: 1 }).execute()).rejects.toThrow(/foreign key/);
      const base = { template_id: 'itmpl_a', version_id: 'itmplv_a1', version_number: 1, fields: '{}', created_at: new Date(), expires_at: new Date(Date.now() + 1000), updated_at: new Date() };
      await expect(db.insertInto('inquiries').values({ ...base, id: 'inq_bad', status: 'teleported' }).execute()).rejects.toThrow(/check constraint/);
      await db.insertInto('inquiries').values({ ...base, id: 'inq_old', status: 'expired', expired_at: new Date() }).execute();
      await db.insertInto('inquiries').values({ ...base, id: 'inq_new1', status: 'created', predecessor_id: 'inq_old' }).execute();
      await expect(db.insertInto('inquiries').values({ ...base, id: 'inq_new2', status: 'created', predecessor_id: 'inq_old' }).execute()).rejects.toThrow(/unique/);
      await expect(db.insertInto('inquiries').values({ ...base, id: 'inq_orphan', status: 'created', template_id: 'itmpl_missing' }).execute()).rejects.toThrow(/foreign key/);
    } finally {
      await database.close();
    }
  });
});

describe('migration 0027 on a database with access already issued (pglite)', () => {
  it('marks spent links, copies each hand-out\'s session end and marks bare-id sessions; the triggers keep the copies after', async () => {
    const database = await openDatabase({ dataDir: null });
    try {
      const all = readMigrations();
      await migrate(database, all.filter((m) => m.name < '0027'));
      const { db } = database;
      const kyc = await addTemplate(db, 'KYC', 1);
      const inquiryId = await addInquiry(db, kyc, { status: 'pending', createdAt: new Date('2026-01-01T00:00:00Z'), expiresAt: new Date('2099-01-01T00:00:00Z') });
      const at = new Date('2026-01-01T01:00:00Z');
      const session = (id: string, ended: { expired_at?: Date; revoked_at?: Date } = {}, issuedBy = 'staff') =>
        ({ id, inquiry_id: inquiryId, created_at: at, expires_at: new Date('2099-01-01T00:00:00Z'), issued_by_type: issuedBy, issued_by_id: 'stf_a', ...ended });
      await db.insertInto('inquiry_sessions').values([
        session('iqse_open'),
        session('iqse_revoked', { revoked_at: at }),
        session('iqse_expired', { expired_at: at }),
        session('iqse_bare', {}, 'end_user'),
      ]).execute();
      await db.insertInto('session_handouts').values(['iqse_open', 'iqse_revoked', 'iqse_expired'].map((id) => ({ session_id: id, handed_at: at, handed_to_type: 'staff', handed_to_id: 'stf_b', handed_to_display: null, reason: null, ticket: null }))).execute();
      await db.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: at, kind: 'started_from_bare_id', detail: JSON.stringify({ sessionId: 'iqse_bare', via: '/verify', address: '203.0.113.9' }) }).execute();
      const link = (id: string, expiresAt: string, revoked: boolean) => ({
        id, inquiry_id: inquiryId, kind: 'one_time' as const, code_hash: `hash-${id}`, created_at: at, expires_at: new Date(expiresAt),
        revoked_at: revoked ? at : null, revoked_by: null, issued_by_type: 'staff', issued_by_id: 'stf_a', issued_by_display: null, reason: null, ticket: null,
        session_id: null, token_fingerprint: null, first_used_at: null, last_used_at: null, emailed_to_masked: null, emailed_at: null, email_message_id: null,
      });
      await db.insertInto('access_links').values([link('lnk_spent', '2026-01-02T00:00:00Z', false), link('lnk_live', '2099-01-01T00:00:00Z', false), link('lnk_revoked', '2026-01-02T00:00:00Z', true)]).execute();
      // A token link whose session was revoked.
      await db.insertInto('access_links').values({ ...link('lnk_token', '2099-01-01T00:00:00Z', false), kind: 'token', code_hash: null, session_id: 'iqse_revoked' }).execute();

      expect(await migrate(database, all)).toEqual(all.filter((m) => m.name >= '0027').map((m) => m.name));
      const links = await sql<{ id: string; expired_at: Date | null; session_revoked: boolean }>`select id, expired_at, session_revoked from access_links order by id`.execute(db);
      expect(links.rows).toEqual([
        { id: 'lnk_live', expired_at: null, session_revoked: false },
        { id: 'lnk_revoked', expired_at: null, session_revoked: false },
        { id: 'lnk_spent', expired_at: new Date('2026-01-02T00:00:00Z'), session_revoked: false },
        { id: 'lnk_token', expired_at: null, session_revoked: true },
      ]);
      const carried = await sql<{ id: string }>`select id from inquiry_sessions where carried_by_token_link`.execute(db);
      expect(carried.rows.map((r) => r.id)).toEqual(['iqse_revoked']);
      const handouts = await sql<{ session_id: string; session_open: boolean; session_revoked: boolean }>`
        select session_id, session_open, session_revoked from session_handouts order by session_id`.execute(db);
      expect(handouts.rows).toEqual([
        { session_id: 'iqse_expired', session_open: false, session_revoked: false },
        { session_id: 'iqse_open', session_open: true, session_revoked: false },
        { session_id: 'iqse_revoked', session_open: false, session_revoked: true },
      ]);
      const bare = await sql<{ id: string }>`select id from inquiry_sessions where from_bare_id`.execute(db);
      expect(bare.rows.map((r) => r.id)).toEqual(['iqse_bare']);

      // And from then on the triggers keep the copies: a token link written later marks its session; a session
      // revoked later takes its hand-outs' and its token link's copies with it.
      await db.insertInto('access_links').values({ ...link('lnk_token2', '2099-01-01T00:00:00Z', false), kind: 'token', code_hash: null, session_id: 'iqse_open' }).execute();
      await db.updateTable('inquiry_sessions').set({ revoked_at: at }).where('id', '=', 'iqse_open').execute();
      const after = await sql<{ session_open: boolean; session_revoked: boolean }>`select session_open, session_revoked from session_handouts where session_id = 'iqse_open'`.execute(db);
      expect(after.rows).toEqual([{ session_open: false, session_revoked: true }]);
      const token2 = await sql<{ session_revoked: boolean; carried: boolean }>`select l.session_revoked, s.carried_by_token_link as carried
        from access_links l join inquiry_sessions s on s.id = l.session_id where l.id = 'lnk_token2'`.execute(db);
      expect(token2.rows).toEqual([{ session_revoked: true, carried: true }]);
      // A bare-id start recorded only as its timeline entry (as an instance on older code writes it) marks its session.
      await db.insertInto('inquiry_sessions').values(session('iqse_bare2', {}, 'end_user')).execute();
      await db.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: at, kind: 'started_from_bare_id', detail: JSON.stringify({ sessionId: 'iqse_bare2', via: '/widget', address: '203.0.113.9' }) }).execute();
      const bareAfter = await sql<{ id: string }>`select id from inquiry_sessions where from_bare_id order by id`.execute(db);
      expect(bareAfter.rows.map((r) => r.id)).toEqual(['iqse_bare', 'iqse_bare2']);
    } finally {
      await database.close();
    }
  });
});

describe('migration 0029 on a database with token links and hand-outs (pglite)', () => {
  it("copies each token link's and hand-out's session whole; the copies then follow the session, its expiry too", async () => {
    const database = await openDatabase({ dataDir: null });
    try {
      const all = readMigrations();
      await migrate(database, all.filter((m) => m.name < '0029'));
      const { db } = database;
      const kyc = await addTemplate(db, 'KYC', 1);
      const inquiryId = await addInquiry(db, kyc, { status: 'pending', createdAt: new Date('2026-01-01T00:00:00Z'), expiresAt: new Date('2099-01-01T00:00:00Z') });
      const at = new Date('2026-01-01T01:00:00Z');
      const expiresAt = new Date('2026-01-03T00:00:00Z');
      const session = (id: string, ended: { expired_at?: Date; revoked_at?: Date } = {}) =>
        ({ id, inquiry_id: inquiryId, created_at: at, expires_at: expiresAt, issued_by_type: 'staff', issued_by_id: 'stf_a', ...ended });
      await db.insertInto('inquiry_sessions').values([session('iqse_open'), session('iqse_expired', { expired_at: expiresAt }), session('iqse_revoked', { revoked_at: at })]).execute();
      const token = (id: string, sessionId: string) => ({
        id, inquiry_id: inquiryId, kind: 'token' as const, code_hash: null, created_at: at, expires_at: expiresAt, revoked_at: null, revoked_by: null,
        issued_by_type: 'staff', issued_by_id: 'stf_a', issued_by_display: null, reason: null, ticket: 'SUP-1', session_id: sessionId,
        token_fingerprint: null, first_used_at: null, last_used_at: null, emailed_to_masked: null, emailed_at: null, email_message_id: null,
      });
      await db.insertInto('access_links').values([token('lnk_open', 'iqse_open'), token('lnk_expired', 'iqse_expired'), token('lnk_revoked', 'iqse_revoked')]).execute();
      await db.insertInto('session_handouts').values(['iqse_open', 'iqse_expired'].map((id) => ({ session_id: id, handed_at: at, handed_to_type: 'staff', handed_to_id: 'stf_b', handed_to_display: null, reason: null, ticket: null }))).execute();

      expect(await migrate(database, all)).toEqual(all.filter((m) => m.name >= '0029').map((m) => m.name));
      const links = () => sql<{ id: string; session_open: boolean; session_revoked: boolean; session_expires_at: Date | null }>`
        select id, session_open, session_revoked, session_expires_at from access_links order by id`.execute(db).then((r) => r.rows);
      const handouts = () => sql<{ session_id: string; session_open: boolean; session_expires_at: Date | null }>`
        select session_id, session_open, session_expires_at from session_handouts order by session_id`.execute(db).then((r) => r.rows);
      expect(await links()).toEqual([
        { id: 'lnk_expired', session_open: false, session_revoked: false, session_expires_at: expiresAt },
        { id: 'lnk_open', session_open: true, session_revoked: false, session_expires_at: expiresAt },
        { id: 'lnk_revoked', session_open: false, session_revoked: true, session_expires_at: expiresAt },
      ]);
      expect(await handouts()).toEqual([
        { session_id: 'iqse_expired', session_open: false, session_expires_at: expiresAt },
        { session_id: 'iqse_open', session_open: true, session_expires_at: expiresAt },
      ]);

      // A policy change brings the open session's expiry closer (services/templates: expiryReapplied), then the
      // sweep marks it: both copies follow each step.
      const cut = new Date('2026-01-02T00:00:00Z');
      await db.updateTable('inquiry_sessions').set({ expires_at: cut }).where('id', '=', 'iqse_open').execute();
      expect((await links()).find((l) => l.id === 'lnk_open')).toMatchObject({ session_open: true, session_expires_at: cut });
      expect((await handouts()).find((h) => h.session_id === 'iqse_open')).toMatchObject({ session_open: true, session_expires_at: cut });
      await db.updateTable('inquiry_sessions').set({ expired_at: cut }).where('id', '=', 'iqse_open').execute();
      expect((await links()).find((l) => l.id === 'lnk_open')).toMatchObject({ session_open: false, session_revoked: false });
      expect((await handouts()).find((h) => h.session_id === 'iqse_open')).toMatchObject({ session_open: false });
    } finally {
      await database.close();
    }
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('application connections (postgres)', () => {
  it('run with JIT off: compiling a list query cost more than running it', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const jit = await sql<{ jit: string }>`select current_setting('jit') as jit`.execute(database.db);
      expect(jit.rows[0]?.jit).toBe('off');
    } finally {
      await database.close();
    }
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('migrations from two processes at once (postgres)', () => {
  it('both finish, and every migration is applied exactly once', async () => {
    const adminUrl = process.env.TEST_DATABASE_URL ?? '';
    const name = `inqdesk_mig_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const a = await openDatabase({ databaseUrl: url.toString() });
    const b = await openDatabase({ databaseUrl: url.toString() });
    try {
      const [appliedA, appliedB] = await Promise.all([migrate(a), migrate(b)]);
      expect([...appliedA, ...appliedB].sort()).toEqual(readMigrations().map((m) => m.name));
      const rows = await sql<{ n: number }>`select count(*)::int as n from schema_migrations`.execute(a.db);
      expect(rows.rows[0]?.n).toBe(readMigrations().length);
    } finally {
      await a.close();
      await b.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
