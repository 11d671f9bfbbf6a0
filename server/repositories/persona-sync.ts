import type { Kysely, Selectable, Transaction } from 'kysely';
import type { DB, PersonaSyncRunsTable } from '../db/schema.js';

/**
 * Persona backfill runs (migrations/0026; services/persona-sync.ts): one row per run, at most one `running`
 * (a unique partial index), its cursor and counts advanced once per page.
 */

export type SyncRunRow = Selectable<PersonaSyncRunsTable>;

export function latestRun(db: Kysely<DB>): Promise<SyncRunRow | undefined> {
  return db.selectFrom('persona_sync_runs').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirst();
}

export function runById(db: Kysely<DB>, id: string): Promise<SyncRunRow | undefined> {
  return db.selectFrom('persona_sync_runs').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A running run whose process stopped beating (killed, its machine gone): interrupted, so it can be resumed. */
export async function interruptStaleRuns(trx: Transaction<DB>, heartbeatBefore: Date, now: Date, message: string): Promise<string[]> {
  const rows = await trx
    .updateTable('persona_sync_runs')
    .set({ status: 'interrupted', finished_at: now, last_error: message })
    .where('status', '=', 'running')
    .where('heartbeat_at', '<', heartbeatBefore)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface NewSyncRun {
  id: string;
  startedAt: Date;
  startedBy: string;
  resumedFrom: SyncRunRow | null;
  since: Date | null;
  lowerBoundAt: Date | null;
}

/** The new run, or null when another is running (the unique index refused it). */
export async function insertRun(trx: Transaction<DB>, run: NewSyncRun): Promise<SyncRunRow | null> {
  const from = run.resumedFrom;
  const row = await trx
    .insertInto('persona_sync_runs')
    .values({
      id: run.id,
      started_at: run.startedAt,
      started_by: run.startedBy,
      status: 'running',
      resumed_from: from?.id ?? null,
      cursor: from?.cursor ?? null,
      since: from ? from.since : run.since,
      inquiries: from?.inquiries ?? 0,
      sessions: from?.sessions ?? 0,
      pages: from?.pages ?? 0,
      errors: from?.errors ?? 0,
      carried_inquiries: from?.inquiries ?? 0,
      newest_created_at: from?.newest_created_at ?? null,
      oldest_created_at: from?.oldest_created_at ?? null,
      lower_bound_at: from ? from.lower_bound_at : run.lowerBoundAt,
      heartbeat_at: run.startedAt,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

/** Whether any run finished a whole walk (its data is then a fair picture of how far back Persona's list goes). */
export async function hasCompletedWalk(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('persona_sync_runs').select('id').where('status', '=', 'done').where('since', 'is', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The oldest inquiry's creation time in this database (the `(created_at, id)` index's first entry). */
export async function oldestInquiryCreatedAt(db: Kysely<DB>): Promise<Date | null> {
  const row = await db.selectFrom('inquiries').select('created_at').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
  return row?.created_at ?? null;
}

export async function hasInquiries(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('inquiries').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

export interface PageDone {
  cursor: string | null;
  inquiries: number;
  sessions: number;
  errors: number;
  lastError: string | null;
  newestCreatedAt: Date | null;
  oldestCreatedAt: Date | null;
  now: Date;
}

/** One page's counts added and the cursor moved, if the run is still this process's (false: it was taken over). */
export async function pageDone(db: Kysely<DB>, id: string, page: PageDone): Promise<boolean> {
  const result = await db
    .updateTable('persona_sync_runs')
    .set((eb) => ({
      cursor: page.cursor,
      pages: eb('pages', '+', 1),
      inquiries: eb('inquiries', '+', page.inquiries),
      sessions: eb('sessions', '+', page.sessions),
      errors: eb('errors', '+', page.errors),
      ...(page.lastError !== null ? { last_error: page.lastError } : {}),
      newest_created_at: eb.fn.coalesce('newest_created_at', eb.val(page.newestCreatedAt)),
      ...(page.oldestCreatedAt ? { oldest_created_at: page.oldestCreatedAt } : {}),
      heartbeat_at: page.now,
    }))
    .where('id', '=', id)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Still this process's run: its heartbeat moved (false: it was taken over or finished elsewhere). */
export async function heartbeat(db: Kysely<DB>, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('persona_sync_runs').set({ heartbeat_at: now }).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The run's end: done (the cursor cleared), failed or interrupted (the cursor kept for the next run). */
export async function finishRun(
  db: Kysely<DB>,
  id: string,
  outcome: { status: 'done' | 'failed' | 'interrupted'; now: Date; lastError: string | null; errors?: number },
): Promise<boolean> {
  const result = await db
    .updateTable('persona_sync_runs')
    .set((eb) => ({
      status: outcome.status,
      finished_at: outcome.now,
      heartbeat_at: outcome.now,
      ...(outcome.status === 'done' ? { cursor: null } : {}),
      ...(outcome.lastError !== null ? { last_error: outcome.lastError } : {}),
      ...(outcome.errors ? { errors: eb('errors', '+', outcome.errors) } : {}),
    }))
    .where('id', '=', id)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
