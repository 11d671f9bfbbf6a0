import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Write } from '../writes.js';

/**
 * The inquiry's timeline (`inquiry_events`): what happened to it, in order. Not the audit log — no actor, no
 * chain — but what the detail page shows. Only the store's own modules write it, each beside the change it
 * describes, so a change and its timeline entry cannot drift apart.
 */
export interface TimelineEvent {
  kind: string;
  detail: Record<string, unknown>;
}

/** The timeline rows for one inquiry at one moment, in the order given: a write for writeTogether. */
export function timelineWrite(inquiryId: string, at: Date, events: readonly TimelineEvent[]): Write {
  const rows = events.map((e) => sql`(${inquiryId}, ${at}, ${e.kind}, ${JSON.stringify(e.detail)}::jsonb)`);
  return sql`insert into inquiry_events (inquiry_id, occurred_at, kind, detail) values ${sql.join(rows)}`;
}

export async function addTimelineEvent(trx: Transaction<DB>, inquiryId: string, at: Date, event: TimelineEvent): Promise<void> {
  await trx.insertInto('inquiry_events').values({ inquiry_id: inquiryId, occurred_at: at, kind: event.kind, detail: JSON.stringify(event.detail) }).execute();
}
