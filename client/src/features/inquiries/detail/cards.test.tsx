import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../../test/fakeApi';
import { detail, session, signedInAs } from '../../../test/fixtures';
import { renderApp } from '../../../test/renderApp';
import { actionsFor } from '../actions/testing';
import type { RouterOutputs } from '../../../lib/trpc';

const HOUR = 3_600_000;
type Link = RouterOutputs['inquiries']['get']['links'][number];

function link(overrides: Partial<Link> = {}): Link {
  return {
    id: 'lnk_Tok1',
    kind: 'token',
    createdAt: new Date(Date.now() - HOUR),
    expiresAt: new Date(Date.now() + 2 * HOUR),
    firstUsedAt: null,
    useCount: 0,
    revokedAt: null,
    issuedBy: 'someone.else@demo.test',
    issuedById: 'stf_other',
    reason: 'Kiosk user',
    ticket: 'SUP-77',
    tokenFingerprint: 'fp9z8y7x',
    state: 'live',
    ...overrides,
  };
}

function handlers(extra: FakeApiHandlers): FakeApiHandlers {
  return { 'auth.me': () => signedInAs('support'), 'inquiries.actionsFor': () => actionsFor(), ...extra };
}

describe('Links card', () => {
  it('lists the links with what compliance asks about, and revokes a live one with a reason', async () => {
    let revoked = false;
    const fake = installFakeApi(
      handlers({
        'inquiries.get': ({ id }) =>
          detail({
            id,
            links: [
              link({ state: revoked ? 'revoked' : 'live', revokedAt: revoked ? new Date() : null }),
              link({ id: 'lnk_One1', kind: 'one_time', state: 'used', useCount: 1, ticket: null, tokenFingerprint: null, createdAt: new Date(Date.now() - 2 * HOUR) }),
            ],
          }),
        'links.revoke': ({ linkId }) => {
          revoked = true;
          return { linkId, revokedAt: new Date(), sessionExpired: true };
        },
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    const table = within(await screen.findByRole('table', { name: 'Links' }));
    const [tokenRow, oneTimeRow] = table.getAllByRole('row').slice(1);
    expect(tokenRow?.textContent).toContain('Session token');
    expect(tokenRow?.textContent).toContain('someone.else@demo.test');
    expect(tokenRow?.textContent).toContain('Kiosk user');
    expect(tokenRow?.textContent).toContain('SUP-77');
    expect(tokenRow?.textContent).toContain('fp9z8y7x');
    expect(oneTimeRow?.textContent).toContain('One-time');
    expect(within(oneTimeRow!).queryByRole('button', { name: /Revoke/ })).toBeNull();

    await user.click(within(tokenRow!).getByRole('button', { name: 'Revoke lnk_Tok1' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke link' }));
    const confirm = dialog.getByRole('button', { name: 'Revoke' });
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Sent to the wrong address{Enter}');

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(fake.inputsOf('links.revoke')).toEqual([{ linkId: 'lnk_Tok1', reason: 'Sent to the wrong address' }]);
    expect(await screen.findByText('Revoked lnk_Tok1 and expired its session.')).toBeTruthy();
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Links' })).getAllByText('revoked').length).toBeGreaterThan(0));
  });

  it("shows the server's refusal when support tries to revoke someone else's link", async () => {
    installFakeApi(
      handlers({
        'inquiries.get': ({ id }) => detail({ id, links: [link()] }),
        'links.revoke': () => {
          throw new FakeApiError('FORBIDDEN', 'You can only revoke links you issued yourself.');
        },
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await screen.findByRole('button', { name: 'Revoke lnk_Tok1' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke link' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Sent to the wrong address{Enter}');
    expect((await dialog.findByRole('alert')).textContent).toContain('You can only revoke links you issued yourself.');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

describe('Sessions card', () => {
  it('expires the live sessions after a confirmation with a reason', async () => {
    const fake = installFakeApi(
      handlers({
        'inquiries.get': ({ id }) =>
          detail({ id, sessions: [session({ state: 'live', expiresAt: new Date(Date.now() + HOUR), issuedByType: 'staff', issuedBy: 'support@demo.test', tokenFingerprint: 'fpab12' })] }),
        'inquiries.expireSessions': () => ({ expired: 1 }),
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    const card = within(await screen.findByRole('region', { name: 'Sessions' }));
    expect(card.getByText('fp fpab12')).toBeTruthy();
    await user.click(card.getByRole('button', { name: 'Expire sessions' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Expire sessions' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Token was shared in a chat');
    await user.click(dialog.getByRole('button', { name: 'Expire sessions' }));
    await waitFor(() => expect(fake.inputsOf('inquiries.expireSessions')).toEqual([{ inquiryId: 'inq_AAAA1111', reason: 'Token was shared in a chat' }]));
    expect(await screen.findByText('Expired 1 session.')).toBeTruthy();
  });

  it('shows each later hand-out of a reused session', async () => {
    const handedTo = [{ type: 'staff', by: 'bea@demo.test', byId: 'stf_bea', at: new Date(Date.now() - 5 * 60_000), reason: 'Customer called again' }];
    const live = session({ state: 'live', expiresAt: new Date(Date.now() + HOUR), issuedByType: 'staff', issuedBy: 'al@demo.test', handedTo });
    installFakeApi(handlers({ 'inquiries.get': ({ id }) => detail({ id, sessions: [live] }) }));
    renderApp('/inquiries/inq_AAAA1111');
    const card = within(await screen.findByRole('region', { name: 'Sessions' }));
    expect(card.getByText('al@demo.test')).toBeTruthy();
    expect(card.getByText(/then handed to bea@demo\.test/).textContent).toContain('Customer called again');
  });

  it('offers nothing to expire when no session is live', async () => {
    installFakeApi(handlers({ 'inquiries.get': ({ id }) => detail({ id, sessions: [session()] }) }));
    renderApp('/inquiries/inq_AAAA1111');
    const card = within(await screen.findByRole('region', { name: 'Sessions' }));
    expect(card.getByRole('button', { name: 'Expire sessions' }).hasAttribute('disabled')).toBe(true);
  });
});
