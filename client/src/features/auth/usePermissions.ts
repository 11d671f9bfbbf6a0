import { useMemo } from 'react';
import type { Permission, Role } from '@shared/permissions.js';
import { PERMISSION_ACTIONS, ROLE_LABELS } from './roles';
import { useMe, type Me } from './useMe';

export interface DenialOptions {
  /** What the control does, finishing "Your role (viewer) cannot …"; defaults to the permission's description. */
  action?: string;
  /** For permissions some roles hold only for their own records (support: revoke): who issued the record. */
  ownerId?: string | null;
}

export interface Permissions {
  /** False until auth.me has answered; inside the console (behind the auth gate) always true. */
  ready: boolean;
  staffId: string | null;
  role: Role | null;
  /** "Support agent". */
  roleLabel: string | null;
  permissions: readonly Permission[];
  /**
   * Whether the signed-in person may do it. With `ownerId`, a permission held only for one's own records
   * (support's 'access:revoke', 'audit:read') counts only when they are the owner.
   */
  can: (permission: Permission, options?: Pick<DenialOptions, 'ownerId'>) => boolean;
  /** The role holds the permission only for the person's own records. */
  onlyOwn: (permission: Permission) => boolean;
  /**
   * Why a control is disabled, for its tooltip: null when allowed, else e.g.
   * "Your role (viewer) cannot resume inquiries, send one-time links or recreate inquiries."
   * The server decides in the end; this only explains.
   */
  denialReason: (permission: Permission, options?: DenialOptions) => string | null;
}

/** The permissions of an auth.me answer (null: signed out, nothing allowed). Pure, for tests and non-React code. */
export function permissionsFromMe(me: Me | null | undefined): Permissions {
  const granted = new Set<Permission>(me?.permissions ?? []);
  const ownOnly = new Set<Permission>(me?.ownOnly ?? []);
  const role = me?.staff.role ?? null;
  const roleLabel = role ? ROLE_LABELS[role] : null;
  const staffId = me?.staff.id ?? null;

  const can: Permissions['can'] = (permission, options = {}) => {
    if (!granted.has(permission)) return false;
    if (ownOnly.has(permission) && options.ownerId !== undefined) return options.ownerId !== null && options.ownerId === staffId;
    return true;
  };

  return {
    ready: me !== undefined,
    staffId,
    role,
    roleLabel,
    permissions: [...granted],
    can,
    onlyOwn: (permission) => granted.has(permission) && ownOnly.has(permission),
    denialReason: (permission, options = {}) => {
      if (can(permission, options)) return null;
      const action = options.action ?? PERMISSION_ACTIONS[permission];
      if (me === undefined) return 'Checking your permissions…';
      if (me === null) return `Sign in to ${action}.`;
      const who = `Your role (${(roleLabel ?? String(role)).toLowerCase()})`;
      if (granted.has(permission)) return `${who} can ${action} only for what you issued yourself.`;
      return `${who} cannot ${action}.`;
    },
  };
}

/**
 * The signed-in person's permissions, from auth.me (the server's reading of shared/permissions.ts). Use it to
 * hide what a role never uses (navigation) and to disable controls with a reason (see PermissionTooltip).
 */
export function usePermissions(): Permissions {
  const me = useMe();
  // undefined while loading, null when signed out.
  const data = me.data;
  return useMemo(() => permissionsFromMe(data), [data]);
}
