import type { Executor } from './executor.js';
import { sql, type Insertable, type Transaction, type Updateable } from 'kysely';
import type { DB, StaffTable } from '../db/schema.js';

export function findById(db: Executor, id: string) {
  return db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Case-insensitive, on the unique index over lower(email). */
export function findByEmail(db: Executor, email: string) {
  return db
    .selectFrom('staff')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/** Locks the row until the transaction ends, so two admins changing one person take turns. */
export function findByIdForUpdate(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('staff').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Enabled admins, locked: "never remove the last admin" must hold under concurrent changes. */
export async function lockEnabledAdminIds(trx: Transaction<DB>): Promise<string[]> {
  const rows = await trx
    .selectFrom('staff')
    .select('id')
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => r.id);
}

export function insert(db: Executor, values: Insertable<StaffTable>) {
  return db.insertInto('staff').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Inserts unless an account with the email exists (any case); returns the new row or undefined. */
export function insertIfAbsent(db: Executor, values: Insertable<StaffTable>) {
  return db
    .insertInto('staff')
    .values(values)
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export function update(db: Executor, id: string, values: Updateable<StaffTable>) {
  return db.updateTable('staff').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function list(db: Executor, now: Date, idleSince: Date) {
  return db
    .selectFrom('staff as s')
    .selectAll('s')
    .select((eb) =>
      eb
        .selectFrom('staff_sessions as ss')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('ss.staff_id', '=', 's.id')
        .where('ss.ended_at', 'is', null)
        .where('ss.expires_at', '>', now)
        .where('ss.last_seen_at', '>', idleSince)
        .as('active_session_count'),
    )
    .select((eb) =>
      eb
        .selectFrom('login_throttle as lt')
        .select((e) => e.fn.max('lt.locked_until').as('until'))
        .where('lt.account', '=', sql<string>`lower(s.email)`)
        .where('lt.locked_until', '>', now)
        .as('sign_in_locked_until'),
    )
    .orderBy(sql`lower(s.email)`)
    .execute();
}

export async function countAll(db: Executor): Promise<number> {
  const row = await db.selectFrom('staff').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}
