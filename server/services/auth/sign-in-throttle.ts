import type { Transaction } from 'kysely';
import { lockDurationMs, policyFor, slowdownMs, type ThrottleKey, type ThrottleScope } from '../../auth/throttle.js';
import type { AuditActor } from '../../audit/canonical.js';
import type { DB, StaffRow } from '../../db/schema.js';
import type { RequestDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import * as throttle from '../../repositories/auth-throttle.js';
import { appendAuditEvent, auditRequestContext } from '../audit.js';

/**
 * Sign-in throttling: attempts count against the (account, address) pair, the address and the account
 * (server/auth/throttle.ts has the policy); failures are audited; enough of them lock a pair or an address for a
 * while, and only slow the account down everywhere else.
 */

export function tooManyAttempts(lockedUntil: Date, now: Date): AppError {
  const seconds = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new AppError(
    'TOO_MANY_REQUESTS',
    `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds: seconds },
  );
}

/** One key's count as this attempt left it, so that a successful attempt can take its count back. */
export interface CountedKey {
  key: string;
  scope: ThrottleScope;
  failures: number;
  /** The lock this attempt set (it reached the threshold), or null. */
  lockSet: Date | null;
  /** The key's lock before this attempt (expired, since the attempt went ahead). */
  lockBefore: Date | null;
}

export type Attempt = { refusedUntil: Date } | { refusedUntil: null; counted: CountedKey[]; /** Wait this long before checking the password. */ delayMs: number };

class Refused extends Error {
  constructor(readonly until: Date) {
    super('locked');
  }
}

/**
 * Counts a sign-in attempt against its keys BEFORE the password is checked, and refuses it while a key is
 * locked. Counting first (each key's row locked while it is counted) means a burst of parallel guesses cannot
 * all slip in before the first failure is recorded: the attempt that reaches the threshold sets the lock and
 * every later one is refused. A refused attempt counts nothing (its transaction rolls back); a successful one
 * gives its count back (settleSuccess).
 */
export async function countAttempt(ctx: RequestDeps, keys: ThrottleKey[]): Promise<Attempt> {
  const now = ctx.now();
  try {
    let delayMs = 0;
    const counted = await ctx.database.db.transaction().execute(async (trx) => {
      const result: CountedKey[] = [];
      // Always in the same key order, so two attempts on the same keys cannot deadlock.
      for (const key of [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
        const policy = policyFor(key.scope);
        const resetAfterMs = 'lock' in policy ? policy.lock.resetAfterMs : policy.slow.resetAfterMs;
        const row = await throttle.countAttempt(trx, key, now, new Date(now.getTime() - resetAfterMs));
        if (row.locked_until && row.locked_until > now) throw new Refused(row.locked_until);
        let lockSet: Date | null = null;
        if ('lock' in policy) {
          const duration = lockDurationMs(policy.lock, row.failures);
          lockSet = duration === null ? null : new Date(now.getTime() + duration);
          if (lockSet) await throttle.setLockedUntil(trx, key.key, lockSet);
        } else {
          // The count includes this attempt; the wait depends on the failures before it.
          delayMs = Math.max(delayMs, slowdownMs(policy.slow, row.failures - 1));
        }
        result.push({ key: key.key, scope: key.scope, failures: row.failures, lockSet, lockBefore: row.locked_until });
      }
      return result;
    });
    return { refusedUntil: null, counted, delayMs };
  } catch (error) {
    if (error instanceof Refused) return { refusedUntil: error.until };
    throw error;
  }
}

/**
 * After a success: the pair and the account start afresh (the owner proved themselves; other addresses' pairs keep
 * their locks); the address gets this attempt (and any lock it set) back.
 */
export async function settleSuccess(trx: Transaction<DB>, counted: CountedKey[]): Promise<void> {
  for (const c of counted) {
    if (c.scope === 'ip') await throttle.takeBackAttempt(trx, c.key, c.lockSet, c.lockBefore);
    else await throttle.remove(trx, c.key);
  }
}

export type FailureCause = 'unknown_account' | 'wrong_password' | 'no_password' | 'disabled';

/**
 * Audits a failed attempt (already counted), the locks it set (scope 'pair' or 'ip'; the address is the event's
 * own), and the account's slow-down when this failure starts it. Returns the latest lock now in force.
 */
export async function recordFailedSignIn(ctx: RequestDeps, counted: CountedKey[], staff: StaffRow | undefined, cause: FailureCause): Promise<Date | null> {
  const now = ctx.now();
  // Whoever tried is unknown, so the actor is anonymous and the account is the target. The attempted email is
  // not recorded for unknown accounts: people type passwords into the email field.
  const actor: AuditActor = { type: 'staff', id: null, display: null };
  const target = staff ? { type: 'staff', id: staff.id } : null;
  const request = auditRequestContext(ctx);
  let lockedUntil: Date | null = null;
  await ctx.database.db.transaction().execute(async (trx) => {
    await appendAuditEvent(trx, { actor, action: 'auth.login_failed', target, metadata: { method: 'password', failure: cause }, request, occurredAt: now });
    for (const c of counted) {
      const policy = policyFor(c.scope);
      if ('slow' in policy && c.failures === policy.slow.threshold) {
        const metadata = { scope: c.scope, failures: c.failures, delaySeconds: slowdownMs(policy.slow, c.failures) / 1000 };
        await appendAuditEvent(trx, { actor, action: 'auth.slowed_down', target, metadata, request, occurredAt: now });
      }
      if (!c.lockSet) continue;
      if (!lockedUntil || c.lockSet > lockedUntil) lockedUntil = c.lockSet;
      const metadata = { scope: c.scope, minutes: Math.round((c.lockSet.getTime() - now.getTime()) / 60_000), failures: c.failures };
      await appendAuditEvent(trx, { actor, action: 'auth.locked_out', target, metadata, request, occurredAt: now });
    }
  });
  return lockedUntil;
}

