import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { signedInAs, staffMember } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';
import type { StaffSession } from './hooks';

const ADMIN = staffMember({ id: 'stf_admin', email: 'admin@demo.test', displayName: 'Demo Admin', role: 'admin' });
const SAM = staffMember();

function api(overrides: FakeApiHandlers = {}) {
  return installFakeApi({ 'auth.me': () => signedInAs('admin'), 'staff.list': () => ({ items: [ADMIN, SAM] }), ...overrides });
}

async function openActions(email: string) {
  const row = (await screen.findByRole('cell', { name: email })).closest('tr');
  if (!row) throw new Error(`no row for ${email}`);
  return within(row).getByRole('button', { name: `Actions for ${email}` });
}

const now = Date.now();
/** A live password session of the person shown, as `staff.sessions` lists it. */
function session(overrides: Partial<StaffSession>): StaffSession {
  return {
    id: 'stses_1',
    method: 'password',
    createdAt: new Date(now - 3_600_000),
    lastSeenAt: new Date(now - 60_000),
    expiresAt: new Date(now + 3_600_000),
    ip: '10.0.0.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36',
    endedAt: null,
    endReason: null,
    active: true,
    current: false,
    ...overrides,
  };
}

describe('Staff page', () => {
  it('lists staff with role, status and last sign-in', async () => {
    api({ 'staff.list': () => ({ items: [ADMIN, SAM, staffMember({ id: 'stf_Off', email: 'old@example.test', disabledAt: new Date(), lastLoginAt: null })] }) });
    renderApp('/staff');
    const table = within(await screen.findByRole('table', { name: 'Staff' }));
    const rows = table.getAllByRole('row');
    expect(rows).toHaveLength(4);
    expect(within(rows[1]!).getByText('(you)')).toBeTruthy();
    expect(within(rows[2]!).getByText('Support agent')).toBeTruthy();
    expect(within(rows[2]!).getByText('Active')).toBeTruthy();
    expect(within(rows[3]!).getByText('Disabled')).toBeTruthy();
    expect(within(rows[3]!).getByText('Never')).toBeTruthy();
  });

  it('creates an account and shows its one-time password once', async () => {
    const created = staffMember({ id: 'stf_New1', email: 'nia@example.test', displayName: 'Nia New', role: 'support', lastLoginAt: null, mustChangePassword: true, activeSessionCount: 0 });
    const fake = api({ 'staff.create': () => ({ staff: created, oneTimePassword: 'Tulip-Harbor-4821-Quiet' }) });
    const { user } = renderApp('/staff');

    await user.click(await screen.findByRole('button', { name: 'Add staff member' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Add a staff member' }));
    await user.type(dialog.getByRole('textbox', { name: 'Email' }), 'nia@example.test');
    await user.type(dialog.getByRole('textbox', { name: 'Name' }), 'Nia New');
    await user.click(dialog.getByRole('combobox', { name: 'Role' }));
    await user.click(await screen.findByRole('option', { name: /^Support agent/ }));
    // Creating an account grants access: like every staff change, it needs a reason.
    expect(dialog.getByRole('button', { name: 'Create account' }).hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Joins the support team');
    await user.click(dialog.getByRole('button', { name: 'Create account' }));

    const shown = within(await screen.findByRole('dialog', { name: 'Nia New can now sign in' }));
    expect(shown.getByText('Tulip-Harbor-4821-Quiet')).toBeTruthy();
    expect(shown.getByText(/shown only now/)).toBeTruthy();
    expect(shown.getByRole('button', { name: 'Copy one-time password' })).toBeTruthy();
    expect(fake.inputsOf('staff.create')).toEqual([{ email: 'nia@example.test', displayName: 'Nia New', role: 'support', reason: 'Joins the support team' }]);
    expect(await screen.findByText('Account created for nia@example.test (Support agent).')).toBeTruthy();

    await user.click(shown.getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByText('Tulip-Harbor-4821-Quiet')).toBeNull());
  }, 60_000);

  it('changes a role only after confirming, and shows the server’s refusal', async () => {
    let refuse = true;
    const fake = api({
      'staff.changeRole': ({ id, role }) => {
        if (refuse) throw new FakeApiError('CONFLICT', 'Cannot demote the last enabled admin. Make someone else an admin first.');
        return { ...SAM, id, role };
      },
    });
    const { user } = renderApp('/staff');
    await user.click(await openActions('sam@example.test'));
    await user.click(await screen.findByRole('menuitem', { name: 'Change role…' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Change the role of Sam Support' }));
    expect(dialog.getByRole('button', { name: 'Change role' }).hasAttribute('disabled')).toBe(true);
    await user.click(dialog.getByRole('combobox', { name: 'New role' }));
    await user.click(await screen.findByRole('option', { name: /^Compliance/ }));
    expect(dialog.getByRole('button', { name: 'Change role' }).hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Moves to the compliance team');
    await user.click(dialog.getByRole('button', { name: 'Change role' }));
    expect((await dialog.findByRole('alert')).textContent).toBe('Cannot demote the last enabled admin. Make someone else an admin first.');

    refuse = false;
    await user.click(dialog.getByRole('button', { name: 'Change role' }));
    expect(await screen.findByText('Sam Support is now Compliance; their sessions were ended.')).toBeTruthy();
    expect(fake.inputsOf('staff.changeRole')).toEqual([
      { id: 'stf_Support1', role: 'compliance', reason: 'Moves to the compliance team' },
      { id: 'stf_Support1', role: 'compliance', reason: 'Moves to the compliance team' },
    ]);
  });

  it('disables an account after confirming, but never the admin’s own', async () => {
    const fake = api({ 'staff.disable': ({ id }) => ({ ...SAM, id, disabledAt: new Date() }) });
    const { user } = renderApp('/staff');
    await user.click(await openActions('admin@demo.test'));
    expect((await screen.findByRole('menuitem', { name: /Disable/ })).getAttribute('aria-disabled')).toBe('true');
    await user.keyboard('{Escape}');

    await user.click(await openActions('sam@example.test'));
    await user.click(await screen.findByRole('menuitem', { name: 'Disable…' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Disable Sam Support?' }));
    expect(fake.inputsOf('staff.disable')).toEqual([]);
    // The reason has the focus; only spaces is no reason: the field says so and nothing can be confirmed.
    const reason = dialog.getByRole('textbox', { name: /Reason/ });
    expect(document.activeElement).toBe(reason);
    await user.type(reason, '   {Enter}');
    await user.tab();
    expect(await dialog.findByText('Say why, in at least 5 characters.')).toBeTruthy();
    expect(dialog.getByRole('button', { name: 'Disable account' }).hasAttribute('disabled')).toBe(true);
    expect(fake.inputsOf('staff.disable')).toEqual([]);
    // Sent trimmed.
    await user.type(reason, 'Left the company{Enter}');
    expect(await screen.findByText('Sam Support is disabled and signed out everywhere.')).toBeTruthy();
    expect(fake.inputsOf('staff.disable')).toEqual([{ id: 'stf_Support1', reason: 'Left the company' }]);
  });

  it('unlocks a locked sign-in after confirming with a reason, offered only while it is locked', async () => {
    let locked = true;
    const fake = api({
      'staff.list': () => ({ items: [ADMIN, { ...SAM, signInLockedUntil: locked ? new Date(Date.now() + 30 * 60_000) : null }] }),
      'staff.unlockSignIn': () => {
        locked = false;
        return { unlockedAddresses: 1 };
      },
    });
    const { user } = renderApp('/staff');
    const row = (await screen.findByRole('cell', { name: 'sam@example.test' })).closest('tr');
    expect(within(row!).getByText('Sign-in locked')).toBeTruthy();
    await user.click(await openActions('admin@demo.test'));
    await screen.findByRole('menuitem', { name: 'Sessions…' });
    expect(screen.queryByRole('menuitem', { name: 'Unlock sign-in…' })).toBeNull();
    await user.keyboard('{Escape}');

    await user.click(await openActions('sam@example.test'));
    await user.click(await screen.findByRole('menuitem', { name: 'Unlock sign-in…' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Unlock sign-in for Sam Support?' }));
    expect(dialog.getByText(/the lock lifts on its own/)).toBeTruthy();
    expect(dialog.getByRole('button', { name: 'Unlock sign-in' }).hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Called the help desk, identity checked');
    await user.click(dialog.getByRole('button', { name: 'Unlock sign-in' }));
    expect(await screen.findByText('Sam Support can sign in again from every address.')).toBeTruthy();
    expect(fake.inputsOf('staff.unlockSignIn')).toEqual([{ id: 'stf_Support1', reason: 'Called the help desk, identity checked' }]);
    await waitFor(() => expect(screen.queryByText('Sign-in locked')).toBeNull());
  });

  it('resets a password and shows the new one-time password once', async () => {
    const fake = api({ 'staff.resetPassword': () => ({ oneTimePassword: 'Maple-Orbit-1150-Brisk' }) });
    const { user } = renderApp('/staff');
    await user.click(await openActions('sam@example.test'));
    await user.click(await screen.findByRole('menuitem', { name: 'Reset password…' }));
    const confirm = within(await screen.findByRole('dialog', { name: 'Reset the password of Sam Support?' }));
    await user.type(confirm.getByRole('textbox', { name: /Reason/ }), 'Forgot their password');
    await user.click(confirm.getByRole('button', { name: 'Reset password' }));
    const shown = within(await screen.findByRole('dialog', { name: 'New one-time password for Sam Support' }));
    expect(shown.getByText('Maple-Orbit-1150-Brisk')).toBeTruthy();
    expect(fake.inputsOf('staff.resetPassword')).toEqual([{ id: 'stf_Support1', reason: 'Forgot their password' }]);
  });

  it('shows a person’s sessions and ends them after confirming', async () => {
    let live = true;
    const fake = api({
      'staff.sessions': () => ({
        items: [session(live ? {} : { endedAt: new Date(), endReason: 'ended_by_admin', active: false })],
      }),
      'staff.endSessions': () => {
        live = false;
        return { ended: 1 };
      },
    });
    const { user } = renderApp('/staff');
    await user.click(await openActions('sam@example.test'));
    await user.click(await screen.findByRole('menuitem', { name: 'Sessions…' }));
    const sessions = within(await screen.findByRole('dialog', { name: 'Sessions of Sam Support' }));
    expect(await sessions.findByText('10.0.0.7')).toBeTruthy();
    expect(sessions.getByText('Active')).toBeTruthy();
    await user.click(sessions.getByRole('button', { name: 'End all sessions' }));
    const confirm = within(await screen.findByRole('dialog', { name: 'End every session of Sam Support?' }));
    await user.type(confirm.getByRole('textbox', { name: /Reason/ }), 'Laptop was stolen');
    await user.click(confirm.getByRole('button', { name: 'End sessions' }));

    expect(await screen.findByText('Ended 1 session of Sam Support.')).toBeTruthy();
    const after = within(await screen.findByRole('dialog', { name: 'Sessions of Sam Support' }));
    expect(await after.findByText('Ended by an admin')).toBeTruthy();
    expect(fake.inputsOf('staff.endSessions')).toEqual([{ id: 'stf_Support1', reason: 'Laptop was stolen' }]);
  });

  describe('ending one session', () => {

    async function sessionRow(dialog: HTMLElement, ip: string) {
      const row = (await within(dialog).findByRole('cell', { name: ip })).closest('tr');
      if (!row) throw new Error(`no session row for ${ip}`);
      return within(row);
    }

    it('ends one session after confirming (keyboard), refreshes the list and keeps the others', async () => {
      const ended = new Set<string>();
      const fake = api({
        'staff.sessions': () => ({
          items: [
            session({ id: 'stses_laptop', ip: '10.0.0.7' }),
            session({ id: 'stses_phone', ip: '10.0.0.8', userAgent: 'Mozilla/5.0 (iPhone) Safari/604.1' }),
            session({ id: 'stses_old', ip: '10.0.0.9', endedAt: new Date(now - 86_400_000), endReason: 'logout', active: false }),
          ].map((s) => (ended.has(s.id) ? { ...s, active: false, endedAt: new Date(), endReason: 'ended_by_admin' } : s)),
        }),
        'staff.endSession': async ({ sessionId }) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          ended.add(sessionId);
          return { sessionId, endedAt: new Date(), current: false };
        },
      });
      const { user } = renderApp('/staff');
      await user.click(await openActions('sam@example.test'));
      await user.click(await screen.findByRole('menuitem', { name: 'Sessions…' }));
      const sessions = await screen.findByRole('dialog', { name: 'Sessions of Sam Support' });

      // An ended session has nothing to end, and says so.
      const old = await sessionRow(sessions, '10.0.0.9');
      const oldEnd = old.getByRole('button', { name: 'End' });
      expect(oldEnd.hasAttribute('disabled')).toBe(true);
      expect(oldEnd.parentElement?.getAttribute('aria-label') ?? oldEnd.parentElement?.getAttribute('title')).toBe('This session has already ended');

      // Keyboard only: focus the row's button, Enter opens the confirmation, Tab to the confirm button, Enter.
      const laptopEnd = (await sessionRow(sessions, '10.0.0.7')).getByRole('button', { name: 'End' });
      laptopEnd.focus();
      await user.keyboard('{Enter}');
      const confirm = within(await screen.findByRole('dialog', { name: 'End this session of Sam Support?' }));
      expect(confirm.getByText(/The session from Chrome\/131\.0\.0\.0, Linux \(10\.0\.0\.7\) is signed out at once/)).toBeTruthy();
      expect(confirm.queryByText(/you will be signed out/)).toBeNull();
      await user.type(confirm.getByRole('textbox', { name: /Reason/ }), 'lost laptop');
      const endButton = confirm.getByRole('button', { name: 'End session' });
      endButton.focus();
      await user.keyboard('{Enter}');
      await waitFor(() => expect(endButton.hasAttribute('disabled')).toBe(true));

      expect(await screen.findByText('Ended a session of Sam Support.')).toBeTruthy();
      const after = await screen.findByRole('dialog', { name: 'Sessions of Sam Support' });
      expect(await (await sessionRow(after, '10.0.0.7')).findByText('Ended by an admin')).toBeTruthy();
      expect((await sessionRow(after, '10.0.0.8')).getByText('Active')).toBeTruthy();
      expect(fake.inputsOf('staff.endSession')).toEqual([{ id: 'stf_Support1', sessionId: 'stses_laptop', reason: 'lost laptop' }]);
    });

    it('shows the server’s refusal and stays open; Escape goes back to the list', async () => {
      api({
        'staff.sessions': () => ({ items: [session({ id: 'stses_gone' })] }),
        'staff.endSession': () => {
          throw new FakeApiError('NOT_FOUND', 'sam@example.test has no live session stses_gone; it may have ended already.');
        },
      });
      const { user } = renderApp('/staff');
      await user.click(await openActions('sam@example.test'));
      await user.click(await screen.findByRole('menuitem', { name: 'Sessions…' }));
      const sessions = await screen.findByRole('dialog', { name: 'Sessions of Sam Support' });
      await user.click((await sessionRow(sessions, '10.0.0.7')).getByRole('button', { name: 'End' }));
      const confirm = within(await screen.findByRole('dialog', { name: 'End this session of Sam Support?' }));
      await user.type(confirm.getByRole('textbox', { name: /Reason/ }), 'lost laptop');
      await user.click(confirm.getByRole('button', { name: 'End session' }));
      expect((await confirm.findByRole('alert')).textContent).toBe('sam@example.test has no live session stses_gone; it may have ended already.');
      await user.keyboard('{Escape}');
      expect(await screen.findByRole('dialog', { name: 'Sessions of Sam Support' })).toBeTruthy();
    });

    it('warns before an admin ends the session they are using', async () => {
      const fake = api({
        'staff.sessions': () => ({ items: [session({ id: 'stses_mine', current: true })] }),
        'staff.endSession': ({ sessionId }) => ({ sessionId, endedAt: new Date(), current: true }),
      });
      const { user } = renderApp('/staff');
      await user.click(await openActions('admin@demo.test'));
      await user.click(await screen.findByRole('menuitem', { name: 'Sessions…' }));
      const sessions = await screen.findByRole('dialog', { name: 'Sessions of Demo Admin' });
      expect(await within(sessions).findByText('Active — this session')).toBeTruthy();
      await user.click((await sessionRow(sessions, '10.0.0.7')).getByRole('button', { name: 'End' }));
      const confirm = within(await screen.findByRole('dialog', { name: 'End this session of Demo Admin?' }));
      expect(confirm.getByText('This is the session you are using: you will be signed out.')).toBeTruthy();
      await user.type(confirm.getByRole('textbox', { name: /Reason/ }), 'Done for the day');
      await user.click(confirm.getByRole('button', { name: 'End session' }));
      expect(await screen.findByText('You ended your own session; sign in again to continue.')).toBeTruthy();
      expect(fake.inputsOf('staff.endSession')).toEqual([{ id: 'stf_admin', sessionId: 'stses_mine', reason: 'Done for the day' }]);
    });
  });
});
