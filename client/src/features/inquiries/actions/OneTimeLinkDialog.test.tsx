import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../../test/fakeApi';
import { detail, signedInAs } from '../../../test/fixtures';
import { renderApp } from '../../../test/renderApp';
import { actionsFor, allowed } from './testing';

const HOUR = 3_600_000;
const LINK_URL = 'http://localhost/verify?code=abc123secret';
const EMAIL_OK = { available: true, reason: null, to: 'j•••@example.com' };
const NO_MAIL_SERVER = 'No mail server is configured (SMTP_URL); create the link and copy it instead.';

function withInquiry(handlers: FakeApiHandlers = {}): FakeApiHandlers {
  return {
    'auth.me': () => signedInAs('support'),
    'inquiries.get': ({ id }) => detail({ id }),
    'inquiries.actionsFor': () => actionsFor({ oneTimeLink: { ...allowed(), email: EMAIL_OK } }),
    ...handlers,
  };
}

async function openDialog() {
  const { user } = renderApp('/inquiries/inq_AAAA1111');
  const actions = within(await screen.findByRole('region', { name: 'Actions' }));
  const open = await actions.findByRole('button', { name: 'Send one-time link' });
  await waitFor(() => expect(open.hasAttribute('disabled')).toBe(false));
  await user.click(open);
  const dialog = within(await screen.findByRole('dialog', { name: 'Send one-time link' }));
  return { user, dialog };
}

describe('Send one-time link: create or email', () => {
  it('"Email one-time link" sends it to the address on file and shows where it went and until when, never the link', async () => {
    const fake = installFakeApi(
      withInquiry({
        'links.createOneTime': () => ({ linkId: 'lnk_Mail1', url: LINK_URL, expiresAt: new Date(Date.now() + HOUR + 60_000), delivery: 'email', sentTo: 'j•••@example.com' }),
      }),
    );
    const { user, dialog } = await openDialog();
    const email = dialog.getByRole('button', { name: 'Email one-time link' });
    const create = dialog.getByRole('button', { name: 'Create one-time link' });
    // Both wait for a reason; the words say which one sends.
    expect(email.hasAttribute('disabled')).toBe(true);
    expect(create.hasAttribute('disabled')).toBe(true);
    expect(dialog.getByText(/Email one-time link sends it to j•••@example\.com, the address on file, and does not show it/)).toBeTruthy();

    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User asked for a new link by phone');
    await user.click(email);

    const status = await dialog.findByRole('status');
    expect(status.textContent).toMatch(/^Sent to j•••@example\.com, expires in 1 h \(/);
    expect(dialog.getByText('lnk_Mail1')).toBeTruthy();
    expect(dialog.queryByRole('textbox', { name: 'One-time link' })).toBeNull();
    expect(document.body.innerHTML).not.toContain('abc123secret');
    expect(fake.inputsOf('links.createOneTime')).toEqual([expect.objectContaining({ inquiryId: 'inq_AAAA1111', delivery: 'email', reason: 'User asked for a new link by phone' })]);

    // Nothing to copy: Done closes without asking.
    await user.click(dialog.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('"Create one-time link" (and Enter) shows the link to copy, and sends no delivery', async () => {
    const fake = installFakeApi(
      withInquiry({ 'links.createOneTime': () => ({ linkId: 'lnk_Copy1', url: LINK_URL, expiresAt: new Date(Date.now() + HOUR + 60_000), delivery: 'copy' }) }),
    );
    const { user, dialog } = await openDialog();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User lost the email');
    await user.click(dialog.getByRole('button', { name: 'Create one-time link' }));
    expect((await dialog.findByRole<HTMLTextAreaElement>('textbox', { name: 'One-time link' })).value).toBe(LINK_URL);
    const [input] = fake.inputsOf('links.createOneTime');
    expect(input).toMatchObject({ inquiryId: 'inq_AAAA1111', reason: 'User lost the email' });
    expect(input).not.toHaveProperty('delivery');
  });

  it('without a mail server the email button is disabled and says why; the server’s refusal is shown if it comes anyway', async () => {
    installFakeApi(withInquiry({ 'inquiries.actionsFor': () => actionsFor({ oneTimeLink: { ...allowed(), email: { available: false, reason: NO_MAIL_SERVER, to: 'j•••@example.com' } } }) }));
    const { user, dialog } = await openDialog();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User asked for a new link by phone');
    const email = dialog.getByRole('button', { name: 'Email one-time link' });
    expect(email.hasAttribute('disabled')).toBe(true);
    expect(dialog.getByText(`Email one-time link is not available: ${NO_MAIL_SERVER}`)).toBeTruthy();
    // Its description points at the explanation, for a screen reader on the disabled button.
    expect(document.getElementById(email.getAttribute('aria-describedby') ?? '')?.textContent).toContain(NO_MAIL_SERVER);
    expect(dialog.getByRole('button', { name: 'Create one-time link' }).hasAttribute('disabled')).toBe(false);
  });

  it('an expired inquiry: the action is offered, the dialog asks to acknowledge the reopening, and sends the acknowledgement', async () => {
    const warning = 'Expired: creating the link reopens it, pending again for 24 h.';
    const fake = installFakeApi(
      withInquiry({
        'inquiries.get': ({ id }) => detail({ id, status: 'expired', expiresAt: new Date(Date.now() - 2 * HOUR), expiredAt: new Date(Date.now() - 2 * HOUR) }),
        'inquiries.actionsFor': () => actionsFor({ oneTimeLink: { ...allowed({ warnings: [warning], requires: ['acknowledgeExpired'] }), email: EMAIL_OK } }),
        'links.createOneTime': (input) => {
          if (!input.acknowledgeExpired) throw new FakeApiError('PRECONDITION_FAILED', `acknowledgeExpired: confirm first — ${warning}`, { missingAcknowledgements: ['acknowledgeExpired'] });
          return { linkId: 'lnk_Reopen1', url: LINK_URL, expiresAt: new Date(Date.now() + HOUR + 60_000), delivery: 'email', sentTo: 'j•••@example.com' };
        },
      }),
    );
    const { user, dialog } = await openDialog();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User says the link expired');
    const checkbox = dialog.getByRole('checkbox', { name: /^It expired .+ ago: creating the link reopens it, pending again for 24 h\.$/ });
    expect(dialog.getByRole('button', { name: 'Email one-time link' }).hasAttribute('disabled')).toBe(true);
    expect(dialog.getByRole('button', { name: 'Create one-time link' }).hasAttribute('disabled')).toBe(true);
    await user.click(checkbox);
    await user.click(dialog.getByRole('button', { name: 'Email one-time link' }));
    expect((await dialog.findByRole('status')).textContent).toMatch(/^Sent to j•••@example\.com/);
    expect(fake.inputsOf('links.createOneTime')).toEqual([expect.objectContaining({ acknowledgeExpired: true, delivery: 'email' })]);
  });

  it('the Links card says where an emailed link went (masked)', async () => {
    const emailed = {
      id: 'lnk_Mail2',
      kind: 'one_time' as const,
      createdAt: new Date(Date.now() - HOUR),
      expiresAt: new Date(Date.now() + HOUR),
      firstUsedAt: null,
      useCount: 0,
      revokedAt: null,
      issuedBy: 'support@demo.test',
      issuedById: 'stf_support',
      reason: 'User asked for a new link by phone',
      ticket: null,
      tokenFingerprint: null,
      emailedTo: 'j•••@example.com',
      state: 'live' as const,
    };
    installFakeApi(withInquiry({ 'inquiries.get': ({ id }) => detail({ id, links: [emailed] }) }));
    renderApp('/inquiries/inq_AAAA1111');
    const table = within(await screen.findByRole('table', { name: 'Links' }));
    expect(table.getByText('Emailed to j•••@example.com')).toBeTruthy();
  });
});
