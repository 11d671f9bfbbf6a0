import { describe, expect, it } from 'vitest';
import { hasPermission, ownOnlyPermissionsOf, permissionScope, permissionsOf, PERMISSIONS, ROLES } from '../../shared/permissions.js';

/** DESIGN §5, transcribed by hand: the matrix in shared/permissions.ts must say exactly this. */
const DESIGN_TABLE: Record<(typeof PERMISSIONS)[number], Record<(typeof ROLES)[number], '✓' | 'own' | 'policy' | ''>> = {
  'inquiry:read': { viewer: '✓', support: '✓', compliance: '✓', manager: '✓', admin: '✓' },
  'pii:reveal': { viewer: '', support: '✓', compliance: '✓', manager: '', admin: '✓' },
  'inquiry:act': { viewer: '', support: '✓', compliance: '', manager: '', admin: '✓' },
  'link:token': { viewer: '', support: '✓', compliance: '', manager: '', admin: '✓' },
  'access:revoke': { viewer: '', support: 'own', compliance: '✓', manager: '', admin: '✓' },
  // The issue: the access report is for compliance and admins; support sees what they issued; a manager none of it.
  'access:read': { viewer: '', support: 'own', compliance: '✓', manager: '', admin: '✓' },
  'audit:read': { viewer: '', support: 'own', compliance: '✓', manager: 'policy', admin: '✓' },
  'audit:export': { viewer: '', support: '', compliance: '✓', manager: '', admin: '✓' },
  'policy:edit': { viewer: '', support: '', compliance: '', manager: '✓', admin: '✓' },
  'staff:manage': { viewer: '', support: '', compliance: '', manager: '', admin: '✓' },
  'apikey:manage': { viewer: '', support: '', compliance: '', manager: '', admin: '✓' },
  // Issue 15: starting the Persona backfill and watching it.
  'provider:sync': { viewer: '', support: '', compliance: '', manager: '', admin: '✓' },
};

describe('the permission matrix', () => {
  it.each(PERMISSIONS.flatMap((p) => ROLES.map((r) => [p, r] as const)))('%s for %s is as DESIGN §5 says', (permission, role) => {
    const cell = DESIGN_TABLE[permission][role];
    expect(permissionScope(role, permission)).toBe(cell === '✓' ? 'all' : cell === '' ? null : cell);
    expect(hasPermission(role, permission)).toBe(cell !== '');
  });

  it('denies everything to an unknown role', () => {
    for (const role of ['', 'root', 'Admin', '__proto__', 'constructor', 'toString']) {
      expect(permissionsOf(role)).toEqual([]);
      expect(PERMISSIONS.some((p) => hasPermission(role, p))).toBe(false);
    }
  });

  it('lists permissions and own-only scopes per role', () => {
    expect(permissionsOf('viewer')).toEqual(['inquiry:read']);
    expect(ownOnlyPermissionsOf('support')).toEqual(['access:revoke', 'access:read', 'audit:read']);
    expect(ownOnlyPermissionsOf('compliance')).toEqual([]);
    expect(permissionsOf('admin')).toEqual([...PERMISSIONS]);
  });
});
