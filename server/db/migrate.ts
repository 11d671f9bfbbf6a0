import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from './index.js';
import type { DB } from './schema.js';
import { projectPath } from '../paths.js';

export const MIGRATIONS_DIR = projectPath('migrations');

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

/** The connected role may not apply a pending migration (e.g. the application's role); one line for a person. */
export class MigrationPrivilegeError extends Error {
  override readonly name = 'MigrationPrivilegeError';
}

export interface MigrateOptions {
  /**
   * The role to apply migrations as (`SET LOCAL ROLE`), so that it owns what they create. Default: the owner of
   * `schema_migrations` when that is another role the connected one may become — after
   * `npm run db:migrate -- --create-roles`, the owner role (server/db/roles.ts) — else the connected role itself.
   */
  asRole?: string;
}

/**
 * Applies pending migrations in order, each in its own transaction together with its row in
 * `schema_migrations`. A transaction-scoped advisory lock makes two processes migrating at once take turns;
 * the second sees the first's rows and applies nothing. With nothing pending it only reads `schema_migrations`, so
 * an instance connected as the application's role (which may not create anything) starts; with migrations pending
 * and a role that may not apply them, it throws an error saying which role to run `npm run db:migrate` as.
 */
export async function migrate(database: Database, migrations = readMigrations(), options: MigrateOptions = {}): Promise<string[]> {
  const pending = await pendingMigrations(database, migrations);
  if (options.asRole === undefined && pending.length === 0) return [];
  const { db } = database;
  const asRole = options.asRole ?? (await migrationOwner(database));
  const becomeOwner = async (trx: Kysely<DB>) => {
    if (asRole) await sql`set local role ${sql.id(asRole)}`.execute(trx);
  };
  let current = pending[0] ?? 'schema_migrations';
  try {
    await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
      await becomeOwner(trx);
      await sql`create table if not exists schema_migrations (
        name text primary key,
        applied_at timestamptz not null default now()
      )`.execute(trx);
    });

    const applied: string[] = [];
    for (const migration of migrations) {
      current = migration.name;
      const didApply = await db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(trx);
        const done = await sql<{ name: string }>`select name from schema_migrations where name = ${migration.name}`.execute(trx);
        if (done.rows.length > 0) return false;
        await becomeOwner(trx);
        await database.runScript(migration.script, trx);
        await sql`insert into schema_migrations (name) values (${migration.name})`.execute(trx);
        return true;
      });
      if (didApply) applied.push(migration.name);
    }
    return applied;
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    const who = await sql<{ role: string }>`select current_user as role`.execute(db).then((r) => r.rows[0]?.role ?? 'this role', () => 'this role');
    throw new MigrationPrivilegeError(
      `Cannot apply ${current} as database role ${who} (${(error as Error).message}): run \`npm run db:migrate\` as the owner role or an administrator (docs/operations.md, "Database roles").`,
      { cause: error },
    );
  }
}

/** The owner of schema_migrations, when that is not the connected role but one it may become (else null). */
async function migrationOwner(database: Database): Promise<string | null> {
  const result = await sql<{ owner: string }>`
    select r.rolname as owner
      from pg_class c join pg_roles r on r.oid = c.relowner
     where c.oid = to_regclass('schema_migrations')
       and r.rolname <> current_user
       and pg_has_role(current_user, r.oid, 'MEMBER')`.execute(database.db);
  return result.rows[0]?.owner ?? null;
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
