import { sql, type Kysely, type Transaction } from 'kysely';
import { prepared } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';
import { addTimelineEvent } from './events.js';
import { refreshLiveSessionUntil, sessionLiveAt, sessionOpen } from './live-sessions.js';

/** Who a session or link was issued to or by: staff, a partner's API key, the system, or the end user themself. */
export interface IssuerRow {
  issued_by_type: 'staff' | 'partner' | 'system' | 'end_user';
  issued_by_id: string | null;
  issued_by_display: string | null;
  reason: string | null;
  ticket: string | null;
}

/** A session row to insert (with its inquiry's UPDATE: see inquiries.ts, accessGranted). */
export interface NewSessionRow extends IssuerRow {
  id: string;
  inquiry_id: string;
  created_at: Date;
  expires_at: Date;
  token_fingerprint: string;
}

/** How many sessions of the inquiry are live at `now` (the session cap counts these). */
export async function countLiveSessions(trx: Transaction<DB>, inquiryId: string, now: Date): Promise<number> {
  const live = await prepared(sql<{ n: number }>`select count(*)::int as n from inquiry_sessions s
    where s.inquiry_id = ${inquiryId} and ${sessionLiveAt('s', now)}`).execute(trx);
  return live.rows[0]?.n ?? 0;
}

/**
 * The ids of the inquiry's live sessions, or only of those attributed to `issuedById`: issued to them, or handed to
 * them again later (session_handouts: a reused session belongs to everyone who received its token).
 */
export async function liveSessionIds(trx: Kysely<DB>, inquiryId: string, now: Date, issuedById: string | null): Promise<string[]> {
  const issuer =
    issuedById === null
      ? sql``
      : sql`and (s.issued_by_id = ${issuedById}
          or exists (select 1 from session_handouts h where h.session_id = s.id and h.handed_to_id = ${issuedById}))`;
  const result = await sql<{ id: string }>`select s.id from inquiry_sessions s
    where s.inquiry_id = ${inquiryId} and ${sessionLiveAt('s', now)} ${issuer}`.execute(trx);
  return result.rows.map((row) => row.id);
}

/** Whether a session of this inquiry was issued to this person or handed to them by a later resume, live or not. */
export async function sessionHeldBy(trx: Kysely<DB>, inquiryId: string, sessionId: string, staffId: string): Promise<boolean> {
  const result = await sql<{ held: boolean }>`select exists (select 1 from inquiry_sessions s
    where s.id = ${sessionId} and s.inquiry_id = ${inquiryId}
      and (s.issued_by_id = ${staffId} or exists (select 1 from session_handouts h where h.session_id = s.id and h.handed_to_id = ${staffId}))) as held`.execute(trx);
  return result.rows[0]?.held === true;
}

/** A session row by id: enough to re-derive its token, or to decide whether it still opens the flow. */
export function findSession(trx: Transaction<DB>, sessionId: string) {
  return trx
    .selectFrom('inquiry_sessions')
    .select(['id', 'inquiry_id', 'created_at', 'expires_at', 'started_at', 'expired_at', 'revoked_at'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
}

/**
 * Sessions ended early: all open sessions of the inquiry, or only those named. `expired` when the inquiry or the
 * vendor ends them, `revoked` when a person does. Keeps live_session_until. Returns how many ended.
 */
export async function sessionsEnded(
  trx: Transaction<DB>,
  /** `createdBy`: only sessions created by then (an expiry reported late must not end a session made after it). */
  target: { inquiryId: string; sessionIds?: readonly string[]; createdBy?: Date },
  now: Date,
  how: 'expired' | 'revoked',
): Promise<number> {
  if (target.sessionIds?.length === 0) return 0;
  let query = trx.updateTable('inquiry_sessions').where('inquiry_id', '=', target.inquiryId).where(sessionOpen('inquiry_sessions'));
  if (target.sessionIds) query = query.where('id', 'in', target.sessionIds);
  if (target.createdBy) query = query.where('created_at', '<=', target.createdBy);
  const result = await (how === 'revoked' ? query.set({ revoked_at: now }) : query.set({ expired_at: now })).executeTakeFirst();
  const ended = Number(result.numUpdatedRows);
  if (ended > 0) await refreshLiveSessionUntil(trx, [target.inquiryId]);
  return ended;
}

/** The end user used a session (opened the flow, took a step); its first use is Persona's inquiry-session.started. */
export async function sessionUsed(trx: Transaction<DB>, session: { inquiryId: string; sessionId: string; firstUse: boolean }, now: Date): Promise<void> {
  await trx
    .updateTable('inquiry_sessions')
    .set(session.firstUse ? { started_at: now, last_used_at: now } : { last_used_at: now })
    .where('id', '=', session.sessionId)
    .execute();
  if (session.firstUse) await addTimelineEvent(trx, session.inquiryId, now, { kind: 'session.started', detail: { sessionId: session.sessionId } });
}
