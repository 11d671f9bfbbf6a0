import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, type FakeApiHandlers } from '../../../test/fakeApi';
import { detail, signedInAs } from '../../../test/fixtures';
import { renderApp } from '../../../test/renderApp';
import { actionsFor, resumeOutput, SESSION_TOKEN } from './testing';

function withInquiry(handlers: FakeApiHandlers = {}): FakeApiHandlers {
  return {
    'auth.me': () => signedInAs('support'),
    'inquiries.get': ({ id }) => detail({ id }),
    'inquiries.actionsFor': () => actionsFor(),
    'inquiries.resume': (input) => resumeOutput({ inquiryId: input.id }),
    ...handlers,
  };
}

async function resumeToResult({ refuseClipboard = false } = {}) {
  const { user } = renderApp('/inquiries/inq_AAAA1111');
  // user-event installs its clipboard in setup() (renderApp); refuse it from here on, as a browser without permission does.
  const write = refuseClipboard ? vi.spyOn(navigator.clipboard, 'writeText').mockRejectedValue(new DOMException('denied', 'NotAllowedError')) : null;
  const actions = within(await screen.findByRole('region', { name: 'Actions' }));
  await user.click(await actions.findByRole('button', { name: 'Resume and copy token' }));
  const dialog = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
  await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User closed the browser');
  await user.click(dialog.getByRole('button', { name: 'Resume and copy token' }));
  await dialog.findByRole('textbox', { name: 'Session token' });
  return { user, dialog, write };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Copy on create', () => {
  it('copies the token as soon as it is shown, says so, and closes without asking', async () => {
    installFakeApi(withInquiry());
    const { user, dialog } = await resumeToResult();
    await waitFor(async () => expect(await navigator.clipboard.readText()).toBe(SESSION_TOKEN));
    expect(await dialog.findByText(/Copied to the clipboard/)).toBeTruthy();
    expect(await screen.findByText('Session token copied to the clipboard')).toBeTruthy();

    await user.click(dialog.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('where the browser refuses, falls back to the button and asks before closing over a token nobody copied', async () => {
    installFakeApi(withInquiry());
    const { user, dialog, write } = await resumeToResult({ refuseClipboard: true });
    expect(await dialog.findByText(/did not let the console copy it by itself: use the copy button/)).toBeTruthy();

    await user.click(dialog.getByRole('button', { name: 'Done' }));
    await screen.findByRole('dialog', { name: 'Close without copying the session token?' });
    // The safe answer is the default: Enter keeps the result open.
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('dialog', { name: /Close without copying/ })).toBeNull());
    expect(dialog.getByRole('textbox', { name: 'Session token' })).toBeTruthy();

    // Escape on the result asks too; "Close without copying" really closes.
    await user.keyboard('{Escape}');
    const ask = within(await screen.findByRole('dialog', { name: 'Close without copying the session token?' }));
    await user.click(ask.getByRole('button', { name: 'Keep it open' }));
    await waitFor(() => expect(screen.queryByRole('dialog', { name: /Close without copying/ })).toBeNull());

    // Copying by hand settles it: Done closes at once.
    write?.mockRestore();
    await user.click(dialog.getByRole('button', { name: 'Copy session token' }));
    await waitFor(async () => expect(await navigator.clipboard.readText()).toBe(SESSION_TOKEN));
    await user.click(dialog.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('"Close without copying" closes and forgets the token', async () => {
    installFakeApi(withInquiry());
    const { user, dialog } = await resumeToResult({ refuseClipboard: true });
    await user.click(dialog.getByRole('button', { name: 'Done' }));
    const ask = within(await screen.findByRole('dialog', { name: 'Close without copying the session token?' }));
    await user.click(ask.getByRole('button', { name: 'Close without copying' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain(SESSION_TOKEN);
  });
});
