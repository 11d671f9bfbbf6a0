import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { RouterOutputs } from '../../lib/trpc';
import { FakeApiError, installFakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/renderApp';

type Found = RouterOutputs['inquiries']['find'];
type Item = Found['items'][number];

const HOUR = 3_600_000;
function item(id: string, overrides: Partial<Item> = {}): Item {
  return {
    id,
    status: 'pending',
    referenceId: 'user-42',
    templateName: 'KYC Onboarding',
    versionNumber: 3,
    createdAt: new Date(Date.now() - 5 * HOUR),
    expiresAt: new Date(Date.now() + 5 * HOUR),
    emailMasked: 'a•••@example.com',
    ...overrides,
  };
}

function setup(find: (input: { q: string }) => Found | Promise<Found>) {
  const api = installFakeApi({ 'templates.list': () => ({ items: [] }), 'inquiries.find': find });
  const view = renderApp('/templates');
  return { ...view, api };
}

const topBar = () => screen.findByRole('combobox', { name: 'Find an inquiry' });

describe('search anywhere: the top bar', () => {
  it('opens the one inquiry a pasted link names, straight away', async () => {
    const { user, router, api } = setup(() => ({ kind: 'url', term: 'inq_Only1', items: [item('inq_Only1')], more: false }));
    const box = await topBar();
    await user.click(box);
    await user.paste('  http://localhost:3000/verify?inquiry-id=inq_Only1&session-token=eyJabc ');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_Only1'));
    expect(api.inputsOf('inquiries.find')).toEqual([{ q: 'http://localhost:3000/verify?inquiry-id=inq_Only1&session-token=eyJabc' }]);
  });

  it('lists several matches for the arrow keys; Enter opens the highlighted one, Ctrl+Enter a new tab', async () => {
    const items = [item('inq_New1', { status: 'pending' }), item('inq_Mid2', { status: 'expired' }), item('inq_Old3', { status: 'created', referenceId: null })];
    const { user, router } = setup(() => ({ kind: 'email', term: 'ada@example.com', items, more: false }));
    const box = await topBar();
    await user.type(box, 'ada@example.com{Enter}');

    const listbox = await screen.findByRole('listbox', { name: 'Matching inquiries' });
    const options = within(listbox).getAllByRole('option');
    expect(options).toHaveLength(3);
    expect(box.getAttribute('aria-expanded')).toBe('true');
    expect(box.getAttribute('aria-controls')).toBe(listbox.id);
    const active = () => document.getElementById(box.getAttribute('aria-activedescendant') ?? '')?.getAttribute('data-inquiry-id');
    expect(active()).toBe('inq_New1');
    expect(options[0]?.getAttribute('aria-selected')).toBe('true');
    expect(options[0]?.textContent).toMatch(/Pending.*user-42.*a•••@example\.com.*KYC Onboarding v3.*created 5 h ago.*inq_New1/);
    expect(options[2]?.textContent).toMatch(/No reference id/);

    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}');
    expect(active()).toBe('inq_Old3');
    await user.keyboard('{ArrowUp}');
    expect(active()).toBe('inq_Mid2');
    expect(options[1]?.getAttribute('aria-selected')).toBe('true');

    const openTab = vi.spyOn(window, 'open').mockReturnValue(null);
    await user.keyboard('{Control>}{Enter}{/Control}');
    expect(openTab).toHaveBeenCalledWith('/inquiries/inq_Mid2', '_blank', 'noopener');
    expect(router.state.location.pathname).toBe('/templates');

    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_Mid2'));
  });

  it('says how the text was read when nothing matches, with a way to the list’s search', async () => {
    const { user } = setup(() => ({ kind: 'email', term: 'nobody@example.com', items: [], more: false }));
    const box = await topBar();
    expect(screen.queryByRole('button', { name: 'Find' })).toBeNull();
    await user.type(box, 'Nobody@Example.com');
    // By mouse: the button beside the text does what Enter does.
    await user.click(screen.getByRole('button', { name: 'Find' }));
    expect(await screen.findByText('No inquiry matches “nobody@example.com” (searched as an email address (exact, any case)).')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Search the inquiry list instead' }).getAttribute('href')).toBe('/inquiries?q=nobody%40example.com');
  });

  it('never shows a one-time link’s code back, and shows the server’s words for a refused search', async () => {
    let answer: () => Found = () => ({ kind: 'oneTimeLink', term: null, items: [], more: false });
    const { user } = setup(() => answer());
    const box = await topBar();
    await user.click(box);
    await user.paste('http://localhost:3000/verify?code=SECRETcode1234567890');
    await user.keyboard('{Enter}');
    const message = await screen.findByText(/No inquiry has this one-time link/);
    expect(message.textContent).not.toContain('SECRETcode');

    answer = () => {
      throw new FakeApiError('BAD_REQUEST', 'Invalid input — q: must not contain control characters (tabs, line breaks, NUL): paste one id, email or link');
    };
    await user.keyboard('x{Enter}');
    expect((await screen.findByRole('alert')).textContent).toMatch(/must not contain control characters/);
  });

  it('shows that it is searching while the answer is on its way', async () => {
    let release: (found: Found) => void = () => undefined;
    const { user } = setup(() => new Promise<Found>((resolve) => (release = resolve)));
    await user.type(await topBar(), 'user-42{Enter}');
    expect(await screen.findByText('Searching…')).toBeTruthy();
    release({ kind: 'referenceId', term: 'user-42', items: [], more: false });
    expect(await screen.findByText(/No inquiry matches “user-42”/)).toBeTruthy();
  });
});

describe('search anywhere: the command palette', () => {
  it('closed while a search is on its way, does not navigate when the answer arrives', async () => {
    let answer: (found: Found) => void = () => undefined;
    const { user, router } = setup(() => new Promise<Found>((resolve) => (answer = resolve)));
    await topBar();
    await user.keyboard('{Control>}k{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Find an inquiry' });
    await user.type(within(dialog).getByRole('combobox', { name: 'Find an inquiry' }), 'inq_Late1{Enter}');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    answer({ kind: 'inquiryId', term: 'inq_Late1', items: [item('inq_Late1')], more: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(router.state.location.pathname).toBe('/templates');
  });

  it('opens with Ctrl+K anywhere, searches, and closes with Escape, giving the focus back', async () => {
    const items = [item('inq_A1'), item('inq_B2', { status: 'expired' })];
    const { user, router } = setup(() => ({ kind: 'referenceId', term: 'user-42', items, more: false }));
    await topBar();
    const nav = await screen.findByRole('link', { name: 'Templates' });
    nav.focus();

    await user.keyboard('{Control>}k{/Control}');
    const dialog = await screen.findByRole('dialog', { name: 'Find an inquiry' });
    const input = within(dialog).getByRole('combobox', { name: 'Find an inquiry' });
    await waitFor(() => expect(document.activeElement).toBe(input));

    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(nav);

    // Again, and this time pick the second of several with the keyboard.
    await user.keyboard('{Control>}k{/Control}');
    const again = within(await screen.findByRole('dialog', { name: 'Find an inquiry' })).getByRole('combobox');
    await waitFor(() => expect(document.activeElement).toBe(again));
    await user.keyboard('user-42{Enter}');
    await screen.findByRole('listbox', { name: 'Matching inquiries' });
    await user.keyboard('{ArrowDown}{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_B2'));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Find an inquiry' })).toBeNull());
  });

  it('opens with "/" when the focus is not in a text field', async () => {
    const { user } = setup(() => ({ kind: 'referenceId', term: 'x', items: [], more: false }));
    await topBar();
    (await screen.findByRole('link', { name: 'Templates' })).focus();
    await user.keyboard('/');
    expect(await screen.findByRole('dialog', { name: 'Find an inquiry' })).toBeTruthy();
  });

  it('on a narrow screen the top bar has an icon button that opens it', async () => {
    const narrow = (query: string) => ({ matches: /max-width/.test(query), media: query, onchange: null, addEventListener: () => undefined, removeEventListener: () => undefined, addListener: () => undefined, removeListener: () => undefined, dispatchEvent: () => false });
    vi.stubGlobal('matchMedia', narrow);
    const { user } = setup(() => ({ kind: 'referenceId', term: 'x', items: [], more: false }));
    await user.click(await screen.findByRole('button', { name: /^Find an inquiry \((Ctrl\+K|⌘K)\)$/ }));
    expect(await screen.findByRole('dialog', { name: 'Find an inquiry' })).toBeTruthy();
    expect(screen.getAllByRole('combobox')).toHaveLength(1);
  });

  it('does not open with "/" typed in a text field: the slash is typed', async () => {
    const { user } = setup(() => ({ kind: 'referenceId', term: 'x', items: [], more: false }));
    const box = await topBar();
    await user.type(box, 'crm/42');
    expect((box as HTMLInputElement).value).toBe('crm/42');
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
