import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { TokenLinkRequest } from '@shared/token-link-approvals.js';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { signedInAs } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const HOUR = 3_600_000;
const now = Date.now();

function request(overrides: Partial<TokenLinkRequest> = {}): TokenLinkRequest {
  return {
    id: 'tlr_Req1',
    inquiryId: 'inq_AAAA1111',
    state: 'pending',
    requestedBy: { id: 'stf_support', display: 'support@demo.test' },
    reason: 'Customer on a kiosk cannot open the app',
    ticket: 'SUP-4411',
    expiresInMinutes: 60,
    acknowledgedExpired: false,
    acknowledgedOutdated: false,
    createdAt: new Date(now - 10 * 60_000),
    expiresAt: new Date(now + 50 * 60_000),
    decidedBy: null,
    decidedAt: null,
    decisionReason: null,
    linkId: null,
    linkExpiresAt: null,
    linkLive: false,
    collectedAt: null,
    ...overrides,
  };
}

function api(overrides: FakeApiHandlers = {}) {
  return installFakeApi({
    'auth.me': () => signedInAs('compliance'),
    'access.list': () => ({ items: [], nextCursor: null, total: 0, totalExact: true, scope: 'all' }),
    'access.outliers': () => ({ granularity: 'day', from: new Date(now - 14 * 24 * HOUR), to: new Date(now), buckets: [], agents: [], threshold: { ratio: 2, minimum: 5 }, scope: 'all' }),
    ...overrides,
  });
}

async function approvalsRegion() {
  return within(await screen.findByRole('region', { name: 'Token link requests waiting for approval' }));
}

describe('Token link requests on the Access page (the two-person rule)', () => {
  it('compliance approves a request with a reason; their own request cannot be decided by them', async () => {
    const fake = api({
      'links.approvals': () => ({
        mode: 'required',
        scope: 'all',
        items: [
          { ...request(), canDecide: true, cannotDecideBecause: null },
          {
            ...request({ id: 'tlr_Mine', requestedBy: { id: 'stf_compliance', display: 'compliance@demo.test' } }),
            canDecide: false,
            cannotDecideBecause: 'You cannot decide your own request: a second person must approve or reject it (the two-person rule).',
          },
        ],
      }),
      'links.approve': (input) => ({ requestId: input.requestId, state: 'approved', linkId: 'lnk_New1', linkExpiresAt: new Date(now + HOUR), lifetimeShortened: false }),
    });
    const { user } = renderApp('/access');
    const region = await approvalsRegion();
    expect(region.getByText(/a 60-minute token link for support@demo.test/)).toBeTruthy();
    expect(region.getByRole('button', { name: 'Approve tlr_Mine' }).hasAttribute('disabled')).toBe(true);
    // Compliance holds no link:token: no "your requests" section is asked for.
    expect(fake.inputsOf('links.myRequests')).toEqual([]);

    await user.click(region.getByRole('button', { name: 'Approve tlr_Req1' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Approve token link' }));
    expect(dialog.getByText(/you never see the link/)).toBeTruthy();
    const confirm = dialog.getByRole('button', { name: 'Approve' });
    expect(confirm.hasAttribute('disabled')).toBe(true); // a reason first
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Ticket checked with the customer');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(fake.inputsOf('links.approve')).toEqual([{ requestId: 'tlr_Req1', reason: 'Ticket checked with the customer' }]));
    expect(await screen.findByText(/Approved: lnk_New1 issued to support@demo.test/)).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Approve token link' })).toBeNull());
  });

  it('a refused approval (decided meanwhile) keeps the dialog open with the server\'s words', async () => {
    api({
      'links.approvals': () => ({ mode: 'required', scope: 'all', items: [{ ...request(), canDecide: true, cannotDecideBecause: null }] }),
      'links.reject': () => {
        throw new FakeApiError('CONFLICT', 'This request was already approved by admin@demo.test.');
      },
    });
    const { user } = renderApp('/access');
    await user.click((await approvalsRegion()).getByRole('button', { name: 'Reject tlr_Req1' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Reject token link request' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'No ticket behind this');
    await user.click(dialog.getByRole('button', { name: 'Reject' }));
    expect(await dialog.findByText('This request was already approved by admin@demo.test.')).toBeTruthy();
  });

  it('the requester collects an approved link once; support is never asked for the approvers\' queue', async () => {
    let collected = false;
    const fake = api({
      'auth.me': () => signedInAs('support'),
      'access.list': () => ({ items: [], nextCursor: null, total: 0, totalExact: true, scope: 'own' }),
      'links.myRequests': () => ({
        mode: 'required',
        items: [
          {
            ...request({
              state: 'approved',
              decidedBy: 'compliance@demo.test',
              decidedAt: new Date(now - 60_000),
              decisionReason: 'Ticket checked',
              linkId: 'lnk_New1',
              linkExpiresAt: new Date(now + HOUR),
              linkLive: true,
              collectedAt: collected ? new Date() : null,
            }),
            collectable: !collected,
          },
        ],
      }),
      'links.collect': (input) => {
        collected = true;
        return { requestId: input.requestId, linkId: 'lnk_New1', url: 'http://localhost/verify?inquiry-id=inq_AAAA1111&session-token=secret.jwt.value', expiresAt: new Date(now + HOUR) };
      },
    });
    const { user } = renderApp('/access');
    const mine = within(await screen.findByRole('region', { name: 'Your token link requests' }));
    expect(mine.getByText(/approved by compliance@demo.test: Ticket checked/)).toBeTruthy();
    await user.click(mine.getByRole('button', { name: 'Collect the link of tlr_Req1' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Collect token link' }));
    await user.click(dialog.getByRole('button', { name: 'Show and copy link' }));
    const url = await dialog.findByRole('textbox', { name: 'Link with session token' });
    expect((url as HTMLTextAreaElement).value).toContain('session-token=secret.jwt.value');
    expect(fake.inputsOf('links.collect')).toEqual([{ requestId: 'tlr_Req1' }]);
    // Once collected, the list offers no second collect.
    await waitFor(() => expect(mine.queryByRole('button', { name: 'Collect the link of tlr_Req1' })).toBeNull());
    expect(fake.inputsOf('links.approvals')).toEqual([]);
  });

  it('with the rule off and nothing asked for, nothing is shown', async () => {
    const fake = api({ 'links.approvals': () => ({ mode: 'off', scope: 'all', items: [] }) });
    renderApp('/access');
    expect(await screen.findByRole('heading', { name: 'Access report' })).toBeTruthy();
    await waitFor(() => expect(fake.inputsOf('links.approvals')).toHaveLength(1));
    expect(screen.queryByRole('region', { name: 'Token link requests waiting for approval' })).toBeNull();
  });
});
