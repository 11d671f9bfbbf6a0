import Button from '@mui/material/Button';
import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installFakeApi } from '../../test/fakeApi';
import { signedInAs } from '../../test/fixtures';
import { renderWithProviders } from '../../test/renderApp';
import { PermissionTooltip, permissionsFromMe } from './index';

describe('usePermissions', () => {
  it('explains what a role cannot do, in words', () => {
    const viewer = permissionsFromMe(signedInAs('viewer'));
    expect(viewer.can('inquiry:read')).toBe(true);
    expect(viewer.can('inquiry:act')).toBe(false);
    expect(viewer.denialReason('inquiry:read')).toBeNull();
    expect(viewer.denialReason('inquiry:act')).toBe('Your role (viewer) cannot resume inquiries, send one-time links or recreate inquiries.');
    expect(viewer.denialReason('inquiry:act', { action: 'resume this inquiry' })).toBe('Your role (viewer) cannot resume this inquiry.');
  });

  it('holds own-only permissions for the person’s own records', () => {
    const support = permissionsFromMe(signedInAs('support'));
    expect(support.onlyOwn('access:revoke')).toBe(true);
    expect(support.can('access:revoke')).toBe(true);
    expect(support.can('access:revoke', { ownerId: 'stf_support' })).toBe(true);
    expect(support.can('access:revoke', { ownerId: 'stf_someoneElse' })).toBe(false);
    expect(support.denialReason('access:revoke', { ownerId: 'stf_someoneElse', action: 'revoke this link' })).toBe(
      'Your role (support agent) can revoke this link only for what you issued yourself.',
    );
    expect(permissionsFromMe(signedInAs('compliance')).can('access:revoke', { ownerId: 'stf_someoneElse' })).toBe(true);
  });

  it('grants nothing while signed out', () => {
    expect(permissionsFromMe(null).can('inquiry:read')).toBe(false);
    expect(permissionsFromMe(undefined).ready).toBe(false);
  });

  it('disables a control with the reason on hover', async () => {
    installFakeApi({ 'auth.me': () => signedInAs('viewer') });
    const { user } = renderWithProviders(
      <PermissionTooltip permission="inquiry:act" action="resume this inquiry">
        {({ allowed }) => <Button disabled={!allowed}>Resume</Button>}
      </PermissionTooltip>,
    );
    const reason = 'Your role (viewer) cannot resume this inquiry.';
    await screen.findByTitle(reason);
    expect(screen.getByRole('button', { name: 'Resume' }).hasAttribute('disabled')).toBe(true);
    await user.hover(screen.getByTitle(reason));
    expect((await screen.findByRole('tooltip')).textContent).toBe(reason);
  });
});
