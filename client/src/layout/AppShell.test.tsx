import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MODE_STORAGE_KEY } from '../theme/theme';
import { installFakeApi } from '../test/fakeApi';
import { renderApp } from '../test/renderApp';

describe('App shell', () => {
  it('navigates between sections and shows later sections as coming soon', async () => {
    installFakeApi({ 'templates.list': () => ({ items: [] }) });
    const { user, router } = renderApp('/templates');
    const nav = within(await screen.findByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Templates', current: 'page' })).toBeTruthy();
    expect(nav.getByRole('button', { name: /Audit/ }).getAttribute('aria-disabled')).toBe('true');
    await user.click(nav.getByRole('link', { name: 'Inquiries' }));
    expect(router.state.location.pathname).toBe('/inquiries');
  });

  it('remembers the colour mode the user picks', async () => {
    installFakeApi({ 'templates.list': () => ({ items: [] }) });
    const { user } = renderApp('/templates');
    await user.click(await screen.findByRole('button', { name: 'Switch to dark mode' }));
    expect(window.localStorage.getItem(MODE_STORAGE_KEY)).toBe('dark');
    expect(screen.getByRole('button', { name: 'Switch to light mode' })).toBeTruthy();
  });
});
