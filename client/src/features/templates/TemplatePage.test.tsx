import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions.js';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { policyPreview, policyRevision, signedInAs, templateDetail } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const PATH = '/templates/itmpl_Onboarding';

function api(role: Role = 'manager', overrides: FakeApiHandlers = {}) {
  return installFakeApi({
    'auth.me': () => signedInAs(role),
    'templates.get': () => templateDetail(),
    'templates.policyHistory': () => ({ items: [policyRevision()] }),
    'templates.previewPolicy': () => policyPreview(),
    ...overrides,
  });
}

/** A chart's card, switched to its table view; returns the table's rows as cell texts. */
async function tableViewOf(user: ReturnType<typeof renderApp>['user'], title: string) {
  const card = within(await screen.findByRole('region', { name: title }));
  await user.click(card.getByRole('button', { name: 'Table view' }));
  const table = card.getByRole('table', { name: title });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).getAllByRole('cell').map((cell) => cell.textContent));
}

function editor() {
  return within(screen.getByRole('region', { name: 'Edit the expiration policy' }));
}

async function typeInterval(user: ReturnType<typeof renderApp>['user'], label: string, amount: string, unit?: 'minutes' | 'hours' | 'days') {
  const field = editor().getByRole('spinbutton', { name: label });
  await user.clear(field);
  if (amount) await user.type(field, amount);
  if (unit) await user.selectOptions(editor().getByRole('combobox', { name: `${label} unit` }), unit);
}

describe('Template page', () => {
  it('shows the live version and policy in force, and every chart with a text alternative and a table view', async () => {
    api('viewer');
    const { user } = renderApp(PATH);

    expect(await screen.findByRole('heading', { level: 1, name: 'KYC Onboarding' })).toBeTruthy();
    expect(screen.getByText('live version v5')).toBeTruthy();
    expect(screen.getByText('After creation').nextElementSibling?.textContent).toBe('24 h');
    expect(screen.getByText('Longest token link').nextElementSibling?.textContent).toBe('server default');
    expect(screen.getByRole('link', { name: '4 on outdated versions (29%)' }).getAttribute('href')).toBe('/inquiries?template=itmpl_Onboarding&view=outdated');
    expect(screen.getByRole('link', { name: '3 expiring in 24 h' })).toBeTruthy();

    // The chart is an image described by its summary.
    const byVersion = await screen.findByRole('img', { name: 'Open inquiries by version' });
    expect(byVersion.getAttribute('aria-describedby')).toBeTruthy();
    expect(document.getElementById(byVersion.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      '14 open inquiries; 4 (28.6%) on outdated versions. v5 (latest): 10 (6 created, 4 pending); v3: 4 (1 created, 3 pending).',
    );
    expect(await tableViewOf(user, 'Open inquiries by version')).toEqual([
      ['v5 (latest)', '6', '4', '10'],
      ['v3', '1', '3', '4'],
    ]);
    expect(await tableViewOf(user, 'Age of open inquiries')).toEqual([['< 1 h', '2'], ['1 h – 6 h', '5'], ['6 h – 24 h', '3'], ['24 h – 7 d', '3'], ['≥ 7 d', '1']]);
    expect(await tableViewOf(user, 'Time from creation to completion (last 90 days)')).toEqual([
      ['< 1 h', '120', ''],
      ['1 h – 6 h', '300', ''],
      ['6 h – 24 h', '80', ''],
      ['24 h – 7 d', '40', 'Current cut-off 24 h'],
      ['≥ 7 d', '10', ''],
    ]);
    expect(screen.getByText(/550 inquiries completed\. Most took 1 h – 6 h \(300\)\. Current cut-off 24 h: 50 \(9\.1%\) took longer\./)).toBeTruthy();
    // Back to the chart.
    const card = within(screen.getByRole('region', { name: 'Age of open inquiries' }));
    await user.click(card.getByRole('button', { name: 'Table view' }));
    expect(card.getByRole('img', { name: 'Age of open inquiries' })).toBeTruthy();
  });

  it('shows no policy editor to a viewer or a support agent, and never asks for a preview', async () => {
    for (const role of ['viewer', 'support'] as const) {
      const fake = api(role);
      const view = renderApp(PATH);
      expect(await screen.findByRole('heading', { level: 1, name: 'KYC Onboarding' })).toBeTruthy();
      expect(await screen.findByRole('region', { name: 'Time from start to completion (last 90 days)' })).toBeTruthy();
      expect(screen.queryByRole('region', { name: 'Edit the expiration policy' })).toBeNull();
      expect(screen.queryByRole('spinbutton')).toBeNull();
      expect(screen.queryByRole('button', { name: /Save policy/ })).toBeNull();
      expect(fake.inputsOf('templates.previewPolicy')).toEqual([]);
      view.unmount();
    }
  });

  it('checks the bounds as the manager types, warns above 15 days, and previews the typed values', async () => {
    const fake = api();
    const { user } = renderApp(PATH);
    await screen.findByRole('region', { name: 'Edit the expiration policy' });
    const save = () => editor().getByRole('button', { name: 'Save policy…' });
    expect(save().hasAttribute('disabled')).toBe(true);

    await typeInterval(user, 'After creation', '5', 'minutes');
    expect(editor().getByText('At least 10 min.')).toBeTruthy();
    expect(editor().getByText('Fix the fields above to see the impact.')).toBeTruthy();
    expect(save().hasAttribute('disabled')).toBe(true);

    await typeInterval(user, 'After creation', '31', 'days');
    expect(editor().getByText('At most 30 d.')).toBeTruthy();
    await typeInterval(user, 'After creation', '0.01', 'hours');
    expect(editor().getByText(/Whole minutes only/)).toBeTruthy();

    await typeInterval(user, 'After creation', '20', 'days');
    expect(editor().getByText('Longer than the 15 d Persona recommends: end users may go through outdated flows.')).toBeTruthy();
    expect(save().hasAttribute('disabled')).toBe(false);

    await typeInterval(user, 'After creation', '2', 'days');
    expect(editor().queryByText(/Persona recommends/)).toBeNull();
    // "After start" can follow "after creation", or have its own interval.
    await user.click(editor().getByRole('checkbox', { name: 'Same as after creation' }));
    await typeInterval(user, 'After start', '6', 'hours');

    await waitFor(() =>
      expect(fake.inputsOf('templates.previewPolicy').at(-1)).toEqual({
        templateId: 'itmpl_Onboarding',
        afterCreateMinutes: 2880,
        afterStartMinutes: 360,
        afterResumeMinutes: 1440,
        oneTimeLinkMinutes: 60,
        tokenLinkMaxMinutes: null,
        resumeCooldownMinutes: null,
      }),
    );
    // Debounced: one request per pause, not one per keystroke.
    expect(fake.inputsOf('templates.previewPolicy').length).toBeLessThan(5);

    const preview = within(editor().getByRole('region', { name: 'Impact preview' }));
    const share = preview.getByRole('row', { name: /Share of finished that would have expired/ });
    expect(within(share).getAllByRole('cell').map((c) => c.textContent)).toEqual(['10%', '4.9%']);
    const changed = preview.getByRole('row', { name: /Would get a new expiry/ });
    expect(within(changed).getByRole('cell').textContent).toBe('9');
    expect(within(preview.getByRole('row', { name: /Would expire at once/ })).getByRole('cell').textContent).toBe('1');

    // The proposed cut-offs sit on the histograms beside the current ones.
    const rows = await tableViewOf(user, 'Time from start to completion (last 90 days)');
    expect(rows[2]).toEqual(['6 h – 24 h', '30', 'Proposed cut-off 6 h']);
    expect(rows[3]).toEqual(['24 h – 7 d', '15', 'Current cut-off 24 h']);
    expect((await tableViewOf(user, 'Time from creation to completion (last 90 days)'))[3]).toEqual(['24 h – 7 d', '40', 'Current cut-off 24 h; Proposed cut-off 2 d']);
  });

  it('saves with a reason against the revision it loaded, and says so clearly when someone else saved first', async () => {
    let conflict = true;
    let inForce = policyRevision();
    const fake = api('manager', {
      'templates.get': () => templateDetail({ revision: inForce }),
      'templates.updatePolicy': (input) => {
        if (conflict) {
          throw new FakeApiError(
            'CONFLICT',
            "Someone else saved this template's policy first (revision 4 by admin@demo.test): reload to see it, then make your change again.",
          );
        }
        return policyRevision({ ...input, revisionId: 5, tokenLinkMaxMinutes: null, resumeCooldownMinutes: null, reason: input.reason });
      },
    });
    const { user } = renderApp(PATH);
    await screen.findByRole('region', { name: 'Edit the expiration policy' });
    await typeInterval(user, 'After creation', '3', 'days');
    await user.click(editor().getByRole('button', { name: 'Save policy…' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'Save the expiration policy of KYC Onboarding?' }));
    expect(dialog.getByText(/After creation: 24 h →/).textContent).toBe('After creation: 24 h → 3 d');
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Emailed links sit for days');
    await user.click(dialog.getByRole('button', { name: 'Save policy' }));

    const alert = await editor().findByRole('alert');
    expect(alert.textContent).toContain('Your changes were not saved');
    expect(alert.textContent).toContain("Someone else saved this template's policy first (revision 4 by admin@demo.test)");
    expect(fake.inputsOf('templates.updatePolicy')).toEqual([
      {
        templateId: 'itmpl_Onboarding',
        afterCreateMinutes: 4320,
        afterStartMinutes: null,
        afterResumeMinutes: 1440,
        oneTimeLinkMinutes: 60,
        tokenLinkMaxMinutes: null,
        resumeCooldownMinutes: null,
        expectedRevisionId: 3,
        reason: 'Emailed links sit for days',
      },
    ]);
    // The edits stay on screen until the manager reloads.
    expect(editor().getByRole<HTMLInputElement>('spinbutton', { name: 'After creation' }).value).toBe('3');

    // Reloading brings the other person's revision into the editor; the next save is checked against it.
    conflict = false;
    fake.calls.length = 0;
    inForce = policyRevision({ revisionId: 4, afterResumeMinutes: 2880, createdBy: 'admin@demo.test' });
    await user.click(within(alert).getByRole('button', { name: 'Reload the latest policy' }));
    expect(await editor().findByText(/Editing from revision #4/)).toBeTruthy();
    expect(editor().queryByRole('alert')).toBeNull();
    expect(editor().getByRole<HTMLInputElement>('spinbutton', { name: 'After creation' }).value).toBe('1');
    expect(editor().getByRole<HTMLInputElement>('spinbutton', { name: 'After resume' }).value).toBe('2');

    await typeInterval(user, 'After creation', '3', 'days');
    await user.click(editor().getByRole('button', { name: 'Save policy…' }));
    const again = within(await screen.findByRole('dialog', { name: 'Save the expiration policy of KYC Onboarding?' }));
    await user.type(again.getByRole('textbox', { name: /Reason/ }), 'Emailed links sit for days{Enter}');
    expect(await screen.findByText('Revision #5 saved: it applies to inquiries created, started or resumed from now on.')).toBeTruthy();
    expect(fake.inputsOf('templates.updatePolicy')).toMatchObject([{ expectedRevisionId: 4, afterCreateMinutes: 4320, afterResumeMinutes: 2880 }]);
  });

  it('applies the revision in force to open inquiries only after showing the count and asking why', async () => {
    const fake = api('manager', { 'templates.applyPolicy': () => ({ updated: 9, heldAtGrace: 1 }) });
    const { user } = renderApp(PATH);
    await screen.findByRole('region', { name: 'Edit the expiration policy' });
    await user.click(editor().getByRole('button', { name: 'Apply to open inquiries…' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'Apply revision #3 to open inquiries?' }));
    expect((await dialog.findByText(/of the 14 open inquiries get a new expiry/)).textContent).toContain('9 of the 14 open inquiries get a new expiry');
    expect(dialog.getByText(/1 would be past their new expiry already/)).toBeTruthy();
    // The count comes from a preview of the revision in force.
    expect(fake.inputsOf('templates.previewPolicy').at(-1)).toMatchObject({ templateId: 'itmpl_Onboarding', afterCreateMinutes: 1440, afterStartMinutes: null });
    const confirm = dialog.getByRole('button', { name: 'Apply to 9 open inquiries' });
    expect(confirm.hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Give everyone the new window');
    await user.click(confirm);
    expect(await screen.findByText('Revision #3 applied to 9 open inquiries; 1 held at 10 minutes from now.')).toBeTruthy();
    expect(fake.inputsOf('templates.applyPolicy')).toEqual([{ templateId: 'itmpl_Onboarding', revisionId: 3, reason: 'Give everyone the new window' }]);
  });

  it('lists the policy history with a side-by-side diff of a revision against the one before it', async () => {
    api('viewer', {
      'templates.policyHistory': () => ({
        items: [
          policyRevision({ revisionId: 7, afterCreateMinutes: 2880, tokenLinkMaxMinutes: 120, reason: 'Longer for emailed links', createdBy: 'manager@demo.test' }),
          policyRevision({ revisionId: 3, reason: 'Initial', createdBy: 'admin@demo.test', appliedToOpenAt: new Date(), appliedToOpenCount: 12 }),
        ],
      }),
    });
    const { user } = renderApp(PATH);
    const history = within(await screen.findByRole('region', { name: 'Policy history' }));
    const revisions = within(await history.findByRole('table', { name: 'Policy revisions' }));
    const rows = revisions.getAllByRole('row').slice(1);
    expect(within(rows[0]!).getByText('Longer for emailed links')).toBeTruthy();
    expect(within(rows[0]!).getByText('manager@demo.test')).toBeTruthy();
    expect(within(rows[1]!).getByText(/^12 ·/)).toBeTruthy();

    const diff = history.getByRole('table', { name: 'Revision #7 compared with #3' });
    const changed = within(diff)
      .getAllByRole('row')
      .filter((r) => r.hasAttribute('data-changed'))
      .map((r) => within(r).getAllByRole('cell').map((c) => c.textContent));
    expect(changed).toEqual([
      ['24 h', '2 d', 'changed'],
      ['server default', '2 h', 'changed'],
    ]);

    await user.click(history.getByRole('button', { name: 'Compare #3' }));
    expect(history.getByRole('table', { name: 'Revision #3 compared with nothing (first revision)' })).toBeTruthy();
  });

  it('publishes a version after showing how many open inquiries become outdated', async () => {
    const fake = api('manager', { 'templates.publishVersion': () => ({ versionId: 'itmplv_Ob6', versionNumber: 6, outdatedOpenCount: 14 }) });
    const { user } = renderApp(PATH);
    const versions = within(await screen.findByRole('region', { name: 'Versions' }));
    const table = within(versions.getByRole('table', { name: 'Versions of KYC Onboarding' }));
    expect(table.getByText('New selfie step')).toBeTruthy();
    await user.click(versions.getByRole('button', { name: 'Publish new version…' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'Publish v6 of KYC Onboarding?' }));
    expect(dialog.getByText('10 open inquiries on v5')).toBeTruthy();
    const publish = dialog.getByRole('button', { name: 'Publish v6' });
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Quarterly release');
    expect(publish.hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Notes/ }), 'Adds proof of address');
    await user.click(publish);
    expect(await screen.findByText('Published v6; 14 open inquiries are now on an outdated version.')).toBeTruthy();
    expect(fake.inputsOf('templates.publishVersion')).toEqual([{ templateId: 'itmpl_Onboarding', notes: 'Adds proof of address', reason: 'Quarterly release' }]);
  });

  it('offers both ways for outdated open inquiries, and recreates them with the confirmed count', async () => {
    const fake = api('manager', { 'templates.recreateOutdated': () => ({ recreated: 3, skipped: 1 }) });
    const { user } = renderApp(PATH);
    const versions = within(await screen.findByRole('region', { name: 'Versions' }));
    expect(versions.getByRole('region', { name: 'Leave them' })).toBeTruthy();
    expect(versions.getByRole('link', { name: 'See the 4 in the Outdated view' })).toBeTruthy();
    const recreate = within(versions.getByRole('region', { name: 'Recreate them on v5' }));
    await user.click(recreate.getByRole('button', { name: 'Recreate 4 outdated open inquiries…' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'Recreate 4 open inquiries on v5?' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'The old flow lacks the selfie step');
    await user.click(dialog.getByRole('button', { name: 'Recreate 4 inquiries' }));
    expect(await screen.findByText('Recreated 3 inquiries on v5; 1 skipped (finished or recreated meanwhile).')).toBeTruthy();
    expect(fake.inputsOf('templates.recreateOutdated')).toEqual([{ templateId: 'itmpl_Onboarding', reason: 'The old flow lacks the selfie step', expectedCount: 4 }]);
  });

  it("with the Persona provider, offers neither applying a policy nor publishing a version, and says where that is done", async () => {
    api('manager', { 'templates.get': () => templateDetail({ managedBy: 'persona' }) });
    renderApp(PATH);
    const versions = within(await screen.findByRole('region', { name: 'Versions' }));
    expect(versions.queryByRole('button', { name: 'Publish new version…' })).toBeNull();
    expect(versions.getByText(/Versions are published in Persona's dashboard/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Apply to open inquiries…' })).toBeNull();
    expect(screen.getByText(/Persona applies expiration intervals/)).toBeTruthy();
  });

  it('disables publishing and recreating for roles without policy:edit, and says why', async () => {
    api('support');
    renderApp(PATH);
    const versions = within(await screen.findByRole('region', { name: 'Versions' }));
    expect(versions.getByRole('button', { name: 'Publish new version…' }).hasAttribute('disabled')).toBe(true);
    expect(versions.getByRole('button', { name: /Recreate 4 outdated/ }).hasAttribute('disabled')).toBe(true);
  });

  it('says so for an id that is not a template id', async () => {
    api('viewer');
    renderApp('/templates/nope');
    expect(await screen.findByText('No template nope')).toBeTruthy();
  });
});
