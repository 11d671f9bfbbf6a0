import type { Transaction } from 'kysely';
import type { Context } from '../context.js';
import type { DB, StaffRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../auth/passwords.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import { accountKey, ipKey, lockDurationMs, policyFor } from '../auth/throttle.js';
import { newId, randomSecret, sha256Hex } from '../auth/tokens.js';
import * as sessions from '../repositories/auth-sessions.js';
import * as throttle from '../repositories/auth-throttle.js';
import * as staffRepo from '../repositories/staff.js';
import { appendAuditEvent, auditRequestContext, type AuditActor } from './audit.js';
import type { LoginInput, Me, SignedInStaff } from '../../shared/auth.js';
import { ownOnlyPermissionsOf, permissionsOf, RoleSchema, type Role } from '../../shared/permissions.js';

/** A session ends 12 h after sign-in whatever happens, and after 30 min without a request. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
export const SESSION_IDLE_MS = 30 * 60_000;

/** Whether a session can still sign requests in at `now`: not ended, not past its expiry, not idle too long. */
export function isSessionLive(session: { ended_at: Date | null; expires_at: Date; last_seen_at: Date }, now: Date): boolean {
  return !session.ended_at && session.expires_at > now && now.getTime() - session.last_seen_at.getTime() < SESSION_IDLE_MS;
}
/** last_seen_at is written at most this often per session: a write per request would be wasted. */
const TOUCH_INTERVAL_MS = 60_000;
/** Ended sessions stay listed for admins this long. */
const SESSION_HISTORY_MS = 90 * 24 * 60 * 60_000;

/** What a service needs from a request: the app, the clock and where the request came from (for audit). */
export type RequestDeps = Omit<Context, 'staff'>;

export const WRONG_CREDENTIALS = 'Email or password is incorrect.';

export function toSignedInStaff(row: Pick<StaffRow, 'id' | 'email' | 'display_name' | 'role'>): SignedInStaff {
  return { id: row.id, email: row.email, displayName: row.display_name, role: parseRole(row.role) };
}

function parseRole(role: string): Role {
  // The table's check constraint allows only known roles; a stranger here is a bug, not a user error.
  return RoleSchema.parse(role);
}

export interface NewSession {
  staff: SignedInStaff;
  /** The cookie value. Only its SHA-256 is stored; never log it. */
  sessionSecret: string;
  sessionId: string;
  expiresAt: Date;
}

/** Opens a session row. Call inside the sign-in transaction, before its audit event. */
export async function openSession(
  trx: Transaction<DB>,
  ctx: RequestDeps,
  staff: StaffRow,
  method: 'password' | 'oidc',
): Promise<NewSession> {
  const now = ctx.now();
  const sessionSecret = randomSecret();
  const row = await sessions.insert(trx, {
    id: newId('stses'),
    token_hash: sha256Hex(sessionSecret),
    staff_id: staff.id,
    method,
    created_at: now,
    last_seen_at: now,
    expires_at: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
    ip: ctx.ip?.slice(0, 64) ?? null,
    user_agent: ctx.userAgent?.slice(0, 512) ?? null,
  });
  await staffRepo.update(trx, staff.id, { last_login_at: now });
  return { staff: toSignedInStaff(staff), sessionSecret, sessionId: row.id, expiresAt: row.expires_at };
}

function tooManyAttempts(lockedUntil: Date, now: Date): AppError {
  const seconds = Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new AppError(
    'TOO_MANY_REQUESTS',
    `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { retryAfterSeconds: seconds },
  );
}

/** One key's count as this attempt left it, so that a successful attempt can take its count back. */
interface CountedKey {
  key: string;
  failures: number;
  /** The lock this attempt set (it reached the threshold), or null. */
  lockSet: Date | null;
  /** The key's lock before this attempt (expired, since the attempt went ahead). */
  lockBefore: Date | null;
}

type Attempt = { refusedUntil: Date } | { refusedUntil: null; counted: CountedKey[] };

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
async function countAttempt(ctx: RequestDeps, keys: string[]): Promise<Attempt> {
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
async function settleSuccess(trx: Transaction<DB>, counted: CountedKey[]): Promise<void> {
  for (const c of counted) {
    if (c.key.startsWith('account:')) await throttle.remove(trx, c.key);
    else await throttle.takeBackAttempt(trx, c.key, c.lockSet, c.lockBefore);
  }
}

type FailureCause = 'unknown_account' | 'wrong_password' | 'no_password' | 'disabled';

/**
 * Audits a failed attempt (already counted), and the locks it set. Returns the latest lock now in force.
 */
async function recordFailedSignIn(ctx: RequestDeps, counted: CountedKey[], staff: StaffRow | undefined, cause: FailureCause): Promise<Date | null> {
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

/**
 * Password sign-in. Every way of failing (no such account, wrong password, SSO-only, disabled) gives the same
 * answer after the same work (one argon2 verification), and locks apply to unknown emails exactly as to real
 * ones, so neither the message, the timing nor a lock-out tells whether an email has an account.
 */
export async function signInWithPassword(ctx: RequestDeps, input: LoginInput): Promise<NewSession> {
  if (!ctx.config.auth.localPasswords) {
    throw new AppError('FORBIDDEN', 'Password sign-in is turned off. Sign in with single sign-on.');
  }
  const attempt = await countAttempt(ctx, [accountKey(input.email), ipKey(ctx.ip)]);
  if (attempt.refusedUntil) {
    ctx.log.warn({ requestId: ctx.requestId }, 'sign-in refused: locked out');
    throw tooManyAttempts(attempt.refusedUntil, ctx.now());
  }

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
    const opened = await openSession(trx, ctx, staff, 'password');
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
    await sessions.purgeEndedBefore(ctx.database.db, new Date(now.getTime() - SESSION_HISTORY_MS));
  } catch (err) {
    ctx.log.warn({ err }, 'sign-in housekeeping failed');
  }
}

/** Ends the session behind a cookie value. Unknown or already ended: nothing to do. */
export async function signOut(ctx: RequestDeps, sessionSecret: string): Promise<void> {
  const found = await sessions.findOpenByTokenHash(ctx.database.db, sha256Hex(sessionSecret));
  if (!found) return;
  const now = ctx.now();
  await ctx.database.db.transaction().execute(async (trx) => {
    const ended = await sessions.end(trx, found.session_id, 'logout', now);
    if (!ended) return;
    await appendAuditEvent(trx, {
      actor: { type: 'staff', id: found.staff_id, display: found.email },
      action: 'auth.logout',
      target: { type: 'staff', id: found.staff_id },
      metadata: { sessionId: found.session_id },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
  });
}

/**
 * The signed-in member of staff behind a session cookie, or null. Enforces, on every request, the absolute
 * expiry, the idle timeout and a disabled account, ending the session when one of them applies.
 */
export async function resolveSession(ctx: Pick<RequestDeps, 'database' | 'now' | 'log'>, sessionSecret: string): Promise<StaffPrincipal | null> {
  const { db } = ctx.database;
  const found = await sessions.findOpenByTokenHash(db, sha256Hex(sessionSecret));
  if (!found) return null;
  const now = ctx.now();
  const endReason: sessions.EndReason | null = found.disabled_at
    ? 'disabled'
    : now >= found.expires_at
      ? 'expired'
      : now.getTime() - found.last_seen_at.getTime() >= SESSION_IDLE_MS
        ? 'idle'
        : null;
  if (endReason) {
    await sessions.end(db, found.session_id, endReason, now);
    return null;
  }
  if (now.getTime() - found.last_seen_at.getTime() >= TOUCH_INTERVAL_MS) await sessions.touch(db, found.session_id, now);
  const idleExpiresAt = new Date(Math.min(now.getTime() + SESSION_IDLE_MS, found.expires_at.getTime()));
  return {
    id: found.staff_id,
    email: found.email,
    displayName: found.display_name,
    role: parseRole(found.role),
    sessionId: found.session_id,
    mustChangePassword: found.must_change_password,
    sessionExpiresAt: found.expires_at,
    idleExpiresAt,
  };
}

export function describeMe(staff: StaffPrincipal | null): Me {
  if (!staff) return null;
  return {
    staff: { id: staff.id, email: staff.email, displayName: staff.displayName, role: staff.role, mustChangePassword: staff.mustChangePassword ?? false },
    permissions: permissionsOf(staff.role),
    ownOnly: ownOnlyPermissionsOf(staff.role),
    session: staff.sessionExpiresAt && staff.idleExpiresAt ? { expiresAt: staff.sessionExpiresAt, idleExpiresAt: staff.idleExpiresAt } : null,
  };
}

/**
 * A person changes their own password (required after a one-time password). Wrong current passwords count
 * towards the account's lock like failed sign-ins. Other sessions end; this one stays.
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
  const attempt = await countAttempt(ctx, [accountKey(principal.email)]);
  if (attempt.refusedUntil) throw tooManyAttempts(attempt.refusedUntil, ctx.now());
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
    const ended = await sessions.endAllForStaff(trx, staff.id, 'password_changed', now, principal.sessionId);
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
