import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/index.js';
import { migrate, readMigrations } from '../../server/db/migrate.js';
import { createTestDatabase, testEngines } from '../db.js';

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
