import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installFakeApi } from '../../test/fakeApi';
import { signedInAs, template } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';

describe('Static link', () => {
  it('creates a static link for a reference id, generating one when left blank, and explains what a visit does', async () => {
    const fake = installFakeApi({
      'auth.me': () => signedInAs('support'),
      'templates.list': () => ({ items: [template()] }),
      'templates.staticLink': ({ templateId, referenceId }) => {
        const ref = referenceId ?? 'ref_generated123';
        return { url: `http://localhost/verify?inquiry-template-id=${templateId}&reference-id=${ref}`, referenceId: ref };
      },
    });
    const { user } = renderApp('/templates');
    const card = within(await screen.findByRole('region', { name: 'KYC Onboarding' }));
    await user.click(card.getByRole('button', { name: 'Static link' }));

    let dialog = within(await screen.findByRole('dialog', { name: 'Static link for KYC Onboarding' }));
    expect(dialog.getByText(/Each visit creates a new inquiry for this reference id \(the seed's option 1 for emailed links\)/)).toBeTruthy();
    const reference = dialog.getByRole('textbox', { name: /Reference id/ });
    await waitFor(() => expect(document.activeElement).toBe(reference));
    await user.type(reference, 'user 42');
    expect(dialog.getByText(/letters, digits and _ \. : - only/)).toBeTruthy();
    expect(dialog.getByRole('button', { name: 'Create link' }).hasAttribute('disabled')).toBe(true);
    await user.clear(reference);
    await user.type(reference, 'cust-42:abc{Enter}');

    const url = await dialog.findByRole<HTMLTextAreaElement>('textbox', { name: 'Static link' });
    expect(url.value).toBe('http://localhost/verify?inquiry-template-id=itmpl_Onboarding&reference-id=cust-42:abc');
    expect(dialog.getByRole('button', { name: 'Copy static link' })).toBeTruthy();
    expect(fake.inputsOf('templates.staticLink')).toEqual([{ templateId: 'itmpl_Onboarding', referenceId: 'cust-42:abc' }]);
    await user.click(dialog.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    await user.click(card.getByRole('button', { name: 'Static link' }));
    dialog = within(await screen.findByRole('dialog', { name: 'Static link for KYC Onboarding' }));
    await user.click(dialog.getByRole('button', { name: 'Create link' }));
    expect((await dialog.findByRole<HTMLInputElement>('textbox', { name: 'Reference id' })).value).toBe('ref_generated123');
    expect(fake.inputsOf('templates.staticLink').at(-1)).toEqual({ templateId: 'itmpl_Onboarding' });
  });
});
