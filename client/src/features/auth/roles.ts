import type * as SharedPermissions from '@shared/permissions.js';
import type { Permission } from '@shared/permissions.js';

// Copied rather than imported: shared/permissions.ts carries zod, which the first page load (the shell and its
// user menu) should not download. The types keep the keys in step; roles.test.ts checks the words.
export const ROLE_LABELS: typeof SharedPermissions.ROLE_LABELS = {
  viewer: 'Viewer',
  support: 'Support agent',
  compliance: 'Compliance',
  manager: 'Manager',
  admin: 'Admin',
};

/** What each permission lets a person do, finishing "Your role (viewer) cannot …". */
export const PERMISSION_ACTIONS: Readonly<Record<Permission, string>> = {
  'inquiry:read': 'view inquiries',
  'pii:reveal': 'reveal personal data',
  'inquiry:act': 'resume inquiries, send one-time links or recreate inquiries',
  'link:token': 'issue links with a session token',
  'access:revoke': 'revoke links or expire sessions',
  'access:read': 'read the access report',
  'audit:read': 'read the audit log',
  'audit:export': 'export or verify the audit log',
  'policy:edit': 'edit expiration policies or publish versions',
  'staff:manage': 'manage staff accounts',
  'apikey:manage': 'manage partner API keys',
  'provider:sync': 'start the Persona sync',
};
