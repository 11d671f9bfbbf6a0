import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

type Step = <T>(name: string, run: () => Promise<T>) => Promise<T>;

interface Definition {
  table: string;
  name: string;
  definition: string;
}

/**
 * Runs a bulk load the way PostgreSQL's "Populating a Database" advises: with the loaded tables' indexes,
 * primary and unique keys and foreign keys (theirs, and other tables' keys that reference them) dropped; then
 * every index built once by sorting, and the keys added back, each foreign key validated by one join instead of a
 * trigger per row. Definitions come from the catalog (`pg_get_indexdef`, `pg_get_constraintdef`), so whatever
 * later migrations added comes back exactly as it was. Runs inside the caller's transaction: if anything fails,
 * the rollback restores every index and constraint with everything else. CHECK constraints stay in force.
 */
export async function withBulkLoad(trx: Kysely<DB>, tables: readonly string[], step: Step, load: () => Promise<void>): Promise<void> {
  const names = [...tables];
  const constraints = await sql<Definition & { type: 'p' | 'u' | 'f' }>`
    select t.relname::text as table, c.conname::text as name, c.contype::text as type, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c
    join pg_class t on t.oid = c.conrelid
    left join pg_class r on r.oid = c.confrelid
    where t.relnamespace = current_schema()::regnamespace
      and ((c.contype in ('p', 'u', 'f') and t.relname = any(${names}::text[]))
        or (c.contype = 'f' and r.relname = any(${names}::text[])))
    order by c.contype, t.relname, c.conname`.execute(trx);
  const indexes = await sql<Definition>`
    select t.relname::text as table, i.relname::text as name, pg_get_indexdef(x.indexrelid) as definition
    from pg_index x
    join pg_class i on i.oid = x.indexrelid
    join pg_class t on t.oid = x.indrelid
    where t.relnamespace = current_schema()::regnamespace and t.relname = any(${names}::text[])
      and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)
    order by t.relname, i.relname`.execute(trx);
  const foreignKeys = constraints.rows.filter((c) => c.type === 'f');
  const keys = constraints.rows.filter((c) => c.type !== 'f');

  for (const fk of foreignKeys) await sql`alter table ${sql.id(fk.table)} drop constraint ${sql.id(fk.name)}`.execute(trx);
  for (const key of keys) await sql`alter table ${sql.id(key.table)} drop constraint ${sql.id(key.name)}`.execute(trx);
  for (const index of indexes.rows) await sql`drop index ${sql.id(index.name)}`.execute(trx);

  await load();

  // Index builds sort in memory; local to this transaction.
  await sql`set local maintenance_work_mem = '512MB'`.execute(trx);
  const addConstraint = (c: Definition) => sql`alter table ${sql.id(c.table)} add constraint ${sql.id(c.name)} ${sql.raw(c.definition)}`.execute(trx);
  for (const key of keys) await step(`key ${key.name}`, () => addConstraint(key));
  for (const index of indexes.rows) await step(`index ${index.name}`, () => sql.raw(index.definition).execute(trx));
  for (const fk of foreignKeys) await step(`foreign key ${fk.name}`, () => addConstraint(fk));
}
