import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Database } from './index.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

// Any constant works; it only has to be the same for every instance of this application.
const MIGRATION_LOCK_KEY = 7_421_901;

export interface MigrationFile {
  name: string;
  script: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, script: fs.readFileSync(path.join(dir, name), 'utf8') }));
}

/**
 * Applies pending migrations in order, each in its own transaction together with its row in
 * `schema_migrations`. A transaction-scoped advisory lock makes two processes migrating at once take turns;
 * the second sees the first's rows and applies nothing.
 */
export async function migrate(database: Database, migrations = readMigrations()): Promise<string[]> {
  const { db } = database;
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
    await sql`create table if not exists schema_migrations (
      name text primary key,
      applied_at timestamptz not null default now()
    )`.execute(trx);
  });

  const applied: string[] = [];
  for (const migration of migrations) {
    const didApply = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      const done = await sql<{ name: string }>`select name from schema_migrations where name = ${migration.name}`.execute(trx);
      if (done.rows.length > 0) return false;
      await database.runScript(migration.script, trx);
      await sql`insert into schema_migrations (name) values (${migration.name})`.execute(trx);
      return true;
    });
    if (didApply) applied.push(migration.name);
  }
  return applied;
}

/**
 * Migrations in `migrations/` not yet applied to this database (readiness: an instance whose schema is behind
 * its code must not take traffic). Throws when the database cannot be reached.
 */
export async function pendingMigrations(database: Database, migrations = readMigrations()): Promise<string[]> {
  const applied = await sql<{ name: string }>`select name from schema_migrations`.execute(database.db).then(
    (result) => new Set(result.rows.map((row) => row.name)),
    (error: unknown) => {
      // No table yet: nothing is applied.
      if ((error as { code?: string }).code === '42P01') return new Set<string>();
      throw error;
    },
  );
  return migrations.map((m) => m.name).filter((name) => !applied.has(name));
}
