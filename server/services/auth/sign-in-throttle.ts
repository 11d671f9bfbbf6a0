import type { Transaction } from 'kysely';
import { lockDurationMs, policyFor } from '../../auth/throttle.js';
import type { AuditActor } from '../../audit/canonical.js';
import type { DB, StaffRow } from '../../db/schema.js';
import type { RequestDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import * as throttle from '../../repositories/auth-throttle.js';
import { appendAuditEvent, auditRequestContext } from '../audit.js';

/**
 * Sign-in throttling: attempts count against the account and the address (server/auth/throttle.ts has the
 * policy), failures are audited, and enough of them lock the key for a while.
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
  failures: number;
  /** The lock this attempt set (it reached the threshold), or null. */
  lockSet: Date | null;
  /** The key's lock before this attempt (expired, since the attempt went ahead). */
  lockBefore: Date | null;
}

export type Attempt = { refusedUntil: Date } | { refusedUntil: null; counted: CountedKey[] };

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
export async function countAttempt(ctx: RequestDeps, keys: string[]): Promise<Attempt> {
  const now = ctx.now();
  try {
    const counted = await ctx.database.db.transaction().execute(async (trx) => {
      const result: CountedKey[] = [];
      // Always in the same key order, so two attempts on the same keys cannot deadlock.
      for (const key of [...keys].sort()) {
        const policy = policyFor(key);
        const row = await throttle.countAttempt(trx, key, now, new Date(now.getTime() - policy.resetAfterMs));
        if (row.locked_until && row.locked_until > now) throw new Refused(row.locked_until);
        const duration = lockDurationMs(policy, row.failures);
        const lockSet = duration === null ? null : new Date(now.getTime() + duration);
        if (lockSet) await throttle.setLockedUntil(trx, key, lockSet);
        result.push({ key, failures: row.failures, lockSet, lockBefore: row.locked_until });
      }
      return result;
    });
    return { refusedUntil: null, counted };
  } catch (error) {
    if (error instanceof Refused) return { refusedUntil: error.until };
    throw error;
  }
}

/** After a success: the account starts afresh; the address gets this attempt (and any lock it set) back. */
export async function settleSuccess(trx: Transaction<DB>, counted: CountedKey[]): Promise<void> {
  for (const c of counted) {
    if (c.key.startsWith('account:')) await throttle.remove(trx, c.key);
    else await throttle.takeBackAttempt(trx, c.key, c.lockSet, c.lockBefore);
  }
}

export type FailureCause = 'unknown_account' | 'wrong_password' | 'no_password' | 'disabled';

/**
 * Audits a failed attempt (already counted), and the locks it set. Returns the latest lock now in force.
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
      if (!c.lockSet) continue;
      if (!lockedUntil || c.lockSet > lockedUntil) lockedUntil = c.lockSet;
      const metadata = { scope: c.key.startsWith('ip:') ? 'ip' : 'account', minutes: Math.round((c.lockSet.getTime() - now.getTime()) / 60_000), failures: c.failures };
      await appendAuditEvent(trx, { actor, action: 'auth.locked_out', target, metadata, request, occurredAt: now });
    }
  });
  return lockedUntil;
}

