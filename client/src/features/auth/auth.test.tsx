import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SSO_ERROR_MESSAGES } from '@shared/auth.js';
import { FakeApiError, installFakeApi } from '../../test/fakeApi';
import { signedInAs, template } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const templates = () => ({ items: [template()] });

describe('Signing in', () => {
  it('sends a signed-out person to sign in, then back to where they were going', async () => {
    let signedIn = false;
    const fake = installFakeApi(
      { 'auth.me': () => (signedIn ? signedInAs('support') : null), 'templates.list': templates },
      {
        'POST /auth/login': ({ email, password }) => {
          signedIn = email === 'support@demo.test' && password === 'correct horse battery staple';
          return signedIn ? { status: 200, body: { staff: {} } } : { status: 401, body: { errors: [{ title: 'Email or password is incorrect.' }] } };
        },
      },
    );
    const { user, router, params } = renderApp('/templates?tab=versions');

    const email = await screen.findByRole('textbox', { name: 'Email' });
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(params().get('returnTo')).toBe('/templates?tab=versions');
    expect(document.activeElement).toBe(email);

    await user.type(email, 'support@demo.test');
    await user.type(screen.getByLabelText(/^Password/), 'correct horse battery staple{Enter}');

    expect(await screen.findByRole('heading', { name: 'Templates' })).toBeTruthy();
    expect(router.state.location.pathname + router.state.location.search).toBe('/templates?tab=versions');
    const [login] = fake.calls.filter((c) => c.path === 'POST /auth/login');
    expect(login?.input).toEqual({ email: 'support@demo.test', password: 'correct horse battery staple' });
    expect(login?.headers['x-inquiry-desk']).toBe('1');
  });

  it('shows the server’s message for a wrong password and lets the person try again', async () => {
    installFakeApi({ 'auth.me': () => null });
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByRole('textbox', { name: 'Email' }), 'nobody@demo.test');
    const password = screen.getByLabelText(/^Password/);
    await user.type(password, 'guess');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect((await screen.findByRole('alert')).textContent).toBe('Email or password is incorrect.');
    expect((password as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(password);
  });

  it('says when a locked-out person may try again', async () => {
    installFakeApi(
      { 'auth.me': () => null },
      {
        'POST /auth/login': () => ({
          status: 429,
          headers: { 'Retry-After': '120' },
          body: { errors: [{ title: 'Too many failed sign-in attempts. Try again in 2 minutes.' }] },
        }),
      },
    );
    const { user } = renderApp('/sign-in');
    await user.type(await screen.findByRole('textbox', { name: 'Email' }), 'support@demo.test');
    await user.type(screen.getByLabelText(/^Password/), 'wrong{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(/^Too many failed sign-in attempts\. Try again in 2 minutes\. You can try again at .+\.$/);
  });

  it('offers single sign-on when configured, shows its errors, and hides passwords when they are off', async () => {
    installFakeApi({ 'auth.me': () => null, 'auth.signInOptions': () => ({ password: false, sso: { startUrl: '/auth/oidc/start' } }) });
    renderApp('/sign-in?error=sso_no_role&returnTo=%2Fstaff');
    const sso = await screen.findByRole('link', { name: 'Sign in with SSO' });
    expect(sso.getAttribute('href')).toBe('/auth/oidc/start?returnTo=%2Fstaff');
    expect(screen.getByRole('alert').textContent).toBe(SSO_ERROR_MESSAGES.sso_no_role);
    expect(screen.queryByRole('textbox', { name: 'Email' })).toBeNull();
  });

  it('never follows a returnTo that leaves the console', async () => {
    let signedIn = false;
    installFakeApi(
      { 'auth.me': () => (signedIn ? signedInAs('viewer') : null), 'templates.list': templates },
      { 'POST /auth/login': () => ((signedIn = true), { status: 200, body: {} }) },
    );
    const { user, router } = renderApp('/sign-in?returnTo=%2F%2Fevil.test%2Fphish');
    await user.type(await screen.findByRole('textbox', { name: 'Email' }), 'viewer@demo.test');
    await user.type(screen.getByLabelText(/^Password/), 'whatever{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries'));
  });
});

describe('The session', () => {
  it('sends the person to sign in with a notice when the server says the session ended', async () => {
    let signedIn = true;
    installFakeApi({
      'auth.me': () => (signedIn ? signedInAs('support') : null),
      'templates.list': () => {
        signedIn = false;
        throw new FakeApiError('UNAUTHORIZED', 'Sign in to continue.');
      },
    });
    const { router, params } = renderApp('/templates');
    expect(await screen.findByText('Your session ended — sign in again.')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/sign-in');
    expect(params().get('returnTo')).toBe('/templates');
    expect(await screen.findByRole('textbox', { name: 'Email' })).toBeTruthy();
  });

  it('warns before an idle session ends and keeps it alive on request', async () => {
    const soon = () => signedInAs('support', { session: { expiresAt: new Date(Date.now() + 8 * 3_600_000), idleExpiresAt: new Date(Date.now() + 3 * 60_000 + 30_000) } });
    const fake = installFakeApi({ 'auth.me': soon, 'templates.list': templates });
    const { user } = renderApp('/templates');
    expect(await screen.findByText('You will be signed out in 3 min unless you keep working.')).toBeTruthy();
    const before = fake.inputsOf('auth.me').length;
    await user.click(screen.getByRole('button', { name: 'Stay signed in' }));
    await waitFor(() => expect(fake.inputsOf('auth.me').length).toBe(before + 1));
  });

  it('asks for a new password before anything else after a one-time password', async () => {
    let mustChange = true;
    const fake = installFakeApi({
      'auth.me': () => signedInAs('support', { staff: { mustChangePassword: mustChange } }),
      'auth.changePassword': () => {
        mustChange = false;
        return { ok: true };
      },
      'templates.list': templates,
    });
    const { user } = renderApp('/templates');
    expect(await screen.findByRole('heading', { name: 'Choose a new password' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();

    await user.type(screen.getByLabelText(/^One-time password/), 'Otp-123456789');
    await user.type(screen.getByLabelText(/^New password/), 'short');
    await user.type(screen.getByLabelText(/^Repeat the new password/), 'short');
    await user.click(screen.getByRole('button', { name: 'Save password and continue' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The new password must be at least 12 characters.');
    expect(fake.inputsOf('auth.changePassword')).toEqual([]);

    await user.clear(screen.getByLabelText(/^New password/));
    await user.clear(screen.getByLabelText(/^Repeat the new password/));
    await user.type(screen.getByLabelText(/^New password/), 'four unrelated words here');
    await user.type(screen.getByLabelText(/^Repeat the new password/), 'four unrelated words here{Enter}');

    expect(await screen.findByRole('heading', { name: 'Templates' })).toBeTruthy();
    expect(fake.inputsOf('auth.changePassword')).toEqual([{ currentPassword: 'Otp-123456789', newPassword: 'four unrelated words here' }]);
  }, 60_000);

  it('signs out through POST /auth/logout and lands on the sign-in page', async () => {
    let signedIn = true;
    const fake = installFakeApi(
      { 'auth.me': () => (signedIn ? signedInAs('compliance', { staff: { displayName: 'Cleo Compliance' } }) : null), 'templates.list': templates },
      { 'POST /auth/logout': () => ((signedIn = false), { status: 204 }) },
    );
    const { user, router } = renderApp('/templates');
    await user.click(await screen.findByRole('button', { name: 'Cleo Compliance, Compliance' }));
    const menu = within(await screen.findByRole('menu'));
    expect(menu.getByText('compliance@demo.test')).toBeTruthy();
    await user.click(menu.getByRole('menuitem', { name: 'Sign out' }));

    expect(await screen.findByText('You signed out.')).toBeTruthy();
    expect(router.state.location.pathname).toBe('/sign-in');
    const logout = fake.calls.filter((c) => c.path === 'POST /auth/logout');
    expect(logout).toHaveLength(1);
    expect(logout[0]?.headers['x-inquiry-desk']).toBe('1');
    expect(await screen.findByRole('textbox', { name: 'Email' })).toBeTruthy();
  });
});

describe('Role-based navigation', () => {
  it('shows a viewer only what a viewer may use, and says so on a page they may not open', async () => {
    installFakeApi({ 'auth.me': () => signedInAs('viewer'), 'templates.list': templates });
    const { router } = renderApp('/templates');
    const nav = within(await screen.findByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Inquiries' })).toBeTruthy();
    expect(nav.getByRole('link', { name: 'Templates' })).toBeTruthy();
    expect(nav.queryByText('Staff')).toBeNull();
    expect(nav.queryByText('Audit')).toBeNull();
    expect(nav.queryByText('Customers')).toBeNull();
    expect(nav.queryByText('Settings')).toBeNull();

    await router.navigate('/staff');
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText(/Your role \(viewer\) cannot manage staff accounts\./)).toBeTruthy();
  });

  it('shows an admin the Staff and Customers sections', async () => {
    installFakeApi({ 'auth.me': () => signedInAs('admin'), 'templates.list': templates });
    renderApp('/templates');
    const nav = within(await screen.findByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Staff' }).getAttribute('href')).toBe('/staff');
    expect(nav.getByRole('link', { name: 'Customers' }).getAttribute('href')).toBe('/customers');
  });
});
