import { act, screen, waitFor, within } from '@testing-library/react';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { detail, emptyOverview, listItem, signedInAs, template } from '../../../test/fixtures';
import { installFakeApi, type FakeApiHandlers } from '../../../test/fakeApi';
import { renderApp } from '../../../test/renderApp';
import { actionsFor, allowed, refused } from '../actions/testing';
import { preferencesKey } from './listPreferences';

function api(overrides: FakeApiHandlers = {}) {
  return installFakeApi({
    'inquiries.list': () => ({ items: [listItem()], nextCursor: null, total: 1, totalExact: true }),
    'inquiries.overview': () => emptyOverview,
    'templates.list': () => ({ items: [template()] }),
    'inquiries.get': ({ id }) => detail({ id }),
    'inquiries.actionsFor': () => actionsFor(),
    ...overrides,
  });
}

/** The row's template cell: plain text, not a control. */
const templateCell = () => screen.getByRole('gridcell', { name: 'KYC Onboarding' });

describe('Acting from the inquiry list', () => {
  // The page and its grid are lazy chunks: load them once, outside any test's time budget.
  beforeAll(() => Promise.all([import('../InquiryListPage'), import('../InquiryGrid'), import('../actions/ActionDialogFor')]), 120_000);

  it('opens the inquiry on a plain click anywhere on its row, with the way back to this view', async () => {
    api();
    const { user, router } = renderApp('/inquiries?status=pending');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    await user.click(templateCell());
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_AAAA1111'));
    expect(router.state.location.state).toEqual({ from: '/inquiries?status=pending' });
  });

  it('leaves Ctrl/⌘-click and middle click to new tabs: the id is a real link, and the rest of the row opens one', async () => {
    api();
    const open = vi.spyOn(window, 'open').mockReturnValue(null);
    const { user, router } = renderApp('/inquiries');
    const link = await screen.findByRole('link', { name: 'inq_AAAA1111' });
    expect(link.getAttribute('href')).toBe('/inquiries/inq_AAAA1111');

    // On the link, the browser's own gesture: the row adds nothing and this page stays.
    await user.keyboard('{Control>}');
    await user.click(link);
    await user.keyboard('{/Control}');
    expect(router.state.location.pathname).toBe('/inquiries');
    expect(open).not.toHaveBeenCalled();

    // Elsewhere on the row: a new tab with the inquiry, this page stays.
    await user.keyboard('{Meta>}');
    await user.click(templateCell());
    await user.keyboard('{/Meta}');
    expect(open).toHaveBeenCalledWith('/inquiries/inq_AAAA1111', '_blank', 'noopener');
    await user.pointer({ keys: '[MouseMiddle]', target: templateCell() });
    expect(open).toHaveBeenCalledTimes(2);
    expect(router.state.location.pathname).toBe('/inquiries');
  });

  it('does not open the inquiry when the click ends a text selection', async () => {
    api();
    const { user, router } = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    vi.spyOn(window, 'getSelection').mockReturnValue({ isCollapsed: false, toString: () => 'user-42' } as unknown as Selection);
    await user.click(screen.getByText('user-42'));
    expect(router.state.location.pathname).toBe('/inquiries');
  });

  it('opens the focused row on Enter', async () => {
    api();
    const { user, router } = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    act(() => templateCell().focus());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_AAAA1111'));
  });

  it('lists the actions with the server’s verdicts in the row menu, and opens the chosen one’s dialog', async () => {
    const fake = api({
      'inquiries.actionsFor': () =>
        actionsFor({
          resume: allowed({ warnings: ['The inquiry expired 2 days ago.'], requires: ['acknowledgeExpired'] }),
          tokenLink: { ...refused('Token links are off for this template.'), maxMinutes: 0 },
        }),
      'links.createOneTime': ({ inquiryId }) => ({ linkId: 'lnk_1', url: `https://verify.example/one-time/${inquiryId}?code=secret`, expiresAt: new Date(Date.now() + 3_600_000) }),
    });
    const { user, router } = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    const listCalls = fake.inputsOf('inquiries.list').length;

    await user.click(screen.getByRole('button', { name: 'More actions for inq_AAAA1111' }));
    const menu = await screen.findByRole('menu', { name: 'Actions for inq_AAAA1111' });
    const item = async (name: RegExp) => within(menu).findByRole('menuitem', { name });
    // Verdicts as the server gave them: a warning on resume, the reason a token link is refused.
    expect((await item(/^Resume/)).textContent).toContain('The inquiry expired 2 days ago.');
    const tokenLink = await item(/^Link with token/);
    expect(tokenLink.getAttribute('aria-disabled')).toBe('true');
    expect(tokenLink.textContent).toContain('Token links are off for this template.');
    expect(fake.inputsOf('inquiries.actionsFor')).toEqual([{ id: 'inq_AAAA1111' }]);
    // Choosing a refused action does nothing; the menu's clicks never open the row.
    await user.click(tokenLink);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(router.state.location.pathname).toBe('/inquiries');

    await user.click(await item(/^One-time link/));
    const dialog = await screen.findByRole('dialog', { name: /one-time link/i });
    await user.type(within(dialog).getByRole('textbox', { name: /reason/i }), 'User closed the browser');
    await user.click(within(dialog).getByRole('button', { name: /^Create/ }));
    expect(await within(dialog).findByText(/secret/)).toBeTruthy();
    expect(fake.inputsOf('links.createOneTime')).toMatchObject([{ inquiryId: 'inq_AAAA1111', reason: 'User closed the browser' }]);
    expect(router.state.location.pathname).toBe('/inquiries');
    // The list and its counts are asked again: the row's live sessions and the figures above have changed.
    await waitFor(() => expect(fake.inputsOf('inquiries.list').length).toBeGreaterThan(listCalls));
    expect(fake.inputsOf('inquiries.overview').length).toBeGreaterThan(1);
  });

  it('shows that it is checking while the verdicts load', async () => {
    let answer: (value: ReturnType<typeof actionsFor>) => void = () => undefined;
    api({ 'inquiries.actionsFor': () => new Promise((resolve) => (answer = resolve)) });
    const { user } = renderApp('/inquiries');
    await user.click(await screen.findByRole('button', { name: 'More actions for inq_AAAA1111' }));
    const menu = await screen.findByRole('menu');
    expect(within(menu).getByRole('status').textContent).toContain('Checking what you may do');
    expect(within(menu).queryByRole('menuitem')).toBeNull();
    act(() => answer(actionsFor()));
    expect(await within(menu).findByRole('menuitem', { name: /^One-time link/ })).toBeTruthy();
  });

  it('keeps each person’s column choice and density, and restores them on the next visit', async () => {
    api();
    const first = renderApp('/inquiries');
    const { user } = first;
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    expect(screen.getByRole('columnheader', { name: 'Email' })).toBeTruthy();
    expect(screen.getByText('j•••@example.com')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Choose columns' }));
    await user.click(await screen.findByRole('checkbox', { name: 'Email' }));
    await waitFor(() => expect(screen.queryByRole('columnheader', { name: 'Email' })).toBeNull());
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'Row density: Standard' }));
    await user.click(await screen.findByRole('menuitemradio', { name: 'Compact' }));
    expect(JSON.parse(window.localStorage.getItem(preferencesKey('stf_admin')) ?? '{}')).toEqual({ hiddenColumns: { emailMasked: false }, density: 'compact' });
    first.unmount();

    // The same person later: as they left it.
    api();
    const again = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    expect(screen.queryByRole('columnheader', { name: 'Email' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Row density: Compact' })).toBeTruthy();
    again.unmount();

    // Someone else in the same browser: the defaults, not the admin's choice.
    api({ 'auth.me': () => signedInAs('support') });
    renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    expect(await screen.findByRole('columnheader', { name: 'Email' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Row density: Standard' })).toBeTruthy();
  });
});
