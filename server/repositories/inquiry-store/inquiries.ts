import { sql, type Transaction } from 'kysely';
import type { DB, NewInquiry } from '../../db/schema.js';
import { writeTogether, type Write } from '../writes.js';
import { addTimelineEvent, timelineWrite, type TimelineEvent } from './events.js';
import { raiseLiveSessionUntil } from './live-sessions.js';
import { sessionsEnded, type IssuerRow, type NewSessionRow } from './sessions.js';
import { inquiryLinksRevoked, sessionLinksRevoked } from './links.js';
import { completionCounted } from './completions.js';

/**
 * Writes to `inquiries`, each with its timeline entry, in the caller's transaction. Every writer of an inquiry
 * and of its sessions takes the inquiry's row lock first (`lockInquiry`, or access.ts's lockInquiryAndName).
 */

export interface FlowInquiryRow {
  id: string;
  status: string;
  template_id: string;
  fields: Record<string, unknown>;
  expires_at: Date;
}

/** The inquiry, locked until the transaction ends: every change to it and its sessions serialises on this row. */
export function lockInquiry(trx: Transaction<DB>, id: string): Promise<FlowInquiryRow | undefined> {
  return trx.selectFrom('inquiries').select(['id', 'status', 'template_id', 'fields', 'expires_at']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Locks the inquiry row without reading the rest of it (no prefilled fields); undefined when there is none. */
export function lockInquiryRow(trx: Transaction<DB>, id: string): Promise<{ id: string } | undefined> {
  return trx.selectFrom('inquiries').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
}

/**
 * Locks several inquiry rows, in id order (so two bulk changes over overlapping sets queue instead of
 * deadlocking); returns the ids that exist.
 */
export async function lockInquiryRows(trx: Transaction<DB>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await trx.selectFrom('inquiries').select('id').where('id', 'in', [...ids]).orderBy('id').forUpdate().execute();
  return rows.map((row) => row.id);
}

export async function inquiryExpiresAt(trx: Transaction<DB>, id: string): Promise<Date> {
  const row = await trx.selectFrom('inquiries').select('expires_at').where('id', '=', id).executeTakeFirstOrThrow();
  return row.expires_at;
}

/** A new inquiry (status created), with its first timeline entry. */
export async function inquiryCreated(trx: Transaction<DB>, row: NewInquiry & { id: string; created_at: Date }): Promise<void> {
  await trx.insertInto('inquiries').values(row).execute();
  const detail = row.predecessor_id ? { replaces: row.predecessor_id } : { kind: row.kind };
  await addTimelineEvent(trx, row.id, row.created_at, { kind: 'created', detail });
}

/**
 * A new inquiry the vendor made for this console (the Persona provider's create): inserted as `inquiryCreated` does,
 * or — when the vendor's webhook was mirrored first, between an attempt that timed out and its retry — the mirrored
 * row claimed: what only the console knows (predecessor, kind, customer, policy revision) written onto it.
 */
export async function inquiryCreatedRemotely(trx: Transaction<DB>, row: NewInquiry & { id: string; created_at: Date }): Promise<void> {
  const claimed = await trx
    .insertInto('inquiries')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet((eb) => ({
          predecessor_id: eb.ref('excluded.predecessor_id'),
          kind: eb.ref('excluded.kind'),
          customer_id: eb.fn.coalesce('inquiries.customer_id', eb.ref('excluded.customer_id')),
          policy_revision_id: eb.fn.coalesce('inquiries.policy_revision_id', eb.ref('excluded.policy_revision_id')),
        }))
        .where('inquiries.predecessor_id', 'is', null),
    )
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .executeTakeFirst();
  if (!claimed) return; // already someone's successor: nothing of this request's to write
  const detail = row.predecessor_id ? { replaces: row.predecessor_id } : { kind: row.kind };
  // A claimed row has its 'created' entry from the mirror; the successor link is what is new.
  if (claimed.inserted) await addTimelineEvent(trx, row.id, row.created_at, { kind: 'created', detail });
  else if (row.predecessor_id) await addTimelineEvent(trx, row.id, row.created_at, { kind: 'created', detail: { ...detail, claimed: true } });
}

/** created → pending: the end user opened it; it now expires after the policy's after-start interval. */
export async function inquiryStarted(trx: Transaction<DB>, inquiryId: string, now: Date, expiresAt: Date): Promise<void> {
  await trx
    .updateTable('inquiries')
    .set({ status: 'pending', started_at: now, expires_at: expiresAt, updated_at: now })
    .where('id', '=', inquiryId)
    .where('status', '=', 'created')
    .execute();
  await addTimelineEvent(trx, inquiryId, now, { kind: 'started', detail: { expiresAt: expiresAt.toISOString() } });
}

/** pending → completed: the end user submitted it through this session (counted in the completion histograms). */
export async function inquiryCompleted(trx: Transaction<DB>, inquiryId: string, now: Date, sessionId: string): Promise<void> {
  const done = await trx
    .updateTable('inquiries')
    .set({ status: 'completed', completed_at: now, updated_at: now })
    .where('id', '=', inquiryId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (done.numUpdatedRows > 0n) await completionCounted(trx, inquiryId);
  await addTimelineEvent(trx, inquiryId, now, { kind: 'completed', detail: { sessionId } });
}

/** created|pending → expired before its time (`by` says why), ending its open sessions. */
export async function inquiryExpired(trx: Transaction<DB>, inquiryId: string, now: Date, by: string): Promise<void> {
  await trx
    .updateTable('inquiries')
    .set({ status: 'expired', expired_at: now, expires_at: sql`least(expires_at, ${now}::timestamptz)`, updated_at: now })
    .where('id', '=', inquiryId)
    .where('status', 'in', ['created', 'pending'])
    .execute();
  await addTimelineEvent(trx, inquiryId, now, { kind: 'expired', detail: { by } });
  await sessionsEnded(trx, { inquiryId }, now, 'expired');
}

/** The inquiry was recreated as `successorId`: its links are revoked with it. */
export async function inquiryRecreated(trx: Transaction<DB>, inquiryId: string, successorId: string, now: Date): Promise<void> {
  await inquiryLinksRevoked(trx, inquiryId, now, 'recreate');
  await addTimelineEvent(trx, inquiryId, now, { kind: 'recreated', detail: { successorId } });
}

/**
 * A person expired these sessions of the inquiry: the token links that carry them go too. `detail` adds to the
 * timeline entry (a bulk revocation's id).
 */
export async function sessionsExpiredByStaff(
  trx: Transaction<DB>,
  inquiryId: string,
  sessionIds: readonly string[],
  count: number,
  now: Date,
  by: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await sessionLinksRevoked(trx, sessionIds, now, by);
  await addTimelineEvent(trx, inquiryId, now, { kind: 'sessions.expired', detail: { ...detail, count } });
}

/** The vendor issued a one-time link for the inquiry (the link's own row is written by linkIssued). */
export async function oneTimeLinkCreated(trx: Transaction<DB>, inquiryId: string, linkId: string, expiresAt: Date, now: Date): Promise<void> {
  await addTimelineEvent(trx, inquiryId, now, { kind: 'one_time_link.created', detail: { linkId, expiresAt: expiresAt.toISOString() } });
}

/**
 * What handing out access changes about a locked inquiry, as one statement: the inquiry reopened (expired →
 * pending with a new expiry) or only touched, a new session, and their timeline entries ('resumed', then
 * 'session.issued'). A new session raises live_session_until in the same UPDATE of the inquiry row: writes
 * batched into one statement must never change the same row twice.
 */
export interface AccessChange {
  inquiryId: string;
  now: Date;
  /** Reopened with this expiry, touched, or left alone. */
  inquiry: { reopenedUntil: Date } | 'touched' | null;
  session: NewSessionRow | null;
  /**
   * An existing live session handed out again (Persona's reuse of an unused session), and to whom: recorded in
   * session_handouts, so the session is attributed to each person it was handed to, and on the timeline.
   */
  handout?: { sessionId: string; to: IssuerRow };
}

export async function accessGranted(trx: Transaction<DB>, change: AccessChange): Promise<void> {
  const { inquiryId, now, inquiry, session, handout } = change;
  const writes: Write[] = [];
  const events: TimelineEvent[] = [];
  const sets = [
    ...(inquiry && inquiry !== 'touched' ? [sql`status = 'pending'`, sql`expires_at = ${inquiry.reopenedUntil}`, sql`expired_at = null`] : []),
    ...(inquiry ? [sql`updated_at = ${now}`] : []),
    ...(session ? [raiseLiveSessionUntil(session.expires_at)] : []),
  ];
  if (sets.length > 0) writes.push(sql`update inquiries set ${sql.join(sets)} where id = ${inquiryId}`);
  if (inquiry && inquiry !== 'touched') events.push({ kind: 'resumed', detail: { from: 'expired', expiresAt: inquiry.reopenedUntil.toISOString() } });
  if (session) {
    writes.push(sql`insert into inquiry_sessions
        (id, inquiry_id, created_at, expires_at, token_fingerprint, issued_by_type, issued_by_id, issued_by_display, reason, ticket)
      values (${session.id}, ${session.inquiry_id}, ${session.created_at}, ${session.expires_at}, ${session.token_fingerprint},
        ${session.issued_by_type}, ${session.issued_by_id}, ${session.issued_by_display}, ${session.reason}, ${session.ticket})`);
    events.push({ kind: 'session.issued', detail: { sessionId: session.id, by: session.issued_by_type, expiresAt: session.expires_at.toISOString() } });
  }
  if (handout) {
    const to = handout.to;
    writes.push(sql`insert into session_handouts (session_id, handed_at, handed_to_type, handed_to_id, handed_to_display, reason, ticket)
      values (${handout.sessionId}, ${now}, ${to.issued_by_type}, ${to.issued_by_id}, ${to.issued_by_display}, ${to.reason}, ${to.ticket})`);
    events.push({ kind: 'session.handed_out', detail: { sessionId: handout.sessionId, by: to.issued_by_type } });
  }
  if (events.length > 0) writes.push(timelineWrite(inquiryId, now, events));
  await writeTogether(trx, writes);
}
