import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Executor } from './executor.js';

/**
 * `persona_webhook_inbox` (migrations/0025): verified Persona webhook deliveries, stored before the 2xx and applied
 * afterwards by services/persona-inbox.ts. A row is pending while its outcome is null.
 */

export interface InboxEvent {
  eventId: string;
  name: string;
  eventCreatedAt: Date;
  receivedAt: Date;
  body: Record<string, unknown>;
}

/** Stores a delivery once: false when the event id was stored already (a retry or a replay of it). */
export async function eventReceived(db: Executor, event: InboxEvent): Promise<{ duplicate: boolean }> {
  const row = await db
    .insertInto('persona_webhook_inbox')
    .values({
      event_id: event.eventId,
      name: event.name,
      event_created_at: event.eventCreatedAt,
      received_at: event.receivedAt,
      body: JSON.stringify(event.body),
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return { duplicate: row === undefined };
}

export interface PendingEvent {
  event_id: string;
  name: string;
  event_created_at: Date;
  body: Record<string, unknown>;
  attempts: number;
}

/**
 * The oldest pending event (by Persona's created-at) that is due at `now`, locked until the transaction ends;
 * rows another applier holds are skipped.
 */
export function claimNextEvent(trx: Transaction<DB>, now: Date): Promise<PendingEvent | undefined> {
  return trx
    .selectFrom('persona_webhook_inbox')
    .select(['event_id', 'name', 'event_created_at', 'body', 'attempts'])
    .where('outcome', 'is', null)
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .orderBy('event_created_at')
    .orderBy('event_id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
}

/** The event is done with: applied, stale (nothing to change) or ignored. */
export async function eventApplied(trx: Executor, eventId: string, outcome: 'applied' | 'stale' | 'ignored', at: Date): Promise<void> {
  await trx
    .updateTable('persona_webhook_inbox')
    .set((eb) => ({ outcome, applied_at: at, attempts: eb('attempts', '+', 1), next_attempt_at: null, waiting_for: null }))
    .where('event_id', '=', eventId)
    .execute();
}

/**
 * A try that did not apply: counted, with why; tried again from `retryAt`, or never again (`retryAt` null: failed).
 * `waitingFor` names the inquiry a session event waits for (eventsWoken brings it forward).
 */
export async function eventDeferred(
  db: Executor,
  eventId: string,
  error: string,
  retry: { at: Date; waitingFor: string | null } | null,
): Promise<void> {
  await db
    .updateTable('persona_webhook_inbox')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_error: error.slice(0, 500),
      next_attempt_at: retry?.at ?? null,
      waiting_for: retry?.waitingFor ?? null,
      ...(retry ? {} : { outcome: 'failed' as const }),
    }))
    .where('event_id', '=', eventId)
    .where('outcome', 'is', null)
    .execute();
}

/** Pending events waiting for this inquiry are due at once (it has just been mirrored). */
export async function eventsWoken(trx: Executor, inquiryId: string): Promise<void> {
  await trx
    .updateTable('persona_webhook_inbox')
    .set({ next_attempt_at: null, waiting_for: null })
    .where('waiting_for', '=', inquiryId)
    .where('outcome', 'is', null)
    .execute();
}

/** Deletes finished events received before `before` (a replay older than that is applied again, and found stale). */
export async function finishedEventsPruned(db: Executor, before: Date): Promise<number> {
  const result = await sql`delete from persona_webhook_inbox where outcome is not null and received_at < ${before}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
