import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { addTimelineEvent } from './events.js';

/**
 * A `created` inquiry started from its bare id: `/verify?inquiry-id=…` with no one-time code and no session token,
 * which anyone who can read the id can open. Its timeline entry says when, from which address and which session the
 * visit got; the hosted flow reads that entry back to keep showing that session the prefilled details masked.
 */
export const STARTED_FROM_BARE_ID = 'started_from_bare_id';

export interface BareIdStart {
  sessionId: string;
  /** The client address as the rate limits count it: IPv4 as is, IPv6 by its /64. */
  address: string;
  /** `/verify` or `/widget`. */
  via: string;
}

export async function inquiryStartedFromBareId(trx: Transaction<DB>, inquiryId: string, now: Date, start: BareIdStart): Promise<void> {
  // The entry's trigger marks the session from_bare_id, where the access report lists bare-id starts (migrations/0027).
  await addTimelineEvent(trx, inquiryId, now, { kind: STARTED_FROM_BARE_ID, detail: { address: start.address, via: start.via, sessionId: start.sessionId } });
}

/** Whether `sessionId` is the session a bare-id visit of this inquiry started. */
export async function isBareIdSession(trx: Transaction<DB>, inquiryId: string, sessionId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('inquiry_events')
    .select('id')
    .where('inquiry_id', '=', inquiryId)
    .where('kind', '=', STARTED_FROM_BARE_ID)
    .where(sql<string>`detail->>'sessionId'`, '=', sessionId)
    .executeTakeFirst();
  return row !== undefined;
}
