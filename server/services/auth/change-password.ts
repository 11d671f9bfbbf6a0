import { setTimeout as sleep } from 'node:timers/promises';
import { hashPassword, verifyPassword } from '../../auth/passwords.js';
import { staffActor, type StaffPrincipal } from '../../auth/principal.js';
import { signInKeys } from '../../auth/throttle.js';
import type { RequestDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import * as staffSessions from '../../repositories/staff-sessions.js';
import * as staffRepo from '../../repositories/staff.js';
import { appendAuditEvent, auditRequestContext } from '../audit.js';
import { countAttempt, recordFailedSignIn, settleSuccess, tooManyAttempts } from './sign-in-throttle.js';

/**
 * A person changes their own password (required after a one-time password). Wrong current passwords count like
 * failed sign-ins from this address: towards the (account, address) lock and the account's slow-down (not the
 * address's count, which is for guesses at many accounts). Other sessions end; this one stays.
 */
export async function changeOwnPassword(
  ctx: RequestDeps,
  principal: StaffPrincipal,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  if (!ctx.config.auth.localPasswords) throw new AppError('FORBIDDEN', 'Passwords are turned off. Your identity provider manages your sign-in.');
  const staff = await staffRepo.findById(ctx.database.db, principal.id);
  if (!staff) throw new AppError('UNAUTHORIZED', 'Sign in again.');
  if (!staff.password_hash) throw new AppError('PRECONDITION_FAILED', 'Your account signs in with single sign-on and has no password.');
  const attempt = await countAttempt(ctx, signInKeys(principal.email, ctx.ip).filter((k) => k.scope !== 'ip'));
  if (attempt.refusedUntil) throw tooManyAttempts(attempt.refusedUntil, ctx.now());
  if (attempt.delayMs > 0) await sleep(attempt.delayMs);
  if (!(await verifyPassword(staff.password_hash, input.currentPassword))) {
    const lockedUntil = await recordFailedSignIn(ctx, attempt.counted, staff, 'wrong_password');
    if (lockedUntil) throw tooManyAttempts(lockedUntil, ctx.now());
    throw new AppError('BAD_REQUEST', 'The current password is incorrect.');
  }
  if (input.newPassword === input.currentPassword) throw new AppError('BAD_REQUEST', 'Choose a password different from the current one.');
  const passwordHash = await hashPassword(input.newPassword);
  const now = ctx.now();
  await ctx.database.db.transaction().execute(async (trx) => {
    await staffRepo.update(trx, staff.id, { password_hash: passwordHash, must_change_password: false, password_changed_at: now, updated_at: now });
    const ended = await staffSessions.endAllForStaff(trx, staff.id, 'password_changed', now, principal.sessionId);
    await settleSuccess(trx, attempt.counted);
    await appendAuditEvent(trx, {
      actor: staffActor(principal),
      action: 'staff.password_changed',
      target: { type: 'staff', id: staff.id },
      metadata: { endedSessionCount: ended.length },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
  });
}
