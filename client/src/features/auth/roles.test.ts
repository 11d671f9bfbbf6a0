import { describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLE_LABELS as SHARED_ROLE_LABELS } from '@shared/permissions.js';
import { PERMISSION_ACTIONS, ROLE_LABELS } from './roles';

describe('role labels', () => {
  it('match the shared permission matrix word for word', () => {
    expect(ROLE_LABELS).toEqual(SHARED_ROLE_LABELS);
  });

  it('describe every permission', () => {
    expect(Object.keys(PERMISSION_ACTIONS).sort()).toEqual([...PERMISSIONS].sort());
  });
});
