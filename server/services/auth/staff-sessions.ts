import type { Kysely, Transaction } from 'kysely';
import type { StaffPrincipal } from '../../auth/principal.js';
import { newId, randomSecret, sha256Hex } from '../../crypto.js';
import type { DB, StaffRow } from '../../db/schema.js';
import type { RequestDeps } from '../../deps.js';
import * as staffSessions from '../../repositories/staff-sessions.js';
import * as staffRepo from '../../repositories/staff.js';
import { appendAuditEvent, auditRequestContext } from '../audit.js';
import type { Me, SignedInStaff } from '../../../shared/auth.js';
import { ownOnlyPermissionsOf, permissionsOf, RoleSchema, type Role } from '../../../shared/permissions.js';

/**
 * Staff sessions: a member of staff signed in to the console, behind the session cookie (table staff_sessions).
 * Not to be confused with an inquiry's sessions, which the provider issues to end users.
 */

/** A staff session ends 12 h after sign-in whatever happens, and after 30 min without a request. */
export const STAFF_SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
export const STAFF_SESSION_IDLE_MS = 30 * 60_000;

/** Whether a session can still sign requests in at `now`: not ended, not past its expiry, not idle too long. */
export function isStaffSessionLive(session: { ended_at: Date | null; expires_at: Date; last_seen_at: Date }, now: Date): boolean {
  return !session.ended_at && session.expires_at > now && now.getTime() - session.last_seen_at.getTime() < STAFF_SESSION_IDLE_MS;
}

/** last_seen_at is written at most this often per session: a write per request would be wasted. */
const TOUCH_INTERVAL_MS = 60_000;
/** Ended sessions stay listed for admins this long. */
const STAFF_SESSION_HISTORY_MS = 90 * 24 * 60 * 60_000;

export function toSignedInStaff(row: Pick<StaffRow, 'id' | 'email' | 'display_name' | 'role'>): SignedInStaff {
  return { id: row.id, email: row.email, displayName: row.display_name, role: parseRole(row.role) };
}

function parseRole(role: string): Role {
  // The table's check constraint allows only known roles; a stranger here is a bug, not a user error.
  return RoleSchema.parse(role);
}

export interface NewStaffSession {
  staff: SignedInStaff;
  /** The cookie value. Only its SHA-256 is stored; never log it. */
  sessionSecret: string;
  sessionId: string;
  expiresAt: Date;
}

/** Opens a session row. Call inside the sign-in transaction, before its audit event. */
export async function openStaffSession(
  trx: Transaction<DB>,
  ctx: RequestDeps,
  staff: StaffRow,
  method: 'password' | 'oidc',
): Promise<NewStaffSession> {
  const now = ctx.now();
  const sessionSecret = randomSecret();
  const row = await staffSessions.insert(trx, {
    id: newId('stses'),
    token_hash: sha256Hex(sessionSecret),
    staff_id: staff.id,
    method,
    created_at: now,
    last_seen_at: now,
    expires_at: new Date(now.getTime() + STAFF_SESSION_ABSOLUTE_MS),
    ip: ctx.ip?.slice(0, 64) ?? null,
    user_agent: ctx.userAgent?.slice(0, 512) ?? null,
  });
  await staffRepo.update(trx, staff.id, { last_login_at: now });
  return { staff: toSignedInStaff(staff), sessionSecret, sessionId: row.id, expiresAt: row.expires_at };
}

/** Drops staff sessions that ended longer ago than admins may want to look at (a batch at a time). */
export async function purgeStaffSessionHistory(db: Kysely<DB>, now: Date): Promise<void> {
  await staffSessions.purgeEndedBefore(db, new Date(now.getTime() - STAFF_SESSION_HISTORY_MS));
}

/** Ends the session behind a cookie value. Unknown or already ended: nothing to do. */
export async function signOut(ctx: RequestDeps, sessionSecret: string): Promise<void> {
  const found = await staffSessions.findOpenByTokenHash(ctx.database.db, sha256Hex(sessionSecret));
  if (!found) return;
  const now = ctx.now();
  await ctx.database.db.transaction().execute(async (trx) => {
    const ended = await staffSessions.end(trx, found.session_id, 'logout', now);
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
export async function resolveStaffSession(ctx: Pick<RequestDeps, 'database' | 'now' | 'log'>, sessionSecret: string): Promise<StaffPrincipal | null> {
  const { db } = ctx.database;
  const found = await staffSessions.findOpenByTokenHash(db, sha256Hex(sessionSecret));
  if (!found) return null;
  const now = ctx.now();
  const endReason: staffSessions.EndReason | null = found.disabled_at
    ? 'disabled'
    : now >= found.expires_at
      ? 'expired'
      : now.getTime() - found.last_seen_at.getTime() >= STAFF_SESSION_IDLE_MS
        ? 'idle'
        : null;
  if (endReason) {
    await staffSessions.end(db, found.session_id, endReason, now);
    return null;
  }
  if (now.getTime() - found.last_seen_at.getTime() >= TOUCH_INTERVAL_MS) await staffSessions.touch(db, found.session_id, now);
  const idleExpiresAt = new Date(Math.min(now.getTime() + STAFF_SESSION_IDLE_MS, found.expires_at.getTime()));
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

