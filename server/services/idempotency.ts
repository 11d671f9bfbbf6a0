import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import * as repo from '../repositories/access.js';
import { canonicalJson } from '../audit/canonical.js';

/**
 * Idempotency keys: the first request with a key does the work and records its result in the same
 * transaction; a retry or a double click with the same key (same person, same procedure) gets that result back
 * and creates nothing. Two requests with the same key wait for each other on an advisory lock, so the second
 * always sees the first's record. Reusing a key for different input is refused.
 */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  requestHash: string;
}

export function requestHash(input: Record<string, unknown>): string {
  const { idempotencyKey: _ignored, ...rest } = input;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Takes the key's lock; returns the recorded result of an earlier request with the same key, if any. */
export async function claim<T>(trx: Transaction<DB>, claimed: IdempotencyClaim): Promise<T | null> {
  await repo.lockName(trx, `idempotency:${claimed.scope}:${claimed.key}`);
  const existing = await repo.findIdempotent(trx, claimed.scope, claimed.key);
  if (!existing) return null;
  if (existing.request_hash !== claimed.requestHash) {
    throw new AppError('CONFLICT', 'idempotencyKey: was already used for a different request. Start the action again.');
  }
  return existing.result as T;
}

export async function record(trx: Transaction<DB>, claimed: IdempotencyClaim, result: unknown, now: Date): Promise<void> {
  await repo.saveIdempotent(trx, { scope: claimed.scope, key: claimed.key, request_hash: claimed.requestHash, result, created_at: now });
}
