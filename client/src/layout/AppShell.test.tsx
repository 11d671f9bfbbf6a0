import { act, screen, waitFor, within } from '@testing-library/react';
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
    expect(nav.getByRole('button', { name: /Settings/ }).getAttribute('aria-disabled')).toBe('true');
    expect(nav.getByRole('link', { name: 'Audit' }).getAttribute('href')).toBe('/audit');
    await user.click(nav.getByRole('link', { name: 'Inquiries' }));
    expect(router.state.location.pathname).toBe('/inquiries');
  });

  it("moves the focus to the new page's heading after navigating, but not on the first load nor for a new query string", async () => {
    installFakeApi({ 'templates.list': () => ({ items: [] }) });
    const { router } = renderApp('/templates');
    const first = await screen.findByRole('heading', { level: 1, name: 'Templates' });
    expect(document.activeElement).not.toBe(first);

    await act(() => router.navigate('/nowhere'));
    const heading = await screen.findByRole('heading', { level: 1, name: 'Page not found' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    // Focusable by script only: Tab does not stop on it.
    expect(heading.getAttribute('tabindex')).toBe('-1');

    // Typing in a filter changes only the query string: the focus stays in the field.
    const toggle = screen.getByRole('button', { name: /Switch to (dark|light) mode/ });
    toggle.focus();
    await act(() => router.navigate('/nowhere?q=abc'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(document.activeElement).toBe(toggle);
  });

  it('remembers the colour mode the user picks', async () => {
    installFakeApi({ 'templates.list': () => ({ items: [] }) });
    const { user } = renderApp('/templates');
    await user.click(await screen.findByRole('button', { name: 'Switch to dark mode' }));
    expect(window.localStorage.getItem(MODE_STORAGE_KEY)).toBe('dark');
    expect(screen.getByRole('button', { name: 'Switch to light mode' })).toBeTruthy();
  });
});
