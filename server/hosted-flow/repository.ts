import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { DEFAULT_POLICY, type ExpirationPolicy } from '../providers/local/lifecycle.js';

/** SQL of the hosted flow, no rules. Functions that lock take a Transaction, so a caller must hold one. */

export interface FlowInquiryRow {
  id: string;
  status: string;
  template_id: string;
  fields: Record<string, unknown>;
  expires_at: Date;
}

/** The inquiry, locked until the transaction ends: every step of the flow serialises on this row. */
export function lockInquiry(trx: Transaction<DB>, id: string): Promise<FlowInquiryRow | undefined> {
  return trx.selectFrom('inquiries').select(['id', 'status', 'template_id', 'fields', 'expires_at']).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** The policy in force for a template: its newest revision (or the defaults when it has none). */
export async function policyFor(trx: Transaction<DB>, templateId: string): Promise<ExpirationPolicy> {
  const row = await trx
    .selectFrom('policy_revisions')
    .select(['after_create_minutes', 'after_start_minutes', 'after_resume_minutes', 'one_time_link_minutes'])
    .where('template_id', '=', templateId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return DEFAULT_POLICY;
  return {
    afterCreateMinutes: row.after_create_minutes,
    afterStartMinutes: row.after_start_minutes,
    afterResumeMinutes: row.after_resume_minutes,
    oneTimeLinkMinutes: row.one_time_link_minutes,
  };
}

export async function markStarted(trx: Transaction<DB>, inquiryId: string, now: Date, expiresAt: Date): Promise<void> {
  await trx
    .updateTable('inquiries')
    .set({ status: 'pending', started_at: now, expires_at: expiresAt, updated_at: now })
    .where('id', '=', inquiryId)
    .where('status', '=', 'created')
    .execute();
}

export async function markCompleted(trx: Transaction<DB>, inquiryId: string, now: Date): Promise<void> {
  await trx
    .updateTable('inquiries')
    .set({ status: 'completed', completed_at: now, updated_at: now })
    .where('id', '=', inquiryId)
    .where('status', '=', 'pending')
    .execute();
}

export async function addEvent(trx: Transaction<DB>, inquiryId: string, now: Date, kind: string, detail: Record<string, unknown>): Promise<void> {
  await trx.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: now, kind, detail: JSON.stringify(detail) }).execute();
}

export function findSession(trx: Transaction<DB>, sessionId: string) {
  return trx
    .selectFrom('inquiry_sessions')
    .select(['id', 'inquiry_id', 'created_at', 'expires_at', 'started_at', 'expired_at', 'revoked_at'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
}

/** A revoked token link takes its session with it, even if the session row itself was missed. */
export async function hasRevokedLink(trx: Transaction<DB>, sessionId: string): Promise<boolean> {
  const row = await trx.selectFrom('access_links').select('id').where('session_id', '=', sessionId).where('revoked_at', 'is not', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function touchSession(trx: Transaction<DB>, sessionId: string, now: Date, firstUse: boolean): Promise<void> {
  await trx
    .updateTable('inquiry_sessions')
    .set(firstUse ? { started_at: now, last_used_at: now } : { last_used_at: now })
    .where('id', '=', sessionId)
    .execute();
}

/** Counts one use of the token link whose session this is (a link opened from the address bar or the SDK). */
export async function countTokenLinkUse(trx: Transaction<DB>, sessionId: string, now: Date): Promise<void> {
  await trx
    .updateTable('access_links')
    .set((eb) => ({ use_count: eb('use_count', '+', 1), last_used_at: now, first_used_at: eb.fn.coalesce('first_used_at', eb.val(now)) }))
    .where('session_id', '=', sessionId)
    .where('kind', '=', 'token')
    .where('revoked_at', 'is', null)
    .execute();
}

/** Which inquiry a one-time code belongs to (unlocked: the caller locks the inquiry, then the link). */
export function findOneTimeLink(db: Kysely<DB>, codeHash: string) {
  return db.selectFrom('access_links').select(['id', 'inquiry_id']).where('code_hash', '=', codeHash).where('kind', '=', 'one_time').executeTakeFirst();
}

export function lockOneTimeLink(trx: Transaction<DB>, linkId: string) {
  return trx
    .selectFrom('access_links')
    .select(['id', 'inquiry_id', 'session_id', 'expires_at', 'first_used_at', 'revoked_at'])
    .where('id', '=', linkId)
    .forUpdate()
    .executeTakeFirst();
}

export async function recordOneTimeLinkUse(trx: Transaction<DB>, linkId: string, sessionId: string, now: Date): Promise<void> {
  await trx
    .updateTable('access_links')
    .set((eb) => ({
      session_id: sessionId,
      use_count: eb('use_count', '+', 1),
      last_used_at: now,
      first_used_at: eb.fn.coalesce('first_used_at', eb.val(now)),
    }))
    .where('id', '=', linkId)
    .execute();
}

export function findTemplate(db: Kysely<DB>, templateId: string) {
  return db.selectFrom('templates').select(['id', 'latest_version_id']).where('id', '=', templateId).executeTakeFirst();
}
