import type { Kysely, Transaction } from 'kysely';
import type { AccessLinkRow, DB } from '../../db/schema.js';
import { addTimelineEvent } from './events.js';
import type { IssuerRow } from './sessions.js';

/**
 * Access links (`access_links`): one-time links and links with a session token appended. The console's record
 * of what it handed out; for the local engine also what the hosted flow redeems.
 */
export type NewLinkRow = IssuerRow &
  Pick<AccessLinkRow, 'id' | 'inquiry_id' | 'kind' | 'code_hash' | 'session_id' | 'token_fingerprint' | 'created_at' | 'expires_at'> &
  /** A one-time link emailed to the address on file: the address masked, never in full (migrations/0013). */
  Partial<Pick<AccessLinkRow, 'emailed_to_masked' | 'emailed_at' | 'email_message_id'>> &
  /** The inquiry's version and its template's latest then: the version gap the link was issued over (migrations/0018). */
  Partial<Pick<AccessLinkRow, 'inquiry_version_number' | 'latest_version_number'>>;

/**
 * A link was issued. Its timeline entry is the provider's (a one-time link) or its session's (a token link); an
 * emailed link's send is recorded on its row and in its audit event.
 */
export async function linkIssued(trx: Transaction<DB>, link: NewLinkRow): Promise<void> {
  await trx.insertInto('access_links').values(link).execute();
  if (link.emailed_to_masked && link.emailed_at) {
    await addTimelineEvent(trx, link.inquiry_id, link.emailed_at, { kind: 'one_time_link.emailed', detail: { linkId: link.id, to: link.emailed_to_masked } });
  }
}

/** The link row, locked until the transaction ends. */
/**
 * A link is past its expiry once the expiry sweep marked it (migrations/0027) or its own expiry has passed, whichever
 * comes first — as the access report reads it — so that an instance whose clock is behind the sweeper's does not
 * open or count as live a link the report already calls expired.
 */
export function linkExpired(link: { expires_at: Date; expired_at: Date | null }, now: Date): boolean {
  return link.expired_at !== null || link.expires_at <= now;
}

export function lockLink(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('access_links').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findLinkInquiry(trx: Transaction<DB>, id: string) {
  return trx.selectFrom('access_links').select(['inquiry_id', 'code_hash']).where('id', '=', id).executeTakeFirst();
}

/**
 * A person revoked one link (its session, if any, is ended by the provider). `detail` adds to the timeline entry
 * (a bulk revocation's id: the one audit event that names the whole set).
 */
export async function linkRevoked(
  trx: Transaction<DB>,
  link: Pick<AccessLinkRow, 'id' | 'inquiry_id' | 'kind'>,
  now: Date,
  by: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await trx.updateTable('access_links').set({ revoked_at: now, revoked_by: by }).where('id', '=', link.id).execute();
  await addTimelineEvent(trx, link.inquiry_id, now, { kind: 'link.revoked', detail: { ...detail, linkId: link.id, kind: link.kind } });
}

/** Sessions a person expired take the token links that carry them along. */
export async function sessionLinksRevoked(trx: Transaction<DB>, sessionIds: readonly string[], now: Date, by: string): Promise<void> {
  if (sessionIds.length === 0) return;
  await trx.updateTable('access_links').set({ revoked_at: now, revoked_by: by }).where('session_id', 'in', sessionIds).where('revoked_at', 'is', null).execute();
}

/** Every link of an inquiry that is not revoked yet, revoked (a recreated inquiry's links die with it). */
export async function inquiryLinksRevoked(trx: Transaction<DB>, inquiryId: string, now: Date, by: string): Promise<void> {
  await trx.updateTable('access_links').set({ revoked_at: now, revoked_by: by }).where('inquiry_id', '=', inquiryId).where('revoked_at', 'is', null).execute();
}

export function listLinks(db: Kysely<DB>, inquiryId: string) {
  return db.selectFrom('access_links').selectAll().where('inquiry_id', '=', inquiryId).orderBy('created_at', 'desc').limit(100).execute();
}

/** A revoked token link takes its session with it, even if the session row itself was missed. */
export async function hasRevokedLink(trx: Transaction<DB>, sessionId: string): Promise<boolean> {
  const row = await trx.selectFrom('access_links').select('id').where('session_id', '=', sessionId).where('revoked_at', 'is not', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Which inquiry a one-time code belongs to (unlocked: the caller locks the inquiry, then the link). */
export function findOneTimeLink(db: Kysely<DB>, codeHash: string) {
  return db.selectFrom('access_links').select(['id', 'inquiry_id']).where('code_hash', '=', codeHash).where('kind', '=', 'one_time').executeTakeFirst();
}

export function lockOneTimeLink(trx: Transaction<DB>, linkId: string) {
  return trx
    .selectFrom('access_links')
    .select(['id', 'inquiry_id', 'session_id', 'expires_at', 'expired_at', 'first_used_at', 'revoked_at'])
    .where('id', '=', linkId)
    .forUpdate()
    .executeTakeFirst();
}

/** A one-time link was redeemed: it now belongs to the session it opened. */
export async function oneTimeLinkUsed(trx: Transaction<DB>, linkId: string, sessionId: string, now: Date): Promise<void> {
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

/** A token link was opened (from the address bar or the SDK): counts one use of the link whose session this is. */
export async function tokenLinkUsed(trx: Transaction<DB>, sessionId: string, now: Date): Promise<void> {
  await trx
    .updateTable('access_links')
    .set((eb) => ({ use_count: eb('use_count', '+', 1), last_used_at: now, first_used_at: eb.fn.coalesce('first_used_at', eb.val(now)) }))
    .where('session_id', '=', sessionId)
    .where('kind', '=', 'token')
    .where('revoked_at', 'is', null)
    .execute();
}
