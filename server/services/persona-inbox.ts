import type { Transaction } from 'kysely';
import type { Database } from '../db/index.js';
import type { DB } from '../db/schema.js';
import type { AppDeps } from '../deps.js';
import { InquiryResource, SessionResource, WebhookEvent, remoteInquiry, remoteSession } from '../providers/persona/wire.js';
import * as store from '../repositories/inquiry-store/index.js';
import * as inbox from '../repositories/persona-inbox.js';

/**
 * Persona's webhook events, applied from the inbox (docs/persona.md, "Webhooks"). The route stores a verified
 * delivery and answers at once (`eventReceived`); this applies stored events to the mirror, each in its own
 * transaction, oldest (by Persona's created-at) first — though correctness does not rest on that order: the mirror's
 * ordering rule (repositories/inquiry-store/mirror.ts) ignores any change older than what a row reflects.
 *
 * A session event whose inquiry is not mirrored yet waits: tried again with backoff, at once when its inquiry
 * arrives, and given up (outcome failed, with last_error) after MAX_ATTEMPTS tries, about four hours.
 */

export const MAX_ATTEMPTS = 15;
const BACKOFF_CAP_SECONDS = 3600;
/** Finished events are kept this long: a replay of an event still in the inbox is recognised by its id. */
const RETENTION_MS = 30 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 3_600_000;
const DRAIN_BATCH = 100;

/** Seconds before try `attempt + 1` after `attempt` tries: 2, 4, 8, … up to an hour. */
export function backoffSeconds(attempt: number): number {
  return Math.min(2 ** attempt, BACKOFF_CAP_SECONDS);
}

/** Stores a verified delivery once (its parsed body, as delivered); a replayed event id is a duplicate. */
export function eventReceived(deps: Pick<AppDeps, 'database' | 'now'>, event: WebhookEvent, body: Record<string, unknown>): Promise<{ duplicate: boolean }> {
  const attributes = event.data.attributes;
  return inbox.eventReceived(deps.database.db, {
    eventId: event.data.id,
    name: attributes.name,
    eventCreatedAt: new Date(attributes['created-at']),
    receivedAt: deps.now(),
    body,
  });
}

// The route tells this process's applier that an event arrived. Keyed by database: tests run several apps at once.
const listeners = new WeakMap<Database, Set<() => void>>();

/** Wakes the appliers started on this database in this process (other instances find the row on their interval). */
export function nudgeInboxApplier(database: Database): void {
  for (const listener of listeners.get(database) ?? []) listener();
}

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error');

/** `wakes`: the inquiry the event mirrored, whose waiting session events are due once it commits. */
type Verdict = { outcome: 'applied' | 'stale' | 'ignored'; wakes?: string } | { outcome: 'wait'; inquiryId: string } | { outcome: 'failed'; error: string };

/** One stored event against the mirror, inside the caller's transaction (which holds the inbox row). */
async function applyEvent(trx: Transaction<DB>, body: Record<string, unknown>): Promise<Verdict> {
  const parsed = WebhookEvent.safeParse(body);
  if (!parsed.success) return { outcome: 'failed', error: 'not a Persona webhook event' };
  const { payload } = parsed.data.data.attributes;
  const sourceAt = new Date(parsed.data.data.attributes['created-at']);
  const type = typeof payload.data === 'object' && payload.data !== null ? (payload.data as { type?: unknown }).type : undefined;

  if (type === 'inquiry') {
    const resource = InquiryResource.safeParse(payload.data);
    if (!resource.success) return { outcome: 'failed', error: 'payload.data is not a readable inquiry' };
    const inquiry = readable(() => remoteInquiry(resource.data));
    if (typeof inquiry === 'string') return { outcome: 'failed', error: inquiry };
    await store.lockInquiryRow(trx, inquiry.id);
    const mirrored = await store.inquiryMirrored(trx, inquiry, sourceAt);
    return { outcome: mirrored === 'stale' ? 'stale' : 'applied', wakes: inquiry.id };
  }
  if (type === 'inquiry-session') {
    const resource = SessionResource.safeParse(payload.data);
    if (!resource.success) return { outcome: 'failed', error: 'payload.data is not a readable inquiry session' };
    const session = readable(() => remoteSession(resource.data, includedInquiryId(payload.included)));
    if (typeof session === 'string') return { outcome: 'failed', error: session };
    await store.lockInquiryRow(trx, session.inquiryId);
    const mirrored = await store.sessionMirrored(trx, session, sourceAt);
    if (mirrored === 'unknown_inquiry') return { outcome: 'wait', inquiryId: session.inquiryId };
    return { outcome: mirrored === 'stale' ? 'stale' : 'applied' };
  }
  return { outcome: 'ignored' };
}

/** The mapper's answer, or why it could not read the resource (it names no template, no inquiry): never retried. */
function readable<T extends object>(map: () => T): T | string {
  try {
    return map();
  } catch (err) {
    return describe(err);
  }
}

/** The inquiry a session event's `included` carries, when the session resource does not name it. */
function includedInquiryId(included: unknown[] | undefined): string | undefined {
  for (const item of included ?? []) {
    if (typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'inquiry') {
      const id = (item as { id?: unknown }).id;
      if (typeof id === 'string') return id;
    }
  }
  return undefined;
}

export interface ApplyResult {
  applied: number;
  stale: number;
  ignored: number;
  /** Tried and left pending (a session waiting for its inquiry, an error): tried again later. */
  deferred: number;
  failed: number;
}

/**
 * Applies up to `limit` due events, oldest first, one transaction each. Several appliers (instances) may run at
 * once: each claims its rows with FOR UPDATE SKIP LOCKED.
 */
export async function applyPendingEvents(deps: Pick<AppDeps, 'database' | 'now' | 'log'>, { limit }: { limit: number }): Promise<ApplyResult> {
  const result: ApplyResult = { applied: 0, stale: 0, ignored: 0, deferred: 0, failed: 0 };
  const db = deps.database.db;
  for (let i = 0; i < limit; i++) {
    const now = deps.now();
    const held: { event: inbox.PendingEvent | null; wakes?: string } = { event: null };
    const retryOrFail = (attempts: number, waitingFor: string | null) =>
      attempts + 1 >= MAX_ATTEMPTS ? null : { at: new Date(now.getTime() + backoffSeconds(attempts + 1) * 1000), waitingFor };
    try {
      const outcome = await db.transaction().execute(async (trx) => {
        const event = await inbox.claimNextEvent(trx, now);
        if (!event) return null;
        held.event = event;
        const verdict = await applyEvent(trx, event.body);
        if (verdict.outcome === 'wait') {
          const retry = retryOrFail(event.attempts, verdict.inquiryId);
          await inbox.eventDeferred(trx, event.event_id, `inquiry ${verdict.inquiryId} is not mirrored yet`, retry);
          return retry ? 'deferred' : 'failed';
        }
        if (verdict.outcome === 'failed') {
          await inbox.eventDeferred(trx, event.event_id, verdict.error, null);
          return 'failed';
        }
        await inbox.eventApplied(trx, event.event_id, verdict.outcome, now);
        if (verdict.wakes) held.wakes = verdict.wakes;
        return verdict.outcome;
      });
      if (outcome === null) break;
      result[outcome] += 1;
      if (held.wakes) await wakeWaiting(deps, held.wakes);
      if (outcome === 'failed') deps.log.warn({ eventId: held.event?.event_id, name: held.event?.name }, 'Persona webhook event not applied: given up');
    } catch (err) {
      const event = held.event;
      // Nothing claimed: the database itself failed. Stop; the next drain starts over.
      if (!event) throw err;
      // The apply failed and rolled back: count the try outside it, so a poisoned event cannot hold the queue.
      const retry = retryOrFail(event.attempts, null);
      await inbox.eventDeferred(db, event.event_id, describe(err), retry);
      deps.log.warn({ eventId: event.event_id, name: event.name, err: { name: (err as Error).name }, attempts: event.attempts + 1 }, 'Persona webhook event failed to apply');
      result[retry ? 'deferred' : 'failed'] += 1;
    }
  }
  return result;
}

/**
 * Session events that arrived before their inquiry are due now that it is mirrored: after the inquiry's transaction
 * has committed, not inside it. Inside, it would hold the inquiry's row while waiting for an event another applier
 * holds — and that applier may be waiting for the inquiry's row (a deadlock). Best effort: an event not woken here
 * is tried again after its backoff.
 */
async function wakeWaiting(deps: Pick<AppDeps, 'database' | 'log'>, inquiryId: string): Promise<void> {
  try {
    await inbox.eventsWoken(deps.database.db, inquiryId);
  } catch (err) {
    deps.log.warn({ err: { name: (err as Error).name } }, 'Persona webhook events waiting for an inquiry not woken: they are tried again after their backoff');
  }
}

/** A running applier: call it to stop; `drained()` resolves when the drain under way (if any) is over. */
export interface InboxApplier {
  (): void;
  drained(): Promise<void>;
}

/**
 * Applies the inbox in the background: at once (what a crash after the 2xx left behind), whenever the route nudges
 * it, and every `intervalMs` (retries, events another instance received). One drain at a time per applier.
 */
export function startInboxApplier(deps: Pick<AppDeps, 'database' | 'now' | 'log'>, options: { intervalMs?: number } = {}): InboxApplier {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastPrune = 0;

  const drainOnce = async () => {
    for (;;) {
      const done = await applyPendingEvents(deps, { limit: DRAIN_BATCH });
      const tried = done.applied + done.stale + done.ignored + done.deferred + done.failed;
      if (done.applied + done.stale + done.failed > 0) deps.log.debug(done, 'Persona webhook events applied');
      if (tried < DRAIN_BATCH || stopped) break;
    }
    const now = deps.now().getTime();
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      await inbox.finishedEventsPruned(deps.database.db, new Date(now - RETENTION_MS));
    }
  };
  const drain = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drainOnce();
        } catch (err) {
          deps.log.error({ err }, 'Persona webhook inbox: drain failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const listener = () => void drain();
  const set = listeners.get(deps.database) ?? new Set();
  set.add(listener);
  listeners.set(deps.database, set);
  void drain();
  const timer = setInterval(() => void drain(), options.intervalMs ?? 10_000);
  timer.unref();

  const stop = () => {
    stopped = true;
    clearInterval(timer);
    set.delete(listener);
  };
  return Object.assign(stop, { drained: () => running ?? Promise.resolve() });
}
