import type { Executor } from './executor.js';
import { sql, type Insertable } from 'kysely';
import type { StaffSessionsTable } from '../db/schema.js';
import { prepared } from '../db/prepared.js';

/** staff_sessions: the console's sign-in sessions of staff (an inquiry's sessions live with the provider). */

export type EndReason =
  | 'logout'
  | 'idle'
  | 'expired'
  | 'disabled'
  | 'role_changed'
  | 'password_reset'
  | 'password_changed'
  | 'ended_by_admin';

export function insert(db: Executor, values: Insertable<StaffSessionsTable>) {
  return db.insertInto('staff_sessions').values(values).returningAll().executeTakeFirstOrThrow();
}

interface OpenStaffSessionRow {
  session_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  staff_id: string;
  email: string;
  display_name: string;
  role: string;
  disabled_at: Date | null;
  must_change_password: boolean;
}

/**
 * The session behind a cookie (by the cookie's hash) with its staff member, if it has not been ended. Runs on
 * every signed-in request, so it is a prepared statement (parsed and planned once per connection).
 */
export async function findOpenByTokenHash(db: Executor, tokenHash: string): Promise<OpenStaffSessionRow | undefined> {
  const result = await prepared(sql<OpenStaffSessionRow>`
    select ss.id as session_id, ss.created_at, ss.last_seen_at, ss.expires_at, s.id as staff_id, s.email,
           s.display_name, s.role, s.disabled_at, s.must_change_password
      from staff_sessions ss
      join staff s on s.id = ss.staff_id
     where ss.token_hash = ${tokenHash} and ss.ended_at is null`).execute(db);
  return result.rows[0];
}

/** Moves last_seen_at forward unless another request already did (or the session ended meanwhile). */
export async function touch(db: Executor, sessionId: string, now: Date): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ last_seen_at: now })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .where('last_seen_at', '<', now)
    .execute();
}

export async function end(db: Executor, sessionId: string, reason: EndReason, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('staff_sessions')
    .set({ ended_at: now, end_reason: reason })
    .where('id', '=', sessionId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Ends every open session of a person (optionally but one); returns the ended ids. */
export async function endAllForStaff(db: Executor, staffId: string, reason: EndReason, now: Date, exceptSessionId?: string): Promise<string[]> {
  let query = db
    .updateTable('staff_sessions')
    .set({ ended_at: now, end_reason: reason })
    .where('staff_id', '=', staffId)
    .where('ended_at', 'is', null);
  if (exceptSessionId) query = query.where('id', '<>', exceptSessionId);
  const rows = await query.returning('id').execute();
  return rows.map((r) => r.id).sort();
}

/** One session of a person, locked for the rest of the transaction (undefined if it is not theirs or does not exist). */
export function findForStaffForUpdate(db: Executor, staffId: string, sessionId: string) {
  return db
    .selectFrom('staff_sessions')
    .select(['id', 'last_seen_at', 'expires_at', 'ended_at'])
    .where('id', '=', sessionId)
    .where('staff_id', '=', staffId)
    .forUpdate()
    .executeTakeFirst();
}

export function listForStaff(db: Executor, staffId: string, limit: number) {
  return db
    .selectFrom('staff_sessions')
    .select(['id', 'method', 'created_at', 'last_seen_at', 'expires_at', 'ip', 'user_agent', 'ended_at', 'end_reason'])
    .where('staff_id', '=', staffId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Sessions that ended long ago are history; keep what an admin may want to look at, drop the rest. */
export async function purgeEndedBefore(db: Executor, before: Date): Promise<void> {
  await sql`delete from staff_sessions where id in (
    select id from staff_sessions where coalesce(ended_at, expires_at) < ${before} limit 500)`.execute(db);
}
