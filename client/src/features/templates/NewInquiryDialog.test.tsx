import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApiError, installFakeApi } from '../../test/fakeApi';
import { detail, signedInAs, template } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

const CREATED = { inquiryId: 'inq_New42', versionNumber: 5, expiresAt: new Date(Date.now() + 24 * 3_600_000) };

describe('New inquiry', () => {
  it('is not offered to a viewer, and is disabled with the reason for a template with no published version', async () => {
    installFakeApi({ 'auth.me': () => signedInAs('viewer'), 'templates.list': () => ({ items: [template()] }) });
    const view = renderApp('/templates');
    const card = within(await screen.findByRole('region', { name: 'KYC Onboarding' }));
    expect(card.getByRole('button', { name: 'Static link' })).toBeTruthy();
    expect(card.queryByRole('button', { name: 'New inquiry' })).toBeNull();
    view.unmount();

    installFakeApi({
      'auth.me': () => signedInAs('support'),
      'templates.list': () => ({ items: [template({ latestVersionId: null, latestVersionNumber: 0, versions: [] })] }),
    });
    renderApp('/templates');
    const button = within(await screen.findByRole('region', { name: 'KYC Onboarding' })).getByRole('button', { name: 'New inquiry' });
    expect(button.hasAttribute('disabled')).toBe(true);
    // The tooltip sits on the wrapper (a disabled button gets no hover); closed, it is the wrapper's title.
    expect(button.parentElement?.getAttribute('title')).toBe('No published version yet');
  });

  it('sends the trimmed input with a reason and one idempotency key, then lands on the new inquiry', async () => {
    const fake = installFakeApi({
      'auth.me': () => signedInAs('support'),
      'templates.list': () => ({ items: [template()] }),
      'inquiries.create': () => CREATED,
      'inquiries.get': () => detail({ id: CREATED.inquiryId }),
    });
    const { user, router } = renderApp('/templates');
    await user.click(within(await screen.findByRole('region', { name: 'KYC Onboarding' })).getByRole('button', { name: 'New inquiry' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'New inquiry on KYC Onboarding' }));
    expect(dialog.getByText(/personal data: once saved they are shown masked/)).toBeTruthy();
    const reference = dialog.getByRole('textbox', { name: /Reference id/ });
    await waitFor(() => expect(document.activeElement).toBe(reference));
    expect(dialog.getByRole('button', { name: 'Create inquiry' }).hasAttribute('disabled')).toBe(true);

    await user.type(reference, '  cust-42  ');
    await user.type(dialog.getByRole('textbox', { name: 'First name (optional)' }), ' Jane ');
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Customer called, link lost{Enter}');

    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_New42'));
    expect(await screen.findByText('Inquiry inq_New42 created on v5')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    const inputs = fake.inputsOf('inquiries.create') as Record<string, unknown>[];
    expect(inputs).toEqual([
      { templateId: 'itmpl_Onboarding', referenceId: 'cust-42', nameFirst: 'Jane', reason: 'Customer called, link lost', idempotencyKey: expect.stringMatching(/^[A-Za-z0-9_-]{8,128}$/) as unknown },
    ]);
  });

  it('shows the server’s refusal in the dialog and retries with the same key', async () => {
    let refusal: FakeApiError | null = new FakeApiError('TOO_MANY_REQUESTS', 'You have used your action budget: try again in 5 min.');
    const fake = installFakeApi({
      'auth.me': () => signedInAs('support'),
      'templates.list': () => ({ items: [template()] }),
      'inquiries.create': () => {
        if (refusal) throw refusal;
        return CREATED;
      },
    });
    const { user, router } = renderApp('/templates');
    await user.click(within(await screen.findByRole('region', { name: 'KYC Onboarding' })).getByRole('button', { name: 'New inquiry' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'New inquiry on KYC Onboarding' }));
    await user.type(dialog.getByRole('textbox', { name: /Reference id/ }), 'cust-42');
    await user.type(dialog.getByRole('textbox', { name: 'Email (optional)' }), 'jane@example.com');
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Customer called, link lost');
    await user.click(dialog.getByRole('button', { name: 'Create inquiry' }));

    expect((await dialog.findByRole('alert')).textContent).toContain('You have used your action budget: try again in 5 min.');
    expect(router.state.location.pathname).toBe('/templates');

    refusal = null;
    await user.click(dialog.getByRole('button', { name: 'Create inquiry' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_New42'));
    const [first, second] = fake.inputsOf('inquiries.create') as { idempotencyKey: string; email?: string }[];
    expect(first?.email).toBe('jane@example.com');
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
  });
});
