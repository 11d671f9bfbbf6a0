import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './index.js';
import { migrate, readMigrations, type MigrationFile } from './migrate.js';
import type { DB } from './schema.js';

/**
 * Least-privilege database roles (docs/security.md, "Database roles"), set up by
 * `npm run db:migrate -- --create-roles`:
 *
 * - the owner role owns every table, sequence and function of the schema and applies the migrations;
 * - the application's role (the one in the server's DATABASE_URL) may read and write the application's tables, but
 *   owns nothing and may create nothing, so it cannot ALTER or DROP a table or disable a trigger; it may only read
 *   the audit tables and schema_migrations, and writes the audit log through audit_append() alone (a SECURITY
 *   DEFINER function that runs as the owner, migrations/0016).
 *
 * Everything here is idempotent: run it again after every release, or only once and migrate as the owner after.
 */

export const DEFAULT_OWNER_ROLE = 'inquiry_desk_owner';
export const DEFAULT_APP_ROLE = 'inquiry_desk_app';

/** Lower-case letters, digits and underscores, as PostgreSQL folds unquoted names; `pg_` is reserved. */
export const ROLE_NAME = /^(?!pg_)[a-z_][a-z0-9_]{0,62}$/;

/** Tables the application reads but never writes itself: the audit chain (written by the owner's functions), the migration record. */
export const READ_ONLY_TABLES = ['audit_events', 'audit_chain_head', 'schema_migrations'] as const;
/** Tables the application may not touch at all: events are staged in audit_pending by audit_append() alone. */
export const NO_ACCESS_TABLES = ['audit_pending'] as const;
/** The functions the application's role may execute (every overload of each name). */
export const APP_FUNCTIONS = ['audit_append'] as const;

export const PGLITE_HAS_NO_ROLES =
  '--create-roles needs a PostgreSQL server (DATABASE_URL): the embedded database (PGlite) has a single user, so there are no roles to create. Run `npm run db:migrate` without it.';

export interface DatabaseRoles {
  owner: string;
  app: string;
  /** Set: the owner may log in with it (to run migrations itself). Unset: NOLOGIN, or its password is left as it is. */
  ownerPassword?: string | undefined;
  /** The application's password; unset: a new role gets none (set it later, or authenticate otherwise), an existing one keeps its own. */
  appPassword?: string | undefined;
}

export interface RolesReport {
  schema: string;
  database: string;
  created: string[];
  passwordSet: string[];
  /** Objects whose owner this run changed to the owner role (those created before the roles existed). */
  reassigned: string[];
  /** Migrations applied, as the owner. */
  applied: string[];
  /** Whether the application's role has a password (false: it logs in only by another method in pg_hba.conf). */
  appHasPassword: boolean;
}

// Roles belong to the whole server; this serialises two runs against one database.
const ROLES_LOCK_KEY = 7_421_902;

/**
 * A SCRAM-SHA-256 verifier, as PostgreSQL stores it (RFC 5802/7677): the password itself never reaches the server,
 * so it appears in no statement log. Passwords are printable ASCII (config), for which SASLprep changes nothing.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

interface RoleFacts {
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  has_password: boolean;
}

async function roleFacts(db: Kysely<DB>, name: string): Promise<RoleFacts | undefined> {
  const result = await sql<Omit<RoleFacts, 'has_password'> & { i_am_superuser: boolean }>`
    select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
           (select rolsuper from pg_roles where rolname = current_user) as i_am_superuser
      from pg_roles where rolname = ${name}`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const { i_am_superuser, ...facts } = row;
  // Only a superuser may read pg_authid; a CREATEROLE administrator cannot tell, and assumes a password is set.
  if (!i_am_superuser) return { ...facts, has_password: true };
  const secret = await sql<{ has_password: boolean }>`select rolpassword is not null as has_password from pg_authid where rolname = ${name}`.execute(db);
  return { ...facts, has_password: secret.rows[0]?.has_password ?? false };
}

/** A setting or a state of the server that the roles cannot be set up with; its message is one line for a person. */
export class RolesError extends Error {
  override readonly name = 'RolesError';
}

function refuse(message: string): never {
  throw new RolesError(`Cannot set up the database roles: ${message}`);
}

/**
 * Creates the owner and application roles if missing, hands the schema's objects to the owner, applies pending
 * migrations as the owner and grants the application's role exactly its privileges (see the module comment).
 * Connect as a superuser, or as a role with CREATEROLE that owns the database. PostgreSQL only.
 */
export async function setUpDatabaseRoles(database: Database, roles: DatabaseRoles, migrations: MigrationFile[] = readMigrations()): Promise<RolesReport> {
  if (database.kind === 'pglite') refuse(PGLITE_HAS_NO_ROLES);
  const { owner, app } = roles;
  for (const name of [owner, app]) {
    if (!ROLE_NAME.test(name)) refuse(`"${name}" is not a plain role name (lower-case letters, digits, _; not pg_…)`);
  }
  if (owner === app) refuse('the owner and the application need two different roles');
  const { db } = database;
  const where = await sql<{ schema: string | null; database: string }>`select current_schema() as schema, current_database() as database`.execute(db);
  const schema = where.rows[0]?.schema;
  const dbName = where.rows[0]?.database ?? '';
  if (!schema) refuse('no schema on the search_path');
  const created: string[] = [];
  const passwordSet: string[] = [];

  // 1. The roles, and what they must not be.
  let appHasPassword = false;
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${ROLES_LOCK_KEY})`.execute(trx);
    const wanted = [
      { name: owner, password: roles.ownerPassword, login: roles.ownerPassword !== undefined },
      { name: app, password: roles.appPassword, login: true },
    ];
    for (const { name, password, login } of wanted) {
      const secret = password === undefined ? sql`` : sql` password ${sql.lit(scramVerifier(password))}`;
      if (!(await roleFacts(trx, name))) {
        await sql`create role ${sql.id(name)} ${login ? sql`login` : sql`nologin`}${secret}`.execute(trx);
        created.push(name);
      } else if (password !== undefined) {
        await sql`alter role ${sql.id(name)} login${secret}`.execute(trx);
      }
      if (password !== undefined) passwordSet.push(name);
    }
    for (const name of [owner, app]) {
      const facts = await roleFacts(trx, name);
      if (!facts) refuse(`role ${name} is missing`);
      const powers = [
        facts.rolsuper && 'SUPERUSER',
        facts.rolbypassrls && 'BYPASSRLS',
        name === app && facts.rolcreaterole && 'CREATEROLE',
        name === app && facts.rolcreatedb && 'CREATEDB',
        name === app && facts.rolreplication && 'REPLICATION',
      ].filter(Boolean);
      if (powers.length > 0) refuse(`role ${name} has ${powers.join(', ')}; choose another name or ALTER ROLE ${name} NO${String(powers[0])}`);
      if (name === app) appHasPassword = facts.has_password;
    }
    const membership = await sql<{ app_is_owner: boolean; i_can_own: boolean }>`
      select pg_has_role(${app}, ${owner}, 'MEMBER') as app_is_owner, pg_has_role(current_user, ${owner}, 'MEMBER') as i_can_own`.execute(trx);
    if (membership.rows[0]?.app_is_owner) refuse(`role ${app} is a member of ${owner}, so it could act as the owner; REVOKE ${owner} FROM ${app}`);
    // To migrate and grant as the owner this session must be able to SET ROLE to it (a superuser always can).
    if (!membership.rows[0]?.i_can_own) await sql`grant ${sql.id(owner)} to current_user`.execute(trx);

    // 2. The database and the schema: the owner creates in it, nobody else does.
    await sql`grant connect on database ${sql.id(dbName)} to ${sql.id(app)}`.execute(trx);
    await sql`grant usage, create on schema ${sql.id(schema)} to ${sql.id(owner)}`.execute(trx);
    await sql`revoke create on schema ${sql.id(schema)} from public, ${sql.id(app)}`.execute(trx);
    await sql`grant usage on schema ${sql.id(schema)} to ${sql.id(app)}`.execute(trx);
  });

  // 3. Objects created before the roles existed (or by anyone else) go to the owner.
  const reassigned = await db.transaction().execute((trx) => reassignToOwner(trx, owner));

  // 4. Migrations, as the owner.
  const applied = await migrate(database, migrations, { asRole: owner });

  // 5. The application's privileges, granted by the owner.
  await db.transaction().execute(async (trx) => {
    await sql`set local role ${sql.id(owner)}`.execute(trx);
    const s = sql.id(schema);
    const a = sql.id(app);
    const list = (names: readonly string[]) => sql.join(names.map((n) => sql.id(schema, n)));
    await sql`revoke truncate, references, trigger on all tables in schema ${s} from ${a}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema ${s} to ${a}`.execute(trx);
    await sql`revoke insert, update, delete on table ${list(READ_ONLY_TABLES)} from ${a}`.execute(trx);
    await sql`revoke all on table ${list(NO_ACCESS_TABLES)} from ${a}`.execute(trx);
    await sql`grant usage on all sequences in schema ${s} to ${a}`.execute(trx);
    const untouchable = await sql<{ sequence: string }>`
      select s.oid::regclass::text as sequence
        from pg_class s
        join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = s.oid and d.refclassid = 'pg_class'::regclass
        join pg_class t on t.oid = d.refobjid
       where s.relkind = 'S' and t.relnamespace = (select oid from pg_namespace where nspname = ${schema})
         and t.relname = any(${[...NO_ACCESS_TABLES]})`.execute(trx);
    for (const { sequence } of untouchable.rows) await sql`revoke all on sequence ${sql.raw(sequence)} from ${a}`.execute(trx);
    const functions = await sql<{ signature: string }>`
      select p.oid::regprocedure::text as signature from pg_proc p
       where p.pronamespace = (select oid from pg_namespace where nspname = ${schema}) and p.proname = any(${[...APP_FUNCTIONS]})`.execute(trx);
    if (functions.rows.length < APP_FUNCTIONS.length) refuse(`${APP_FUNCTIONS.join(', ')} missing after migrating`);
    for (const { signature } of functions.rows) await sql`grant execute on function ${sql.raw(signature)} to ${a}`.execute(trx);
    // Tables and sequences the owner creates later (new migrations) get the same grants.
    await sql`alter default privileges for role ${sql.id(owner)} in schema ${s} grant select, insert, update, delete on tables to ${a}`.execute(trx);
    await sql`alter default privileges for role ${sql.id(owner)} in schema ${s} grant usage on sequences to ${a}`.execute(trx);
  });

  return { schema, database: dbName, created, passwordSet, reassigned, applied, appHasPassword: appHasPassword || passwordSet.includes(app) };
}

/**
 * ALTER … OWNER TO the owner for every table, view, sequence (not one a column owns: it follows its table),
 * function and type of the schema that the owner does not own, leaving extensions' objects alone.
 */
async function reassignToOwner(trx: Transaction<DB>, owner: string): Promise<string[]> {
  const result = await sql<{ statement: string; name: string }>`
    with me as (select oid from pg_roles where rolname = ${owner}::text),
         here as (select oid from pg_namespace where nspname = current_schema())
    select format('alter %s %I.%I owner to %I',
                  case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence'
                                 when 'f' then 'foreign table' else 'table' end,
                  current_schema(), c.relname, ${owner}::text) as statement, c.relname::text as name
      from pg_class c
     where c.relnamespace = (select oid from here) and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
       and c.relowner <> (select oid from me)
       and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid
                          and (d.deptype = 'e' or (c.relkind = 'S' and d.deptype in ('a', 'i'))))
    union all
    select format('alter %s %s owner to %I', case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
                  p.oid::regprocedure, ${owner}::text), p.proname::text
      from pg_proc p
     where p.pronamespace = (select oid from here) and p.proowner <> (select oid from me)
       and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select format('alter type %I.%I owner to %I', current_schema(), t.typname, ${owner}::text), t.typname::text
      from pg_type t
     where t.typnamespace = (select oid from here) and t.typtype in ('e', 'd', 'r') and t.typowner <> (select oid from me)
       and not exists (select 1 from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
     order by 2`.execute(trx);
  for (const { statement } of result.rows) await sql.raw(statement).execute(trx);
  return result.rows.map((row) => row.name);
}

/** What `npm run db:migrate -- --create-roles` prints: no password, ever. */
export function describeRolesReport(report: RolesReport, roles: DatabaseRoles): string[] {
  const state = (name: string) => (report.created.includes(name) ? 'created' : 'exists');
  const lines = [
    `Owner role ${roles.owner} (${state(roles.owner)}${report.passwordSet.includes(roles.owner) ? ', password set' : ''}): owns the schema ${report.schema} and applies migrations.`,
    `Application role ${roles.app} (${state(roles.app)}${report.passwordSet.includes(roles.app) ? ', password set' : ''}): reads and writes the tables, reads the audit log and appends to it only through audit_append(); owns nothing, creates nothing.`,
  ];
  if (report.reassigned.length > 0) lines.push(`Now owned by ${roles.owner}: ${report.reassigned.length} objects created before (${report.reassigned.slice(0, 5).join(', ')}${report.reassigned.length > 5 ? ', …' : ''}).`);
  lines.push(report.applied.length > 0 ? `Applied ${report.applied.join(', ')}` : 'Database is up to date.');
  if (!report.appHasPassword) lines.push(`Note: ${roles.app} has no password; set DATABASE_APP_PASSWORD and run this again, or let it authenticate another way (pg_hba.conf).`);
  lines.push(`The server connects as ${roles.app}: DATABASE_URL=postgres://${roles.app}:…@host:port/${report.database}`);
  return lines;
}
