import type { Transaction } from 'kysely';
import { newId } from '../crypto.js';
import type { DB, StaffRow } from '../db/schema.js';
import type { RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { generateOneTimePassword, hashPassword } from '../auth/passwords.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import { accountOf } from '../auth/throttle.js';
import * as signInThrottle from '../repositories/auth-throttle.js';
import * as staffSessions from '../repositories/staff-sessions.js';
import * as staffRepo from '../repositories/staff.js';
import { appendAuditEvent, auditRequestContext } from './audit.js';
import { isStaffSessionLive, STAFF_SESSION_IDLE_MS, toSignedInStaff } from './auth/staff-sessions.js';
import type { StaffListItem, StaffSession } from '../../shared/auth.js';
import type { Role } from '../../shared/permissions.js';

/**
 * Staff accounts (admin only; the router checks 'staff:manage'). Every change and its audit event, which records the
 * admin's reason, commit in one transaction; changes that alter what a person may do (role, disabled, password)
 * end their sessions at once.
 * One-time passwords are returned to the admin who asked, once, and are never logged or audited.
 */

type ActorContext = RequestDeps & { staff: StaffPrincipal };

/** `signInLockedUntil` is only read by the list; a change's answer says null, and the console refetches the list. */
function toListItem(row: StaffRow, activeSessionCount: number, signInLockedUntil: Date | null = null): StaffListItem {
  return {
    ...toSignedInStaff(row),
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
    hasPassword: row.password_hash !== null,
    mustChangePassword: row.must_change_password,
    activeSessionCount,
    signInLockedUntil,
  };
}

export async function listStaff(ctx: RequestDeps): Promise<{ items: StaffListItem[] }> {
  const now = ctx.now();
  const rows = await staffRepo.list(ctx.database.db, now, new Date(now.getTime() - STAFF_SESSION_IDLE_MS));
  return { items: rows.map((r) => toListItem(r, r.active_session_count ?? 0, r.sign_in_locked_until ?? null)) };
}

async function lockTarget(trx: Transaction<DB>, id: string): Promise<StaffRow> {
  const row = await staffRepo.findByIdForUpdate(trx, id);
  if (!row) throw new AppError('NOT_FOUND', `No staff member ${id}.`);
  return row;
}

/**
 * Locks the enabled admins, then the target. Always in this order (admins by id first), so two admins changing
 * each other at once wait for one another instead of deadlocking.
 */
async function lockAdminsAndTarget(trx: Transaction<DB>, id: string): Promise<{ target: StaffRow; enabledAdminIds: string[] }> {
  const enabledAdminIds = await staffRepo.lockEnabledAdminIds(trx);
  return { target: await lockTarget(trx, id), enabledAdminIds };
}

/** The audit event of a change an admin made to a member of staff, inside the change's transaction. */
function auditStaffChange(
  trx: Transaction<DB>,
  ctx: ActorContext,
  now: Date,
  action: string,
  staffId: string,
  reason: string,
  metadata?: Record<string, unknown>,
): Promise<void> {
  return appendAuditEvent(trx, {
    actor: staffActor(ctx.staff),
    action,
    target: { type: 'staff', id: staffId },
    reason,
    ...(metadata ? { metadata } : {}),
    request: auditRequestContext(ctx),
    occurredAt: now,
  });
}

/** The console must keep at least one enabled admin, or nobody could manage staff again. */
function assertAnotherAdminRemains(target: StaffRow, enabledAdminIds: string[], what: string): void {
  if (target.role !== 'admin' || target.disabled_at) return;
  if (enabledAdminIds.filter((id) => id !== target.id).length === 0) {
    throw new AppError('CONFLICT', `Cannot ${what} the last enabled admin. Make someone else an admin first.`);
  }
}

export async function createStaff(
  ctx: ActorContext,
  input: { email: string; displayName: string; role: Role; reason: string },
): Promise<{ staff: StaffListItem; oneTimePassword: string | null }> {
  const oneTimePassword = ctx.config.auth.localPasswords ? generateOneTimePassword() : null;
  const passwordHash = oneTimePassword ? await hashPassword(oneTimePassword) : null;
  const now = ctx.now();
  const row = await ctx.database.db.transaction().execute(async (trx) => {
    const created = await staffRepo.insertIfAbsent(trx, {
      id: newId('stf'),
      email: input.email.toLowerCase(),
      display_name: input.displayName,
      role: input.role,
      password_hash: passwordHash,
      must_change_password: passwordHash !== null,
      created_at: now,
      updated_at: now,
    });
    if (!created) throw new AppError('CONFLICT', `A staff account with the email ${input.email} already exists.`);
    await auditStaffChange(trx, ctx, now, 'staff.created', created.id, input.reason, { email: created.email, role: created.role, oneTimePasswordIssued: oneTimePassword !== null });
    return created;
  });
  return { staff: toListItem(row, 0), oneTimePassword };
}

export async function changeRole(ctx: ActorContext, input: { id: string; role: Role; reason: string }): Promise<StaffListItem> {
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const { target, enabledAdminIds } = await lockAdminsAndTarget(trx, input.id);
    if (target.role === input.role) return toListItem(target, 0);
    if (input.role !== 'admin') assertAnotherAdminRemains(target, enabledAdminIds, 'demote');
    const updated = await staffRepo.update(trx, target.id, { role: input.role, updated_at: now });
    const ended = await staffSessions.endAllForStaff(trx, target.id, 'role_changed', now);
    await auditStaffChange(trx, ctx, now, 'staff.role_changed', target.id, input.reason, { from: target.role, to: input.role, endedSessionCount: ended.length });
    return toListItem(updated, 0);
  });
}

export async function disableStaff(ctx: ActorContext, input: { id: string; reason: string }): Promise<StaffListItem> {
  if (input.id === ctx.staff.id) throw new AppError('BAD_REQUEST', 'You cannot disable your own account.');
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const { target, enabledAdminIds } = await lockAdminsAndTarget(trx, input.id);
    if (target.disabled_at) return toListItem(target, 0);
    assertAnotherAdminRemains(target, enabledAdminIds, 'disable');
    const updated = await staffRepo.update(trx, target.id, { disabled_at: now, updated_at: now });
    const ended = await staffSessions.endAllForStaff(trx, target.id, 'disabled', now);
    await auditStaffChange(trx, ctx, now, 'staff.disabled', target.id, input.reason, { endedSessionCount: ended.length });
    return toListItem(updated, 0);
  });
}

export async function enableStaff(ctx: ActorContext, input: { id: string; reason: string }): Promise<StaffListItem> {
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, input.id);
    if (!target.disabled_at) return toListItem(target, 0);
    const updated = await staffRepo.update(trx, target.id, { disabled_at: null, updated_at: now });
    await auditStaffChange(trx, ctx, now, 'staff.enabled', target.id, input.reason);
    return toListItem(updated, 0);
  });
}

/** A new one-time password; the person must choose their own at next sign-in. Ends their sessions. */
export async function resetPassword(ctx: ActorContext, input: { id: string; reason: string }): Promise<{ oneTimePassword: string }> {
  if (!ctx.config.auth.localPasswords) throw new AppError('PRECONDITION_FAILED', 'Passwords are turned off (LOCAL_PASSWORDS=off); staff sign in with SSO.');
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  const now = ctx.now();
  await ctx.database.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, input.id);
    await staffRepo.update(trx, target.id, { password_hash: passwordHash, must_change_password: true, password_changed_at: now, updated_at: now });
    const ended = await staffSessions.endAllForStaff(trx, target.id, 'password_reset', now);
    await auditStaffChange(trx, ctx, now, 'staff.password_reset', target.id, input.reason, { endedSessionCount: ended.length });
  });
  return { oneTimePassword };
}

const SESSION_LIST_LIMIT = 100;

export async function listSessions(ctx: ActorContext, input: { id: string }): Promise<{ items: StaffSession[] }> {
  const target = await staffRepo.findById(ctx.database.db, input.id);
  if (!target) throw new AppError('NOT_FOUND', `No staff member ${input.id}.`);
  const now = ctx.now();
  const rows = await staffSessions.listForStaff(ctx.database.db, target.id, SESSION_LIST_LIMIT);
  return {
    items: rows.map((r) => ({
      id: r.id,
      method: r.method === 'oidc' ? 'oidc' : 'password',
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      ip: r.ip,
      userAgent: r.user_agent,
      endedAt: r.ended_at,
      endReason: r.end_reason,
      active: isStaffSessionLive(r, now),
      current: r.id === ctx.staff.sessionId,
    })),
  };
}

export async function endSessions(ctx: ActorContext, input: { id: string; reason: string }): Promise<{ ended: number }> {
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, input.id);
    const ended = await staffSessions.endAllForStaff(trx, target.id, 'ended_by_admin', now);
    await auditStaffChange(trx, ctx, now, 'staff.sessions_ended', target.id, input.reason, { sessionIds: ended });
    return { ended: ended.length };
  });
}

/**
 * Ends one live session of a person (their other sessions keep working). An unknown id, someone else's session
 * and one that is no longer live (ended, idle or past its expiry) all answer the same NOT_FOUND. Ending the
 * caller's own current session is allowed: `current` tells them they are signed out now.
 */
export async function endSession(
  ctx: ActorContext,
  input: { id: string; sessionId: string; reason: string },
): Promise<{ sessionId: string; endedAt: Date; current: boolean }> {
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, input.id);
    const session = await staffSessions.findForStaffForUpdate(trx, target.id, input.sessionId);
    if (!session || !isStaffSessionLive(session, now)) throw new AppError('NOT_FOUND', `${target.email} has no live session ${input.sessionId}; it may have ended already.`);
    await staffSessions.end(trx, session.id, 'ended_by_admin', now);
    await auditStaffChange(trx, ctx, now, 'staff.session_ended', target.id, input.reason, { sessionId: session.id });
    return { sessionId: session.id, endedAt: now, current: session.id === ctx.staff.sessionId };
  });
}

/**
 * Lifts the person's sign-in locks: every (account, address) pair locked after failed attempts, and the account's
 * slow-down. Addresses locked for failures across many accounts are not one person's and lift on their own (at most
 * an hour). Audited with the admin's reason and the addresses that were locked (never a password).
 */
export async function unlockSignIn(ctx: ActorContext, input: { id: string; reason: string }): Promise<{ unlockedAddresses: number }> {
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const target = await lockTarget(trx, input.id);
    const cleared = await signInThrottle.clearAccount(trx, accountOf(target.email), now);
    const locked = cleared.filter((c) => c.lockedUntil !== null && c.key.startsWith('pair:'));
    const addresses = locked.map((c) => c.key.slice('pair:'.length, c.key.indexOf('|')));
    await auditStaffChange(trx, ctx, now, 'staff.sign_in_unlocked', target.id, input.reason, {
      unlockedAddresses: addresses.slice(0, 50),
      unlockedCount: addresses.length,
      countsCleared: cleared.length,
    });
    return { unlockedAddresses: addresses.length };
  });
}
