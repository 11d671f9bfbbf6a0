import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AccessRow, OutliersOutput } from '@shared/access.js';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { signedInAs } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const HOUR = 3_600_000;
const now = Date.now();

function row(overrides: Partial<AccessRow> = {}): AccessRow {
  return {
    id: 'lnk_Token1',
    kind: 'token_link',
    inquiryId: 'inq_AAAA1111',
    issuedBy: 'support@demo.test',
    issuer: { type: 'staff', id: 'stf_support', display: 'support@demo.test' },
    issuedAt: new Date(now - 2 * HOUR),
    reason: 'Customer cannot use the app (ticket 88)',
    ticket: 'SUP-88',
    fingerprint: 'fp_abc123',
    expiresAt: new Date(now + HOUR),
    state: 'live',
    firstUsedAt: new Date(now - HOUR),
    lastUsedAt: new Date(now - HOUR / 2),
    useCount: 2,
    revokedAt: null,
    sessionId: 'iqse_Tok1',
    linkId: 'lnk_Token1',
    reusedSession: false,
    versionNumber: 1,
    latestVersionNumber: 3,
    versionGap: 2,
    note: null,
    revocable: true,
    ...overrides,
  };
}

const SESSION = row({
  id: 'iqse_Resume1',
  kind: 'console_resume',
  issuedBy: 'other@demo.test',
  issuer: { type: 'staff', id: 'stf_other', display: 'other@demo.test' },
  ticket: null,
  fingerprint: 'fp_def456',
  state: 'revoked',
  revokedAt: new Date(now - HOUR / 4),
  useCount: null,
  firstUsedAt: null,
  lastUsedAt: null,
  sessionId: 'iqse_Resume1',
  linkId: null,
  versionNumber: null,
  latestVersionNumber: null,
  versionGap: null,
  revocable: false,
});

const OUTLIERS: OutliersOutput = {
  granularity: 'day',
  from: new Date(now - 14 * 24 * HOUR),
  to: new Date(now),
  buckets: [],
  agents: [
    { issuerId: 'stf_busy', issuerDisplay: 'busy@demo.test', total: 40, peak: { start: new Date(now - 24 * HOUR), count: 30, teamMedian: 3 }, outlier: true, counts: [] },
    { issuerId: 'stf_calm', issuerDisplay: 'calm@demo.test', total: 6, peak: { start: new Date(now - 24 * HOUR), count: 3, teamMedian: 3 }, outlier: false, counts: [] },
  ],
  threshold: { ratio: 2, minimum: 5 },
  scope: 'all',
};

function api(overrides: FakeApiHandlers = {}) {
  return installFakeApi({
    'auth.me': () => signedInAs('compliance'),
    'access.list': (input) => ({
      items: input.limit === 1 ? [] : [row(), SESSION],
      nextCursor: input.limit === 1 ? null : 'next-page',
      total: input.limit === 1 ? 7 : 120,
      totalExact: true,
      scope: 'all',
    }),
    'access.outliers': () => OUTLIERS,
    ...overrides,
  });
}

async function tableRow(id: string) {
  const found = await waitFor(() => {
    const element = screen.getByRole('table', { name: 'Issued access' }).querySelector(`tr[data-row-id="${id}"]`);
    if (!(element instanceof HTMLElement)) throw new Error(`no row ${id}`);
    return element;
  });
  return within(found);
}

describe('Access report page', () => {
  it('shows each row with its kind, issuer, reason, state, use and version gap; outliers beside the median', async () => {
    api();
    renderApp('/access');
    const token = await tableRow('lnk_Token1');
    expect(token.getByText('Token link')).toBeTruthy();
    expect(token.getByRole('link', { name: 'inq_AAAA1111' }).getAttribute('href')).toBe('/inquiries/inq_AAAA1111');
    expect(token.getByText('ticket SUP-88')).toBeTruthy();
    expect(token.getByText('Customer cannot use the app (ticket 88)')).toBeTruthy();
    expect(token.getByText('Live')).toBeTruthy();
    expect(token.getByText('link opened 2×')).toBeTruthy();
    expect(token.getByText('v1 of v3 (2 behind)')).toBeTruthy();
    expect(token.getByText('fp_abc123')).toBeTruthy();
    expect(token.getByRole('button', { name: 'Revoke lnk_Token1' })).toBeTruthy();

    const session = await tableRow('iqse_Resume1');
    expect(session.getByText('Console resume')).toBeTruthy();
    expect(session.getByText('Revoked')).toBeTruthy();
    expect(session.getByText('not used')).toBeTruthy();
    expect(session.queryByRole('button', { name: /Revoke/ })).toBeNull();

    expect(screen.getByText('120 issued')).toBeTruthy();
    const outliers = within(await screen.findByRole('table', { name: 'Issues per agent per day' }));
    const busy = outliers.getByRole('button', { name: 'busy@demo.test' }).closest('tr');
    expect(busy && within(busy).getByText('Outlier')).toBeTruthy();
    expect(busy && within(busy).getByText('30 on', { exact: false })).toBeTruthy();
  });

  it('keeps filters in the URL: the live token links quick view, an issuer from a row, paging', async () => {
    const fake = api();
    const { user, params } = renderApp('/access');
    await tableRow('lnk_Token1');

    await user.click(screen.getByRole('button', { name: /Live token links/ }));
    await waitFor(() => expect(params().getAll('kind')).toEqual(['token_link']));
    expect(params().getAll('state')).toEqual(['live']);
    await waitFor(() => expect(fake.inputsOf('access.list')).toContainEqual({ kind: ['token_link'], state: ['live'], limit: 50 }));

    await user.click(await screen.findByRole('button', { name: 'other@demo.test' }));
    await waitFor(() => expect(params().get('issuer')).toBe('stf_other'));
    // Choosing a filter keeps the others and starts from the first page.
    expect(params().getAll('kind')).toEqual(['token_link']);

    await user.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(params().getAll('cursor')).toEqual(['next-page']));
    await waitFor(() => expect(fake.inputsOf('access.list')).toContainEqual({ kind: ['token_link'], state: ['live'], issuer: 'stf_other', limit: 50, cursor: 'next-page' }));
  });

  it('revokes one row with a reason, through the inquiry actions', async () => {
    const fake = api({ 'links.revoke': ({ linkId }) => ({ linkId, revokedAt: new Date(), sessionExpired: true }) });
    const { user } = renderApp('/access');
    const token = await tableRow('lnk_Token1');
    await user.click(token.getByRole('button', { name: 'Revoke lnk_Token1' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke token link' }));
    expect(dialog.getByText(/stops opening inq_AAAA1111 at once, and the session it carries expires/)).toBeTruthy();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Ticket closed');
    await user.click(dialog.getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(fake.inputsOf('links.revoke')).toEqual([{ linkId: 'lnk_Token1', reason: 'Ticket closed' }]));
    expect(await screen.findByText('Revoked lnk_Token1 and expired its session.')).toBeTruthy();
  });

  it('bulk revoke shows the exact count first, sends it, and shows the new count when the set has changed', async () => {
    let count = 7;
    const fake = api({
      'access.revokePreview': () => ({ count, tooMany: false, max: 5000, byKind: [{ kind: 'token_link', count }], scope: 'all' }),
      'access.revokeMatching': (input) => {
        if (input.expectedCount !== count) throw new FakeApiError('CONFLICT', `${count} rows match now, not ${input.expectedCount}: the set changed since you reviewed it.`, { count });
        return { bulkId: 'bulk_1', count, revoked: count, skipped: 0, batches: 1, status: 'done' };
      },
    });
    const { user } = renderApp('/access?kind=token_link&state=live');
    await tableRow('lnk_Token1');
    await user.click(screen.getByRole('button', { name: 'Revoke all matching…' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke all matching' }));
    expect(await dialog.findByText('This revokes exactly 7 rows: 7 token link.')).toBeTruthy();
    expect(dialog.getByText(/Matching kind Token link, state live/)).toBeTruthy();

    // Someone issued another in between: refused, and the dialog shows the new count to confirm.
    count = 8;
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Agent account compromised');
    await user.click(dialog.getByRole('button', { name: 'Revoke 7 rows' }));
    expect(await dialog.findByText(/8 rows match now, not 7/)).toBeTruthy();
    expect(await dialog.findByText('This revokes exactly 8 rows: 8 token link.')).toBeTruthy();
    await user.click(dialog.getByRole('button', { name: 'Revoke 8 rows' }));
    expect(await screen.findByText('Revoked 8 rows of 8.')).toBeTruthy();

    const sent = fake.inputsOf('access.revokeMatching') as { expectedCount: number; idempotencyKey: string; kind: string[] }[];
    expect(sent.map((s) => [s.expectedCount, s.kind])).toEqual([
      [7, ['token_link']],
      [8, ['token_link']],
    ]);
    // One dialog, one key: a double click or a retry cannot revoke twice.
    expect(new Set(sent.map((s) => s.idempotencyKey)).size).toBe(1);
  });

  it('a bulk revocation that goes on in the background shows how far it is, then says how it ended', async () => {
    let asked = 0;
    const fake = api({
      'access.revokePreview': () => ({ count: 400, tooMany: false, max: 5000, byKind: [{ kind: 'token_link', count: 400 }], scope: 'all' }),
      'access.revokeMatching': () => ({ bulkId: 'bulk_2', count: 400, revoked: 120, skipped: 0, batches: 120, status: 'running' }),
      'access.revokeStatus': () => {
        asked += 1;
        return asked < 2
          ? { bulkId: 'bulk_2', count: 400, revoked: 300, skipped: 0, batches: 300, status: 'running' }
          : { bulkId: 'bulk_2', count: 400, revoked: 398, skipped: 2, batches: 400, status: 'done' };
      },
    });
    const { user } = renderApp('/access?kind=token_link&state=live');
    await tableRow('lnk_Token1');
    await user.click(screen.getByRole('button', { name: 'Revoke all matching…' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke all matching' }));
    expect(await dialog.findByText('This revokes exactly 400 rows: 400 token link.')).toBeTruthy();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Agent account compromised');
    await user.click(dialog.getByRole('button', { name: 'Revoke 400 rows' }));
    const progress = within(await screen.findByRole('dialog', { name: 'Revoking all matching' }));
    expect(await progress.findByText(/300 of 400 rows revoked/, {}, { timeout: 3_000 })).toBeTruthy();
    expect(progress.getByRole('progressbar', { name: 'Revocation progress' }).getAttribute('aria-valuenow')).toBe('75');
    expect(await screen.findByText('Revoked 398 rows of 400 (2 had ended meanwhile).', {}, { timeout: 5_000 })).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'Revoking all matching' })).toBeNull();
    // It asked by the request's own key.
    const key = (fake.inputsOf('access.revokeMatching')[0] as { idempotencyKey: string }).idempotencyKey;
    expect(fake.inputsOf('access.revokeStatus')).toContainEqual({ idempotencyKey: key });
  });

  it('support sees their own rows, with no issuer filter to choose', async () => {
    api({ 'auth.me': () => signedInAs('support'), 'access.list': () => ({ items: [row()], nextCursor: null, total: 1, totalExact: true, scope: 'own' }) });
    renderApp('/access');
    await tableRow('lnk_Token1');
    expect(screen.getByText('You see the access you issued, and sessions handed to you again.')).toBeTruthy();
    expect(screen.queryByRole('textbox', { name: 'Issued by' })).toBeNull();
    // Their own row: Revoke is offered.
    expect(screen.getByRole('button', { name: 'Revoke lnk_Token1' })).toBeTruthy();
  });

  it('offers compliance every row the filters match as CSV and JSONL', async () => {
    api();
    renderApp('/access?kind=token_link&state=live');
    await tableRow('lnk_Token1');
    const csv = screen.getByRole('link', { name: 'Export CSV' });
    expect(csv.getAttribute('href')).toBe('/api/access/export.csv?kind=token_link&state=live');
    expect(csv.hasAttribute('download')).toBe(true);
    expect(screen.getByRole('link', { name: 'Export JSONL' }).getAttribute('href')).toBe('/api/access/export.jsonl?kind=token_link&state=live');
  });

  it('shows support no export', async () => {
    api({ 'auth.me': () => signedInAs('support'), 'access.list': () => ({ items: [row()], nextCursor: null, total: 1, totalExact: true, scope: 'own' }) });
    renderApp('/access');
    await tableRow('lnk_Token1');
    expect(screen.queryByRole('link', { name: 'Export CSV' })).toBeNull();
  });

  it('a manager is not shown the page or its navigation entry', async () => {
    api({ 'auth.me': () => signedInAs('manager') });
    renderApp('/access');
    expect(await screen.findByText(/cannot read the access report/)).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Access' })).toBeNull();
  });
});
