import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { detail, emptyOverview, session } from '../../test/fixtures';
import { FakeApiError, installFakeApi } from '../../test/fakeApi';
import { renderApp } from '../../test/renderApp';
import { actionsFor, refused } from './actions/testing';

describe('Inquiry detail', () => {
  it('shows the inquiry, why it may be stuck, its version gap, and actions the server refuses as disabled', async () => {
    const replaced = 'Replaced by inq_Next1: act on the new inquiry instead.';
    installFakeApi({
      'inquiries.actionsFor': () =>
        actionsFor({
          resume: refused(replaced),
          oneTimeLink: refused(replaced),
          recreate: refused(replaced),
          tokenLink: { ...refused(replaced), maxMinutes: 0 },
        }),
      'inquiries.get': ({ id }) =>
        detail({
          id,
          successor: { id: 'inq_Next1', status: 'created' },
          sessions: [session({ issuedByType: 'staff', issuedBy: 'support@demo.test' })],
          status: 'brand_new_status',
        }),
    });
    renderApp('/inquiries/inq_AAAA1111');

    expect(await screen.findByRole('heading', { name: 'inq_AAAA1111', level: 1 })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy inquiry id' })).toBeTruthy();
    expect(screen.getByText('brand_new_status')).toBeTruthy();
    expect(screen.getByText('v3 of 5 · 2 behind')).toBeTruthy();

    const diagnosis = screen.getByRole('region', { name: 'Why it may be stuck' });
    expect(within(diagnosis).getByRole('alert').textContent).toContain('Started, but no live session.');

    const actions = within(screen.getByRole('region', { name: 'Actions' }));
    for (const name of ['Resume and copy token', 'Send one-time link', 'Recreate on latest version', 'Link with session token']) {
      expect((await actions.findByRole('button', { name })).hasAttribute('disabled')).toBe(true);
    }
    expect(actions.getAllByText(replaced)).toHaveLength(4);
    expect(screen.getByRole('link', { name: 'Open the new inquiry' }).getAttribute('href')).toBe('/inquiries/inq_Next1');

    expect(within(screen.getByRole('region', { name: 'Prefilled fields' })).getByText('j•••@example.com')).toBeTruthy();
    const sessions = within(screen.getByRole('table', { name: 'Sessions' }));
    expect(sessions.getByText('iqse_One')).toBeTruthy();
    expect(sessions.getByText('support@demo.test')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'inq_Next1' }).getAttribute('href')).toBe('/inquiries/inq_Next1');
    expect(within(screen.getByRole('list', { name: 'Timeline' })).getByText('Inquiry created')).toBeTruthy();
  });

  it.each(['approved', 'declined', 'completed'])('never says a %s inquiry "Expired … ago" in its header', async (status) => {
    installFakeApi({
      'inquiries.actionsFor': () => actionsFor({}),
      'inquiries.get': ({ id }) => detail({ id, status, expiresAt: new Date(Date.now() - 3 * 86_400_000) }),
    });
    renderApp('/inquiries/inq_DONE1111');
    const heading = await screen.findByRole('heading', { name: 'inq_DONE1111', level: 1 });
    const header = heading.closest('header') ?? heading.parentElement?.parentElement ?? document.body;
    expect(header.textContent).not.toMatch(/Expired/);
  });

  it('says plainly when there is no such inquiry, with a way back', async () => {
    installFakeApi({
      'inquiries.get': ({ id }) => {
        throw new FakeApiError('NOT_FOUND', `No inquiry ${id}.`);
      },
      'inquiries.list': () => ({ items: [], nextCursor: null, total: 0, totalExact: true }),
      'inquiries.overview': () => emptyOverview,
      'templates.list': () => ({ items: [] }),
    });
    const { user, router } = renderApp('/inquiries/inq_Missing1');
    expect(await screen.findByText('No inquiry inq_Missing1 — check the id')).toBeTruthy();
    await user.click(screen.getByRole('link', { name: 'Back to inquiries' }));
    expect(router.state.location.pathname).toBe('/inquiries');
  });

  it('does not ask the server about something that is not an inquiry id', async () => {
    const fake = installFakeApi({});
    renderApp('/inquiries/not-an-id');
    expect(await screen.findByText('No inquiry not-an-id — check the id')).toBeTruthy();
    // Only the auth gate's own question (auth.me): nothing about the inquiry.
    expect(fake.calls.filter((c) => !c.path.startsWith('auth.'))).toHaveLength(0);
  });
});
