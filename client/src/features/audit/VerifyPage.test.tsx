import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AuditVerifyOutput } from '@shared/audit-verify.js';
import { FakeApiError, installFakeApi } from '../../test/fakeApi';
import { signedInAs } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const HEAD = 'a'.repeat(64);
const FILE = '/var/lib/inquiry-desk/audit-checkpoints.jsonl';

function intact(overrides: Partial<AuditVerifyOutput> = {}): AuditVerifyOutput {
  return {
    ok: true,
    checked: 12_345,
    headSeq: 12_345,
    headHash: HEAD,
    firstBrokenSeq: null,
    durationMs: 2_340,
    verifiedAt: new Date(),
    checkpoints: {
      file: FILE,
      found: true,
      compared: 40,
      agreed: 40,
      latest: { seq: 12_300, hash: 'b'.repeat(64), at: '2026-11-25T09:30:00.000Z' },
      mismatches: [],
      mismatchCount: 0,
      unreadableLines: 0,
      firstUnreadableLine: null,
    },
    webhookConfigured: false,
    ...overrides,
  };
}

/** Resolves when the test says so: the page's loading state can be looked at meanwhile. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Verify the audit log page', () => {
  it('runs a verification on request, shows it running, then the events checked, the head, the time taken and the checkpoints', async () => {
    const answer = deferred<AuditVerifyOutput>();
    const fake = installFakeApi({ 'auth.me': () => signedInAs('compliance'), 'audit.verify': () => answer.promise });
    const { user } = renderApp('/audit/verify');

    expect(await screen.findByRole('heading', { name: 'Verify the audit log' })).toBeTruthy();
    expect(fake.inputsOf('audit.verify')).toHaveLength(0); // a full scan only when asked for
    await user.click(screen.getByRole('button', { name: 'Verify now' }));
    expect((await screen.findByRole('status')).textContent).toMatch(/Verifying every event/);
    expect(screen.getByRole('button', { name: 'Verifying…' }).hasAttribute('disabled')).toBe(true);

    answer.resolve(intact());
    expect(await screen.findByText('The audit log is intact')).toBeTruthy();
    const facts = screen.getByText('Events checked').closest('dl') as HTMLElement;
    const value = (label: string) => within(facts).getByText(label).nextElementSibling?.textContent;
    expect(value('Events checked')).toBe('12,345');
    expect(value('Head seq')).toBe('12,345');
    expect(value('Head hash')).toContain(HEAD);
    expect(value('First break')).toBe('None');
    expect(value('Took')).toBe('2.3 s');
    expect(within(facts).getByRole('button', { name: 'Copy head hash' })).toBeTruthy();
    expect(screen.getByText(new RegExp(`All 40 checkpoints in ${FILE} agree with the database \\(latest: seq 12,300`))).toBeTruthy();
    expect(fake.inputsOf('audit.verify')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Verify again' })).toBeTruthy();
  });

  it('names the checkpoint a re-hashed rewrite contradicts, and the range the changed event lies in', async () => {
    installFakeApi({
      'auth.me': () => signedInAs('admin'),
      'audit.verify': () =>
        intact({
          ok: false,
          checked: 10,
          firstBrokenSeq: 20,
          checkpoints: {
            file: FILE,
            found: true,
            compared: 2,
            agreed: 1,
            latest: { seq: 20, hash: 'c'.repeat(64), at: '2026-11-25T09:05:00.000Z' },
            mismatches: [{ seq: 20, hash: 'c'.repeat(64), at: '2026-11-25T09:05:00.000Z', problem: 'hash_differs', databaseHash: 'd'.repeat(64), changedAfterSeq: 10 }],
            mismatchCount: 1,
            unreadableLines: 1,
            firstUnreadableLine: 3,
          },
        }),
    });
    const { user } = renderApp('/audit/verify');
    await user.click(await screen.findByRole('button', { name: 'Verify now' }));

    expect(await screen.findByText('The audit log does not verify')).toBeTruthy();
    expect(screen.getByText(/agrees with itself, but not with a checkpoint written outside the database: it was rewritten and re-hashed\. First proven break: seq 20\./)).toBeTruthy();
    expect(screen.getByText('1 of 2 checkpoints disagree with the database')).toBeTruthy();
    const row = within(screen.getByRole('table', { name: 'Checkpoints that disagree' })).getAllByRole('row')[1] as HTMLElement;
    expect(within(row).getByText('An event between seq 11 and 20 was changed, and the hashes after it were recomputed.')).toBeTruthy();
    expect(row.textContent).toContain('c'.repeat(64));
    expect(row.textContent).toContain('d'.repeat(64));
    expect(screen.getByText(/1 line of .* is not a checkpoint \(first: line 3\)/)).toBeTruthy();
  });

  it('says when the chain itself breaks, and when no checkpoint file is configured', async () => {
    installFakeApi({
      'auth.me': () => signedInAs('compliance'),
      'audit.verify': () => intact({ ok: false, checked: 6, firstBrokenSeq: 7, checkpoints: null, webhookConfigured: true }),
    });
    const { user } = renderApp('/audit/verify');
    await user.click(await screen.findByRole('button', { name: 'Verify now' }));
    expect(await screen.findByText(/The chain breaks at seq 7: that event was changed, deleted or inserted/)).toBeTruthy();
    expect(screen.getByText('6 intact before the break')).toBeTruthy();
    expect(screen.getByText('No checkpoint file on this server')).toBeTruthy();
    expect(screen.getByText(/also sent to a webhook/)).toBeTruthy();
  });

  it('shows the server’s message when verification cannot run, and tries again', async () => {
    let calls = 0;
    installFakeApi({
      'auth.me': () => signedInAs('compliance'),
      'audit.verify': () => {
        calls += 1;
        if (calls === 1) throw new FakeApiError('INTERNAL_SERVER_ERROR', 'Something went wrong on the server. The request id in the logs identifies it.');
        return intact();
      },
    });
    const { user } = renderApp('/audit/verify');
    await user.click(await screen.findByRole('button', { name: 'Verify now' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not verify the audit log');
    await user.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('The audit log is intact')).toBeTruthy();
  });

  it('is in the navigation of roles that may export the log, and refused to the others', async () => {
    installFakeApi({ 'auth.me': () => signedInAs('compliance') });
    const first = renderApp('/audit/verify');
    const nav = within(await screen.findByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Audit integrity', current: 'page' }).getAttribute('href')).toBe('/audit/verify');
    first.unmount();

    const fake = installFakeApi({ 'auth.me': () => signedInAs('manager') });
    renderApp('/audit/verify');
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Verify now' })).toBeNull();
    const managerNav = within(screen.getByRole('navigation', { name: 'Main' }));
    expect(managerNav.queryByText('Audit integrity')).toBeNull();
    expect(fake.inputsOf('audit.verify')).toHaveLength(0);
  });
});
