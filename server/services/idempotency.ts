import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import * as repo from '../repositories/access.js';
import type { Write } from '../repositories/writes.js';
import { canonicalJson } from '../audit/canonical.js';
import { sha256Hex } from '../crypto.js';
import { replayingFrom, withIdempotencyBase } from '../providers/call-context.js';

/**
 * Idempotency keys: the first request with a key does the work and records its result in the same
 * transaction; a retry or a double click with the same key (same person, same procedure) gets that result back
 * and creates nothing. Two requests with the same key wait for each other on the key's row (claimed first of
 * all, before any other lock), so the second always sees the first's record. Reusing a key for different input is refused.
 */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  requestHash: string;
}

export function requestHash(input: Record<string, unknown>): string {
  const { idempotencyKey: _ignored, ...rest } = input;
  return sha256Hex(canonicalJson(rest));
}

/**
 * Claims the key (see repo.claimIdempotent: a request with the same key waits for this transaction to end),
 * or returns the recorded result of an earlier request with the same key. After a successful claim the caller
 * must write its result with `recordWrite` before it commits, or throw.
 */
export async function claim<T>(trx: Transaction<DB>, claimed: IdempotencyClaim, now: Date, replayForMs?: number): Promise<T | null> {
  const row = { scope: claimed.scope, key: claimed.key, request_hash: claimed.requestHash, created_at: now };
  if (await repo.claimIdempotent(trx, row)) return null;
  // Past its replay window a key is new again (Persona keeps a response for 24 hours).
  if (replayForMs !== undefined && (await repo.reclaimStaleIdempotent(trx, row, new Date(now.getTime() - replayForMs)))) return null;
  // The earlier request committed (the claim waited for it): this statement's fresh snapshot sees its record.
  const existing = await repo.findIdempotent(trx, claimed.scope, claimed.key);
  if (!existing || existing.result === null) {
    throw new AppError('CONFLICT', 'idempotencyKey: the earlier request with this key left no result. Start the action again.');
  }
  if (existing.request_hash !== claimed.requestHash) {
    throw new AppError('CONFLICT', 'idempotencyKey: was already used for a different request. Start the action again.');
  }
  // A remote provider asks its vendor the same question again only while the vendor still keeps the answer.
  replayingFrom(existing.created_at);
  return existing.result as T;
}

/** The claimed key's result, as a write to run with the action's last writes (repositories/writes.ts). */
export function recordWrite(claimed: IdempotencyClaim, result: unknown): Write {
  return repo.idempotencyResultWrite(claimed.scope, claimed.key, result);
}

/**
 * The frame every idempotent action shares: the provider made ready, the clock read once, one transaction, the key claimed before
 * anything else is locked. A request whose key was already used gets the recorded result back through `replay`
 * (and creates nothing); otherwise `act` runs, and must write its result with `recordWrite(idem, …)` among its
 * last writes, or throw (which rolls the claim back with everything else).
 */
export async function idempotentAction<Stored, Output>(
  deps: Pick<AppDeps, 'database' | 'now' | 'provider'>,
  /** `replayForMs`: how long a recorded result is replayed; unset, until the record is pruned (GUARD_STATE_RETENTION_MS). */
  request: { scope: string; input: { idempotencyKey: string } & Record<string, unknown>; replayForMs?: number },
  steps: {
    replay: (trx: Transaction<DB>, stored: Stored, now: Date) => Promise<Output> | Output;
    act: (trx: Transaction<DB>, now: Date, idem: IdempotencyClaim) => Promise<Output>;
  },
): Promise<Output> {
  // Before the transaction: on the embedded database the provider could not read its secret inside it.
  await deps.provider.ready();
  const now = deps.now();
  const idem: IdempotencyClaim = { scope: request.scope, key: request.input.idempotencyKey, requestHash: requestHash(request.input) };
  // A remote provider derives its own Idempotency-Key for each effect from this claim (providers/call-context.ts).
  return withIdempotencyBase(idem.scope, idem.key, now, () =>
    deps.database.db.transaction().execute(async (trx) => {
      const stored = await claim<Stored>(trx, idem, now, request.replayForMs);
      return stored ? steps.replay(trx, stored, now) : steps.act(trx, now, idem);
    }),
  );
}
