import { setTimeout as sleep } from 'node:timers/promises';
import { verifyAgainstDummy, verifyPassword } from '../../auth/passwords.js';
import { staffActor } from '../../auth/principal.js';
import { signInKeys } from '../../auth/throttle.js';
import type { RequestDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import * as throttle from '../../repositories/auth-throttle.js';
import * as staffRepo from '../../repositories/staff.js';
import { appendAuditEvent, auditRequestContext } from '../audit.js';
import { countAttempt, recordFailedSignIn, settleSuccess, tooManyAttempts, type FailureCause } from './sign-in-throttle.js';
import { openStaffSession, purgeStaffSessionHistory, type NewStaffSession } from './staff-sessions.js';
import type { LoginInput } from '../../../shared/auth.js';

export const WRONG_CREDENTIALS = 'Email or password is incorrect.';

/**
 * Password sign-in. Every way of failing (no such account, wrong password, SSO-only, disabled) gives the same
 * answer after the same work (one argon2 verification), and locks apply to unknown emails exactly as to real
 * ones, so neither the message, the timing nor a lock-out tells whether an email has an account.
 * Locks are per (account, address) and per address; guesses at one account from many addresses only make each
 * attempt on it wait a few seconds (server/auth/throttle.ts), so nobody elsewhere can lock the owner out.
 */
export async function signInWithPassword(ctx: RequestDeps, input: LoginInput): Promise<NewStaffSession> {
  if (!ctx.config.auth.localPasswords) {
    throw new AppError('FORBIDDEN', 'Password sign-in is turned off. Sign in with single sign-on.');
  }
  const attempt = await countAttempt(ctx, signInKeys(input.email, ctx.ip));
  if (attempt.refusedUntil) {
    ctx.log.warn({ requestId: ctx.requestId }, 'sign-in refused: locked out');
    throw tooManyAttempts(attempt.refusedUntil, ctx.now());
  }
  // The account's slow-down: counted (and committed) first, so parallel guesses all wait too; no connection is held.
  if (attempt.delayMs > 0) await sleep(attempt.delayMs);

  const staff = await staffRepo.findByEmail(ctx.database.db, input.email.trim());
  const verified = staff?.password_hash ? await verifyPassword(staff.password_hash, input.password) : await verifyAgainstDummy(input.password);
  if (!staff || !verified || staff.disabled_at) {
    const cause: FailureCause = !staff ? 'unknown_account' : !staff.password_hash ? 'no_password' : !verified ? 'wrong_password' : 'disabled';
    const lockedUntil = await recordFailedSignIn(ctx, attempt.counted, staff, cause);
    if (lockedUntil) throw tooManyAttempts(lockedUntil, ctx.now());
    throw new AppError('UNAUTHORIZED', WRONG_CREDENTIALS);
  }

  const now = ctx.now();
  const session = await ctx.database.db.transaction().execute(async (trx) => {
    await settleSuccess(trx, attempt.counted);
    const opened = await openStaffSession(trx, ctx, staff, 'password');
    await appendAuditEvent(trx, {
      actor: staffActor(staff),
      action: 'auth.login',
      target: { type: 'staff', id: staff.id },
      metadata: { method: 'password', sessionId: opened.sessionId },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
    return opened;
  });
  await housekeeping(ctx);
  return session;
}

/** Opportunistic clean-up after a successful sign-in; failures here never fail the sign-in. */
async function housekeeping(ctx: RequestDeps): Promise<void> {
  const now = ctx.now();
  try {
    await throttle.purgeStale(ctx.database.db, new Date(now.getTime() - 24 * 60 * 60_000), now);
    await purgeStaffSessionHistory(ctx.database.db, now);
  } catch (err) {
    ctx.log.warn({ err }, 'sign-in housekeeping failed');
  }
}

