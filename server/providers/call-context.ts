import { AsyncLocalStorage } from 'node:async_hooks';
import { sha256Hex } from '../crypto.js';

/**
 * The console's own idempotency key, as the provider sees it. An idempotent action (services/idempotency.ts) runs
 * inside `withIdempotencyBase`; a provider that calls a remote API derives each call's `Idempotency-Key` from it
 * (`idempotencyKeyFor`), so a retry of the same action after a timeout — or a replay of a recorded one — sends the
 * same key and gets the vendor's stored answer instead of a second effect. Outside an action there is no base.
 */
const storage = new AsyncLocalStorage<{ base: string; replayOf: Date | null; now: Date }>();

/**
 * How long after the first request a replay may ask the vendor again: Persona keeps an idempotent answer for 24 hours;
 * past that the same key would be a new request (a second effect), so no key is given and the replay is refused.
 */
export const REPLAY_WINDOW_MS = 23 * 3_600_000;

/**
 * The request's deadline, for the vendor calls an action makes (server/deadline.ts: past it the person has been told
 * the server took too long). A call may take only what is left of it, less DEADLINE_MARGIN_MS for recording the
 * outcome: an action then fails in time, rolled back, instead of committing after its answer was given up on.
 */
const deadlines = new AsyncLocalStorage<number>();

/** Time kept back from a call for what follows it: the action's writes, its audit event, the commit. */
export const DEADLINE_MARGIN_MS = 500;

/** Runs `run` with its vendor calls bounded by `deadlineAt` (`performance.now()`'s clock); unbounded without one. */
export function withCallDeadline<T>(deadlineAt: number | null | undefined, run: () => Promise<T>): Promise<T> {
  return deadlineAt === null || deadlineAt === undefined ? deadlines.exit(run) : deadlines.run(deadlineAt, run);
}

/**
 * The share of the vendor's rate limit the current work may use (1: all of it). Background work — a bulk revocation
 * going on after its request — takes less, so that agents' actions still find room (rate-gate.ts, BACKFILL_SHARE).
 */
const gateShares = new AsyncLocalStorage<number>();

export function withGateShare<T>(share: number, run: () => Promise<T>): Promise<T> {
  return gateShares.run(share, run);
}

export function gateShare(): number {
  return gateShares.getStore() ?? 1;
}

/** How long a vendor call may still take (ms, ≤ 0 when none), or null outside a request with a deadline. */
export function callTimeLeftMs(): number | null {
  const at = deadlines.getStore();
  return at === undefined ? null : at - performance.now() - DEADLINE_MARGIN_MS;
}

/** `now`: the action's clock reading (a replay's age is measured from it). */
export function withIdempotencyBase<T>(scope: string, key: string, now: Date, run: () => Promise<T>): Promise<T> {
  return storage.run({ base: sha256Hex(`${scope}\n${key}`), replayOf: null, now }, run);
}

/** The current action replays a request first made at `firstAt` (the recorded idempotency row, an approval). */
export function replayingFrom(firstAt: Date): void {
  const context = storage.getStore();
  if (context) context.replayOf = firstAt;
}

/**
 * The key for one remote effect of the current action, the same on every attempt; null outside an action, and in a
 * replay of a request older than REPLAY_WINDOW_MS (the vendor no longer keeps the answer).
 */
export function idempotencyKeyFor(operation: string, target: string): string | null {
  const context = storage.getStore();
  if (!context) return null;
  if (context.replayOf && context.now.getTime() - context.replayOf.getTime() > REPLAY_WINDOW_MS) return null;
  return `idesk-${sha256Hex(`${context.base}\n${operation}\n${target}`).slice(0, 48)}`;
}
