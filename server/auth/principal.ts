import type { Role } from '../../shared/permissions.js';
import type { AuditActor } from '../audit/canonical.js';

/** The signed-in member of staff, as procedures see it (ctx.staff). */
export interface StaffPrincipal {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  /** The staff session behind this request; absent when a test or a script builds the context directly. */
  sessionId?: string;
  /** A one-time password is in use: everything but auth.* is refused until the person chooses their own. */
  mustChangePassword?: boolean;
  /** When the session ends for good, and when it ends if left idle (for the client's warning). */
  sessionExpiresAt?: Date;
  idleExpiresAt?: Date;
}

/** The audit actor for something a member of staff did; the email, because display names can repeat. */
export function staffActor(staff: Pick<StaffPrincipal, 'id' | 'email'>): AuditActor {
  return { type: 'staff', id: staff.id, display: staff.email };
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: 'inquiry-desk', display: 'Inquiry Desk' };
