import type { Insertable, Selectable, Transaction } from 'kysely';
import type { DB, TokenLinkRequestsTable } from '../db/schema.js';
import type { Executor } from './executor.js';

/**
 * Token link requests under the two-person rule (migrations/0022, docs/two-person-rule.md). Only the state of a
 * request lives here; the link an approval issues is written by the inquiry store (access_links) like any other.
 */

export type TokenLinkRequestRow = Selectable<TokenLinkRequestsTable>;
/** A request with its issued link's expiry and whether that link still opens the inquiry (false when none). */
export type TokenLinkRequestView = TokenLinkRequestRow & { link_expires_at: Date | null; link_live: boolean };

export async function insertRequest(trx: Transaction<DB>, row: Insertable<TokenLinkRequestsTable>): Promise<void> {
  await trx.insertInto('token_link_requests').values(row).execute();
}

/** This person's pending request for this inquiry, if any (the caller holds the inquiry's row lock). */
export function pendingRequestOf(trx: Transaction<DB>, inquiryId: string, requesterId: string) {
  return trx
    .selectFrom('token_link_requests')
    .select(['id', 'expires_at'])
    .where('inquiry_id', '=', inquiryId)
    .where('requested_by_id', '=', requesterId)
    .where('state', '=', 'pending')
    .executeTakeFirst();
}

/** The request, unlocked (to learn its inquiry before the inquiry's row lock is taken). */
export function findRequest(db: Executor, id: string) {
  return db.selectFrom('token_link_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The request, locked until the transaction ends: read by a statement after any lock the caller waited for. */
export function lockRequest(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('token_link_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function requestApproved(
  trx: Transaction<DB>,
  id: string,
  decision: { at: Date; byId: string; byDisplay: string; reason: string; linkId: string },
): Promise<void> {
  await trx
    .updateTable('token_link_requests')
    .set({ state: 'approved', decided_at: decision.at, decided_by_id: decision.byId, decided_by_display: decision.byDisplay, decision_reason: decision.reason, link_id: decision.linkId })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

export async function requestRejected(trx: Transaction<DB>, id: string, decision: { at: Date; byId: string; byDisplay: string; reason: string }): Promise<void> {
  await trx
    .updateTable('token_link_requests')
    .set({ state: 'rejected', decided_at: decision.at, decided_by_id: decision.byId, decided_by_display: decision.byDisplay, decision_reason: decision.reason })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** Marks an approved request collected, once: false when it already was (or is not approved). */
export async function requestCollected(trx: Transaction<DB>, id: string, at: Date): Promise<boolean> {
  const result = await trx
    .updateTable('token_link_requests')
    .set({ collected_at: at })
    .where('id', '=', id)
    .where('state', '=', 'approved')
    .where('collected_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Up to `limit` pending requests past their expiry become `expired` (decided at their expiry), skipping rows another
 * transaction holds (an approval in flight decides those). Returns what the audit events need.
 */
export async function expireDueRequests(trx: Transaction<DB>, now: Date, limit: number) {
  return trx
    .updateTable('token_link_requests')
    .set((eb) => ({ state: 'expired', decided_at: eb.ref('expires_at') }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('token_link_requests')
        .select('id')
        .where('state', '=', 'pending')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit)
        .forUpdate()
        .skipLocked(),
    )
    .where('state', '=', 'pending')
    .returning(['id', 'inquiry_id', 'requested_by_id', 'requested_by_display', 'reason', 'ticket', 'created_at', 'expires_at'])
    .execute();
}

/** Requests with their link's expiry and liveness (a token link lives while it and its session do). */
function withLink(db: Executor, now: Date) {
  return db
    .selectFrom('token_link_requests as r')
    .leftJoin('access_links as l', 'l.id', 'r.link_id')
    .leftJoin('inquiry_sessions as s', 's.id', 'l.session_id')
    .selectAll('r')
    .select((eb) => [
      'l.expires_at as link_expires_at',
      eb
        .and([
          eb('l.id', 'is not', null),
          eb('l.revoked_at', 'is', null),
          eb('l.expires_at', '>', now),
          eb('l.expired_at', 'is', null),
          eb('s.revoked_at', 'is', null),
          eb('s.expired_at', 'is', null),
          eb('s.expires_at', '>', now),
        ])
        .as('link_live'),
    ]);
}

/** Pending requests, oldest first (the approvers' queue); only one person's with `requesterId`. */
export async function pendingRequests(db: Executor, now: Date, requesterId: string | null, limit: number): Promise<TokenLinkRequestView[]> {
  let query = withLink(db, now).where('r.state', '=', 'pending').where('r.expires_at', '>', now);
  if (requesterId !== null) query = query.where('r.requested_by_id', '=', requesterId);
  const rows = await query.orderBy('r.expires_at').orderBy('r.id').limit(limit).execute();
  return rows.map((row) => ({ ...row, link_live: row.link_live === true }));
}

/** One person's requests, newest first. */
export async function requestsBy(db: Executor, now: Date, requesterId: string, limit: number): Promise<TokenLinkRequestView[]> {
  const rows = await withLink(db, now)
    .where('r.requested_by_id', '=', requesterId)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ ...row, link_live: row.link_live === true }));
}

/** The link an approval issued: its session (whose token the provider re-derives) and whether it has ended. */
export function issuedLink(trx: Transaction<DB>, linkId: string) {
  return trx.selectFrom('access_links').select(['id', 'session_id', 'created_at', 'expires_at', 'expired_at', 'revoked_at']).where('id', '=', linkId).executeTakeFirst();
}
