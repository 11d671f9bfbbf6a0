import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions.js';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { signedInAs } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';
import type { AuditEvent, AuditPage } from './hooks';

const T0 = Date.parse('2026-11-25T09:30:00.000Z');

function event(seq: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    seq,
    occurredAt: new Date(T0 - (100 - seq) * 60_000),
    actor: { type: 'staff', id: 'stf_Sam', display: 'sam@demo.test' },
    action: 'link.created',
    target: { type: 'inquiry', id: 'inq_Ab12' },
    inquiryId: 'inq_Ab12',
    reason: `Customer lost the link (${seq})`,
    ticket: 'SUP-1042',
    request: { ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0', requestId: `req-${seq}` },
    metadata: { linkId: `lnk_${seq}`, kind: 'token_link' },
    hash: 'ab'.repeat(32),
    ...overrides,
  };
}

function page(items: AuditEvent[], overrides: Partial<AuditPage> = {}): AuditPage {
  return { items, nextCursor: null, filter: {}, query: '', scope: 'all', ...overrides };
}

function api(handlers: FakeApiHandlers = {}, role: Role = 'compliance') {
  return installFakeApi({ 'auth.me': () => signedInAs(role), 'audit.list': () => page([event(3), event(2), event(1)]), ...handlers });
}

describe('Audit page', () => {
  it('lists events newest first, and loads older ones with the cursor the server gave', async () => {
    const fake = api({
      'audit.list': (input) =>
        input.cursor === undefined
          ? page([event(9), event(8)], { nextCursor: 'cursor-after-8' })
          : page([event(7, { action: 'link.revoked', target: { type: 'link', id: 'lnk_7' } })]),
    });
    const { user } = renderApp('/audit');
    const table = within(await screen.findByRole('table', { name: 'Audit events' }));
    expect(table.getAllByRole('row')).toHaveLength(3);
    expect(table.getByRole('button', { name: 'Open event 9: link.created' })).toBeTruthy();
    expect(screen.getByText('2 events shown, newest first')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await table.findByRole('button', { name: 'Open event 7: link.revoked' })).toBeTruthy();
    expect(table.getAllByRole('row').map((r) => r.textContent)).toEqual([expect.stringContaining('When'), expect.stringContaining('(9)'), expect.stringContaining('(8)'), expect.stringContaining('link lnk_7')]);
    expect(screen.getByText('3 events shown — the end of this search')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(fake.inputsOf('audit.list')).toEqual([{ q: '', limit: 50, direction: 'forward' }, { q: '', limit: 50, cursor: 'cursor-after-8', direction: 'forward' }]);
  });

  it('searches with key:value terms, keeps the search in the URL and sends it as the parser writes it', async () => {
    const fake = api();
    const { user, params } = renderApp('/audit');
    await screen.findByRole('table', { name: 'Audit events' });
    const box = screen.getByRole('textbox', { name: 'Search the log' });
    await user.type(box, 'ACTION:link.created actor:Sam@Demo.test after:2026-11-01{Enter}');
    await waitFor(() => expect(params().get('q')).toBe('actor:sam@demo.test action:link.created after:2026-11-01'));
    await waitFor(() => expect(fake.inputsOf('audit.list')).toContainEqual({ q: 'actor:sam@demo.test action:link.created after:2026-11-01', limit: 50, direction: 'forward' }));
    expect((box as HTMLInputElement).value).toBe('actor:sam@demo.test action:link.created after:2026-11-01');
  });

  it('says what it expected when the search is not understood, inline, and asks the server nothing', async () => {
    const fake = api();
    const { user, params } = renderApp('/audit?q=action%3Alink.created');
    await screen.findByRole('table', { name: 'Audit events' });
    const box = screen.getByRole('textbox', { name: 'Search the log' });
    await user.clear(box);
    await user.type(box, 'action:link.created colour:red{Enter}');
    expect(await screen.findByText(/unknown key "colour:" — use actor:, action:, inquiry:/)).toBeTruthy();
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(params().get('q')).toBe('action:link.created');
    expect(fake.inputsOf('audit.list')).toEqual([{ q: 'action:link.created', limit: 50, direction: 'forward' }]);

    // Once a message shows, it follows the text as it is edited, and goes when the search is right.
    await user.clear(box);
    await user.type(box, 'after:2026-13-01{Enter}');
    expect(await screen.findByText(/after: expected a date like 2026-11-01 .*got "2026-13-01"/)).toBeTruthy();
    await user.type(box, '{Backspace}{Backspace}{Backspace}{Backspace}{Backspace}');
    expect(await screen.findByText(/after: expected a date like 2026-11-01 .*got "2026-"/)).toBeTruthy();
    await user.type(box, '12-01');
    await waitFor(() => expect(box.getAttribute('aria-invalid')).toBe('false'));
    expect(params().get('q')).toBe('action:link.created');
  });

  it('a search in the URL the parser does not understand is explained, not sent', async () => {
    const fake = api();
    renderApp(`/audit?q=${encodeURIComponent('ticket:"open')}`);
    expect(await screen.findByText(/ticket: unbalanced quote/)).toBeTruthy();
    expect(fake.inputsOf('audit.list')).toEqual([]);
    expect(screen.queryByRole('table', { name: 'Audit events' })).toBeNull();
  });

  it('opens an event: who, what, when, why, from where, and what changed', async () => {
    const policy = event(5, {
      action: 'policy.updated',
      actor: { type: 'staff', id: 'stf_Mia', display: 'mia@demo.test' },
      target: { type: 'template', id: 'itmpl_K1' },
      inquiryId: null,
      reason: 'Quarterly review',
      ticket: null,
      metadata: { revisionId: 4, before: { afterCreateMinutes: 1440, oneTimeLinkMinutes: 60 }, after: { afterCreateMinutes: 2880, oneTimeLinkMinutes: 60 } },
    });
    api({ 'audit.list': () => page([event(6), policy]) });
    const { user } = renderApp('/audit');
    await user.click(await screen.findByRole('button', { name: 'Open event 5: policy.updated' }));
    const drawer = within(await screen.findByRole('dialog', { name: 'policy.updated' }));
    expect(drawer.getByText('Event #5')).toBeTruthy();
    expect(within(drawer.getByRole('region', { name: 'Who' })).getByText('mia@demo.test')).toBeTruthy();
    expect(within(drawer.getByRole('region', { name: 'What' })).getByText('template itmpl_K1')).toBeTruthy();
    expect(within(drawer.getByRole('region', { name: 'When' })).getByText(policy.occurredAt.toISOString())).toBeTruthy();
    const why = within(drawer.getByRole('region', { name: 'Why' }));
    expect(why.getByText('Quarterly review')).toBeTruthy();
    expect(why.getByText('Not recorded')).toBeTruthy(); // no ticket
    const where = within(drawer.getByRole('region', { name: 'From where' }));
    expect(where.getByText('203.0.113.9')).toBeTruthy();
    expect(where.getByText('Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0')).toBeTruthy();
    expect(where.getByText('req-5')).toBeTruthy();

    const changes = within(drawer.getByRole('table', { name: 'Before and after' }));
    const changed = changes.getByRole('rowheader', { name: /afterCreateMinutes/ }).closest('tr')!;
    expect(within(changed).getByText('changed')).toBeTruthy();
    expect(within(changed).getByText('1440')).toBeTruthy();
    expect(within(changed).getByText('2880')).toBeTruthy();
    expect(within(changes.getByRole('rowheader', { name: /oneTimeLinkMinutes/ }).closest('tr')!).queryByText('changed')).toBeNull();
    expect(within(drawer.getByRole('region', { name: 'Details' })).getByText('revisionId')).toBeTruthy();
    expect(drawer.getByLabelText('Hash').textContent).toBe('ab'.repeat(32));
  });

  it('links from an event to the inquiry, to its trail, and to the person’s other events', async () => {
    const fake = api();
    const { user, params, router } = renderApp('/audit');
    await user.click(await screen.findByRole('button', { name: 'Open event 2: link.created' }));
    let drawer = within(await screen.findByRole('dialog', { name: 'link.created' }));
    expect(drawer.getByRole('link', { name: 'Open inquiry inq_Ab12' }).getAttribute('href')).toBe('/inquiries/inq_Ab12');

    await user.click(drawer.getByRole('button', { name: 'Their other events' }));
    await waitFor(() => expect(params().get('q')).toBe('actor:sam@demo.test'));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole<HTMLInputElement>('textbox', { name: 'Search the log' }).value).toBe('actor:sam@demo.test');
    await waitFor(() => expect(fake.inputsOf('audit.list')).toContainEqual({ q: 'actor:sam@demo.test', limit: 50, direction: 'forward' }));

    await user.click(await screen.findByRole('button', { name: 'Open event 3: link.created' }));
    drawer = within(await screen.findByRole('dialog', { name: 'link.created' }));
    await user.click(drawer.getByRole('button', { name: 'Events about this inquiry' }));
    await waitFor(() => expect(params().get('q')).toBe('inquiry:inq_Ab12'));

    // Back returns to the person's events: the search is history, like any filter.
    await router.navigate(-1);
    await waitFor(() => expect(params().get('q')).toBe('actor:sam@demo.test'));
  });

  it('a partner’s events are searched by the key’s id', async () => {
    api({ 'audit.list': () => page([event(4, { actor: { type: 'partner', id: 'key_Acme1', display: 'Acme · prod' }, action: 'partner.inquiry_read' })]) });
    const { user, params } = renderApp('/audit');
    await user.click(await screen.findByRole('button', { name: 'Open event 4: partner.inquiry_read' }));
    const drawer = within(await screen.findByRole('dialog', { name: 'partner.inquiry_read' }));
    expect(drawer.getByText('Partner API key')).toBeTruthy();
    await user.click(drawer.getByRole('button', { name: 'Their other events' }));
    await waitFor(() => expect(params().get('q')).toBe('actor:key_Acme1'));
  });

  it.each([
    ['support', 'own', 'You see your own actions only'],
    ['manager', 'policy', 'You see policy and template events only'],
  ] as const)('tells a %s what their role lets them see', async (role, scope, note) => {
    api({ 'audit.list': () => page([event(1)], { scope }) }, role);
    renderApp('/audit');
    expect((await screen.findByRole('alert')).textContent).toContain(note);
  });

  it('says when nothing matches, and clears the search', async () => {
    api({ 'audit.list': (input) => (input.q ? page([]) : page([event(1)])) });
    const { user, params } = renderApp('/audit?q=ticket%3ASUP-9');
    expect(await screen.findByText('No events match this search')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Clear search' }));
    await waitFor(() => expect(params().get('q')).toBeNull());
    expect(await screen.findByRole('table', { name: 'Audit events' })).toBeTruthy();
  });

  it('says when the log is empty', async () => {
    api({ 'audit.list': () => page([]) });
    renderApp('/audit');
    expect(await screen.findByText('No events yet')).toBeTruthy();
  });

  it('shows the server’s message when the log cannot be read', async () => {
    api({ 'audit.list': () => { throw new FakeApiError('BAD_REQUEST', 'ticket: looks like a credential (a JWT or a Bearer header); record a fingerprint instead — the search is recorded in the audit log, so it may not hold one'); } });
    renderApp('/audit?q=ticket%3Ax');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not read the audit log');
    expect(alert.textContent).toContain('the search is recorded in the audit log');
  });

  it('offers compliance the whole search as CSV and JSONL downloads; support gets no export', async () => {
    api();
    renderApp('/audit?q=action%3Alink.created');
    await screen.findByRole('table', { name: 'Audit events' });
    const csv = screen.getByRole('link', { name: 'Export CSV' });
    expect(csv.getAttribute('href')).toBe('/api/audit/export.csv?q=action%3Alink.created');
    expect(csv.hasAttribute('download')).toBe(true);
    expect(screen.getByRole('link', { name: 'Export JSONL' }).getAttribute('href')).toBe('/api/audit/export.jsonl?q=action%3Alink.created');
  });

  it('shows no export to a role without audit:export', async () => {
    api({ 'audit.list': () => page([event(3)], { scope: 'own' }) }, 'support');
    renderApp('/audit');
    await screen.findByRole('table', { name: 'Audit events' });
    expect(screen.queryByRole('link', { name: 'Export CSV' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Export JSONL' })).toBeNull();
  });

  it('is not in a viewer’s navigation, and says so when opened directly', async () => {
    const fake = api({}, 'viewer');
    renderApp('/audit');
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Audit' })).toBeNull();
    expect(fake.inputsOf('audit.list')).toEqual([]);
  });
});
