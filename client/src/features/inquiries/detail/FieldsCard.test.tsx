import { QueryClient } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { Role } from '@shared/permissions.js';
import { AppProviders } from '../../../AppProviders';
import { createApiClient } from '../../../lib/trpc';
import { routes } from '../../../router';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../../test/fakeApi';
import { detail, signedInAs } from '../../../test/fixtures';
import { actionsFor } from '../actions/testing';

const EMAIL = 'jane.doe@example.com';
const MASKED = [
  { name: 'name-first', label: 'First name', value: 'J•••' },
  { name: 'email-address', label: 'Email', value: 'j•••@example.com' },
];

function handlers(role: Role, extra: FakeApiHandlers = {}): FakeApiHandlers {
  return {
    'auth.me': () => signedInAs(role),
    'inquiries.get': ({ id }) => detail({ id, fields: MASKED }),
    'inquiries.actionsFor': () => actionsFor(),
    'inquiries.revealPii': ({ id }) => ({
      inquiryId: id,
      fields: [
        { name: 'name-first', label: 'First name', value: 'Jane' },
        { name: 'email-address', label: 'Email', value: EMAIL },
      ],
      revealedAt: new Date(),
    }),
    ...extra,
  };
}

/** The console, with the query client the test looks into: nothing revealed may stay in its caches. */
function renderConsole(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity, gcTime: Infinity } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <AppProviders queryClient={queryClient} trpcClient={createApiClient()}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, queryClient, router, user: userEvent.setup() };
}

async function fieldsCard() {
  return within(await screen.findByRole('region', { name: 'Prefilled fields' }));
}

function cachesHold(queryClient: QueryClient, text: string): boolean {
  const mutations = JSON.stringify(queryClient.getMutationCache().getAll().map((m) => m.state));
  const queries = JSON.stringify(queryClient.getQueryCache().getAll().map((q) => q.state.data));
  return mutations.includes(text) || queries.includes(text);
}

describe('Prefilled fields: reveal', () => {
  it('reveals with a reason, shows the values in place, hides them again, and keeps them in no cache', async () => {
    const fake = installFakeApi(handlers('support'));
    const { user, queryClient } = renderConsole('/inquiries/inq_AAAA1111');
    const card = await fieldsCard();
    expect(await card.findByText('j•••@example.com')).toBeTruthy();
    expect(card.queryByText(EMAIL)).toBeNull();

    await user.click(card.getByRole('button', { name: 'Reveal' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Reveal personal data' }));
    expect(dialog.getByText(/never the values/)).toBeTruthy();
    // The reason is required, as for every guarded action.
    expect(dialog.getByRole<HTMLButtonElement>('button', { name: 'Reveal' }).disabled).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Customer asked us to confirm the email');
    await user.click(dialog.getByRole('button', { name: 'Reveal' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(card.getByText(EMAIL)).toBeTruthy();
    expect(card.getByText('Jane')).toBeTruthy();
    expect(card.getByText(/Revealed for this view only/)).toBeTruthy();
    expect(fake.inputsOf('inquiries.revealPii')).toEqual([{ id: 'inq_AAAA1111', reason: 'Customer asked us to confirm the email' }]);
    await waitFor(() => expect(cachesHold(queryClient, EMAIL)).toBe(false));

    await user.click(card.getByRole('button', { name: 'Hide' }));
    expect(card.queryByText(EMAIL)).toBeNull();
    expect(card.getByText('j•••@example.com')).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(EMAIL);
    expect(card.getByRole('button', { name: 'Reveal' })).toBeTruthy();
  });

  it('forgets the values when the person navigates away and back', async () => {
    installFakeApi(handlers('compliance'));
    const { user, router } = renderConsole('/inquiries/inq_AAAA1111');
    await user.click((await fieldsCard()).getByRole('button', { name: 'Reveal' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Reveal personal data' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Checking the name for a complaint');
    await user.click(dialog.getByRole('button', { name: 'Reveal' }));
    expect(await (await fieldsCard()).findByText(EMAIL)).toBeTruthy();

    // The card is read afresh each time: navigating replaces it.
    const maskedAgain = () => within(screen.getByRole('region', { name: 'Prefilled fields' })).getByText('j•••@example.com');
    await router.navigate('/inquiries/inq_BBBB2222');
    await waitFor(() => expect(maskedAgain()).toBeTruthy());
    expect(document.body.innerHTML).not.toContain(EMAIL);
    await router.navigate('/inquiries/inq_AAAA1111');
    await waitFor(() => expect(maskedAgain()).toBeTruthy());
    expect(document.body.innerHTML).not.toContain(EMAIL);
  });

  it('shows a refusal in the dialog and reveals nothing', async () => {
    installFakeApi(
      handlers('support', {
        'inquiries.revealPii': () => {
          throw new FakeApiError('TOO_MANY_REQUESTS', 'You have revealed personal data 30 times in the last 1 h: wait 12 min.', { retryAfterSeconds: 720 });
        },
      }),
    );
    const { user } = renderConsole('/inquiries/inq_AAAA1111');
    await user.click((await fieldsCard()).getByRole('button', { name: 'Reveal' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Reveal personal data' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Customer asked us to confirm the email');
    await user.click(dialog.getByRole('button', { name: 'Reveal' }));
    expect(await dialog.findByText(/revealed personal data 30 times/)).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(EMAIL);
  });

  it.each(['viewer', 'manager'] as const)('%s sees the masked values and no Reveal button', async (role) => {
    const fake = installFakeApi(handlers(role));
    renderConsole('/inquiries/inq_AAAA1111');
    const card = await fieldsCard();
    expect(await card.findByText('j•••@example.com')).toBeTruthy();
    expect(card.queryByRole('button', { name: 'Reveal' })).toBeNull();
    expect(card.getByText(/cannot reveal it/)).toBeTruthy();
    expect(fake.inputsOf('inquiries.revealPii')).toEqual([]);
  });
});
