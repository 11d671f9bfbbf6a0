import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApiError, installFakeApi } from '../../../test/fakeApi';
import { detail, signedInAs } from '../../../test/fixtures';
import { renderApp } from '../../../test/renderApp';
import { actionsFor, allowed } from './testing';

const BUDGET_SPENT = 'You have issued 60 sessions or links in the last 1 h: wait 1 min 30 s.';

async function actionsRegion() {
  return within(await screen.findByRole('region', { name: 'Actions' }));
}

describe('Counts and waits stay true', () => {
  it('a disabled action counts down the same wait the server would answer, then asks again', async () => {
    let verdictCalls = 0;
    installFakeApi({
      'auth.me': () => signedInAs('support'),
      'inquiries.get': ({ id }) => detail({ id }),
      'inquiries.actionsFor': () => {
        verdictCalls += 1;
        // The first answer: refused by the budget for 2 more seconds; after that, allowed again.
        return verdictCalls === 1 ? actionsFor({ resume: { allowed: false, reasons: [BUDGET_SPENT], warnings: [], requires: [], retryAfterSeconds: 2 } }) : actionsFor();
      },
    });
    renderApp('/inquiries/inq_AAAA1111');
    const actions = await actionsRegion();
    const resume = await actions.findByRole('button', { name: 'Resume and copy token' });
    expect(resume.hasAttribute('disabled')).toBe(true);
    expect((await actions.findByRole('timer')).textContent).toMatch(/^Try again in [12] s\.$/);
    // At zero the panel asks the server again, and the action comes back.
    await waitFor(() => expect(actions.getByRole('button', { name: 'Resume and copy token' }).hasAttribute('disabled')).toBe(false), { timeout: 10_000 });
    expect(verdictCalls).toBeGreaterThanOrEqual(2);
  });

  it('after a refusal in a dialog, the panel behind it shows the server’s new counts', async () => {
    let budgetUsed = 4;
    const fake = installFakeApi({
      'auth.me': () => signedInAs('support'),
      'inquiries.get': ({ id }) => detail({ id }),
      'inquiries.actionsFor': () => {
        const base = actionsFor();
        return { ...base, oneTimeLink: allowed(), limits: { ...base.limits, staffActionsInWindow: budgetUsed } };
      },
      'links.createOneTime': () => {
        // Spent meanwhile in another tab: the server refuses and knows the real count.
        budgetUsed = 60;
        throw new FakeApiError('TOO_MANY_REQUESTS', BUDGET_SPENT, { retryAfterSeconds: 90 });
      },
    });
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    const actions = await actionsRegion();
    const limits = within(await actions.findByRole('group', { name: 'Limits' }));
    expect(limits.getByText('4 / 60')).toBeTruthy();

    await user.click(await actions.findByRole('button', { name: 'Send one-time link' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Send one-time link' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User lost the email{Enter}');
    expect((await dialog.findByRole('alert')).textContent).toContain(BUDGET_SPENT);
    expect(dialog.getByRole('timer').textContent).toBe('Try again in 1 min 30 s.');
    // Behind the dialog, the budget is the server's, not the one the panel loaded before.
    await waitFor(() => expect(limits.getByText('60 / 60')).toBeTruthy());
    expect(fake.inputsOf('inquiries.actionsFor').length).toBeGreaterThanOrEqual(2);
  });
});
