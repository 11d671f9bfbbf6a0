import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApiError, installFakeApi } from '../../test/fakeApi';
import { signedInAs } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';
import type { SyncRun, SyncStatus } from './hooks';

function run(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    runId: 'psync_1',
    status: 'running',
    startedBy: 'stf_admin',
    startedAt: new Date(Date.now() - 60_000),
    finishedAt: null,
    resumedFrom: null,
    since: null,
    inquiries: 1200,
    sessions: 2300,
    pages: 12,
    errors: 0,
    lastError: null,
    ratePerSecond: 4.25,
    estimatedFraction: 0.4,
    etaSeconds: 250,
    reachedCreatedAt: new Date('2025-03-01T00:00:00Z'),
    waitingUntil: null,
    stale: false,
    ...overrides,
  };
}

const facts = () => {
  const list = screen.getByText('Inquiries', { selector: 'dt' }).closest('dl') as HTMLElement;
  return (label: string) => within(list).getByText(label).nextElementSibling?.textContent;
};

describe('Persona sync page', () => {
  it('starts a sync after asking why, then shows its progress — counts, rate, an estimated ETA — polling until it is done', { timeout: 15_000 }, async () => {
    let status: SyncStatus = { run: null, resumable: false };
    const fake = installFakeApi({
      'persona.syncStatus': () => status,
      'persona.startSync': () => {
        status = { run: run(), resumable: false };
        return status;
      },
    });
    const { user } = renderApp('/persona-sync');

    expect(await screen.findByText('No sync has run yet')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Start sync' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Start the Persona sync?' }));
    expect(dialog.getByText(/uses Persona's rate limit, shared with every console instance/)).toBeTruthy();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'First import after switching to Persona{Enter}');

    expect(await screen.findByText('Syncing from Persona')).toBeTruthy();
    expect(fake.inputsOf('persona.startSync')).toEqual([{ reason: 'First import after switching to Persona', fresh: false }]);
    const value = facts();
    expect(value('Inquiries')).toBe('1,200');
    expect(value('Sessions')).toBe('2,300');
    expect(value('Rate')).toBe('4.3 inquiries/s');
    expect(value('Time left')).toBe('≈ 4 min 10 s (estimate)');
    expect(screen.getByText('≈ 40%')).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Sync progress (estimate)' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sync running…' }).hasAttribute('disabled')).toBe(true);

    // While it runs the page asks again, and shows the end.
    status = { run: run({ status: 'done', inquiries: 3000, estimatedFraction: 1, etaSeconds: null, finishedAt: new Date() }), resumable: false };
    expect(await screen.findByText('Sync done', undefined, { timeout: 5000 })).toBeTruthy();
    expect(facts()('Inquiries')).toBe('3,000');
    expect(screen.getByRole('button', { name: 'Start sync' })).toBeTruthy();
  });

  it('says when no estimate is possible, and offers to resume an interrupted run (or start again from the newest)', async () => {
    installFakeApi({
      'persona.syncStatus': () => ({ run: run({ status: 'interrupted', estimatedFraction: null, etaSeconds: null, finishedAt: new Date(), errors: 2, lastError: 'sessions of inq_1: HTTP 404' }), resumable: true }),
      'persona.startSync': () => ({ run: run({ resumedFrom: 'psync_1', runId: 'psync_2' }), resumable: false }),
    });
    const { user } = renderApp('/persona-sync');
    expect(await screen.findByText('Sync interrupted')).toBeTruthy();
    expect(facts()('Skipped')).toBe('2 — last: sessions of inq_1: HTTP 404');
    expect(facts()('Time left')).toBe('—');

    await user.click(screen.getByRole('button', { name: 'Resume sync' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Resume the Persona sync?' }));
    expect(dialog.getByText(/Continues from where the last run stopped \(1,200 inquiries so far\)/)).toBeTruthy();
    await user.click(dialog.getByRole('checkbox', { name: 'Start again from the newest inquiry instead' }));
    expect(await screen.findByRole('dialog', { name: 'Start the Persona sync?' })).toBeTruthy();
  });

  it('shows a running sync without an estimate as such, and a run whose process stopped', async () => {
    installFakeApi({ 'persona.syncStatus': () => ({ run: run({ estimatedFraction: null, etaSeconds: null, stale: true }), resumable: false }) });
    renderApp('/persona-sync');
    expect(await screen.findByText('The process running this sync stopped')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start sync' }).hasAttribute('disabled')).toBe(false);
    expect(facts()('Time left')).toMatch(/^Not estimable/);
  });

  it('says plainly that the provider is local, with no Start button', async () => {
    installFakeApi({
      'persona.syncStatus': () => {
        throw new FakeApiError('PRECONDITION_FAILED', 'The provider is local (INQUIRY_PROVIDER=local): there is no Persona to sync from.', { reason: 'provider_local' });
      },
    });
    renderApp('/persona-sync');
    expect(await screen.findByText('Nothing to sync')).toBeTruthy();
    expect(screen.getByText(/The provider is local/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: /sync/i })).toBeNull();
  });

  it('shows an error with a retry', async () => {
    let calls = 0;
    installFakeApi({
      'persona.syncStatus': () => {
        calls += 1;
        if (calls === 1) throw new FakeApiError('INTERNAL_SERVER_ERROR', 'Something went wrong on the server.');
        return { run: null, resumable: false };
      },
    });
    const { user } = renderApp('/persona-sync');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load the sync’s status');
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No sync has run yet')).toBeTruthy();
  });

  it('is in the navigation of admins only, and refused to the others', async () => {
    installFakeApi({ 'auth.me': () => signedInAs('admin'), 'persona.syncStatus': () => ({ run: null, resumable: false }) });
    const first = renderApp('/persona-sync');
    const nav = within(await screen.findByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Persona sync', current: 'page' }).getAttribute('href')).toBe('/persona-sync');
    first.unmount();

    const fake = installFakeApi({ 'auth.me': () => signedInAs('compliance') });
    renderApp('/persona-sync');
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByText('Persona sync')).toBeNull();
    expect(fake.inputsOf('persona.syncStatus')).toHaveLength(0);
  });
});
