import { z } from 'zod';

/**
 * The one permission matrix (DESIGN §5). The server checks it on every procedure; the client reads it only to
 * explain disabled buttons. Deny by default: a role has exactly the permissions listed for it here.
 */

export const ROLES = ['viewer', 'support', 'compliance', 'manager', 'admin'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer',
  support: 'Support agent',
  compliance: 'Compliance',
  manager: 'Manager',
  admin: 'Admin',
};

export const PERMISSIONS = [
  /** List and view inquiries, templates and versions (PII masked). */
  'inquiry:read',
  /** Reveal an inquiry's prefilled PII (audited). */
  'pii:reveal',
  /** Resume + copy token, send a one-time link, recreate on the latest version. */
  'inquiry:act',
  /** Issue a hosted-flow link with the session token appended (the riskier kind). */
  'link:token',
  /** Revoke links and expire sessions. Support: only what they issued themselves. */
  'access:revoke',
  /** Read the session-bearing access report (every token and link issued). Support: only what they issued. */
  'access:read',
  /** Read the audit log. Support: only their own actions; manager: only policy and template events. */
  'audit:read',
  /** Export the audit log and verify its hash chain. */
  'audit:export',
  /** Edit expiration policy and publish template versions. */
  'policy:edit',
  /** Manage staff accounts, roles and sessions. */
  'staff:manage',
  /** Manage customers' partner API keys. */
  'apikey:manage',
  /** Start the Persona backfill and watch its progress (INQUIRY_PROVIDER=persona). */
  'provider:sync',
] as const;
export const PermissionSchema = z.enum(PERMISSIONS);
export type Permission = z.infer<typeof PermissionSchema>;

/**
 * `all`: everything; `own`: only records the signed-in person created (enforced by the service that reads them);
 * `policy`: only policy and template events (a manager's view of the audit log, enforced by `audit.list`).
 */
export type PermissionScope = 'all' | 'own' | 'policy';

export const ROLE_PERMISSIONS: Readonly<Record<Role, Readonly<Partial<Record<Permission, PermissionScope>>>>> = {
  viewer: {
    'inquiry:read': 'all',
  },
  support: {
    'inquiry:read': 'all',
    'pii:reveal': 'all',
    'inquiry:act': 'all',
    'link:token': 'all',
    'access:revoke': 'own',
    'access:read': 'own',
    'audit:read': 'own',
  },
  compliance: {
    'inquiry:read': 'all',
    'pii:reveal': 'all',
    'access:revoke': 'all',
    'access:read': 'all',
    'audit:read': 'all',
    'audit:export': 'all',
  },
  manager: {
    'inquiry:read': 'all',
    'audit:read': 'policy',
    'policy:edit': 'all',
  },
  admin: {
    'inquiry:read': 'all',
    'pii:reveal': 'all',
    'inquiry:act': 'all',
    'link:token': 'all',
    'access:revoke': 'all',
    'access:read': 'all',
    'audit:read': 'all',
    'audit:export': 'all',
    'policy:edit': 'all',
    'staff:manage': 'all',
    'apikey:manage': 'all',
    'provider:sync': 'all',
  },
};

/** The scope a role holds a permission in, or null when it does not hold it (unknown roles hold nothing). */
export function permissionScope(role: string, permission: Permission): PermissionScope | null {
  if (!(ROLES as readonly string[]).includes(role)) return null;
  return ROLE_PERMISSIONS[role as Role][permission] ?? null;
}

export function hasPermission(role: string, permission: Permission): boolean {
  return permissionScope(role, permission) !== null;
}

/** Every permission a role holds, in the order of PERMISSIONS. */
export function permissionsOf(role: string): Permission[] {
  return PERMISSIONS.filter((p) => hasPermission(role, p));
}

/** The permissions a role holds only for its own records. */
export function ownOnlyPermissionsOf(role: string): Permission[] {
  return PERMISSIONS.filter((p) => permissionScope(role, p) === 'own');
}

/**
 * Permissions whose refusal is itself audited (`access.denied`, server/trpc.ts): each grants access to an inquiry,
 * exposes PII or the log, or changes who may do what, so a signed-in person refused one leaves a trail
 * (docs/security.md, "Refusals are recorded"). The read permissions (inquiry:read, access:read, audit:read) and
 * policy:edit are left out: a refused read shows nothing, and the policy editor's refusals grant no access.
 */
export const SENSITIVE_PERMISSIONS: readonly Permission[] = [
  'inquiry:act',
  'link:token',
  'access:revoke',
  'pii:reveal',
  'audit:export',
  'staff:manage',
  'apikey:manage',
];
