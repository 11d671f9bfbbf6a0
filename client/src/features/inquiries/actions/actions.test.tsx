import { QueryClient } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { describe, expect, it } from 'vitest';
import { AppProviders } from '../../../AppProviders';
import { createApiClient, type RouterInputs } from '../../../lib/trpc';
import { routes } from '../../../router';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../../test/fakeApi';
import { detail, signedInAs } from '../../../test/fixtures';
import { renderApp } from '../../../test/renderApp';
import { actionsFor, allowed, refused, resumeOutput, SESSION_TOKEN } from './testing';

const HOUR = 3_600_000;
const KEY = /^[A-Za-z0-9_-]{8,128}$/;

function withInquiry(handlers: FakeApiHandlers = {}): FakeApiHandlers {
  return {
    'auth.me': () => signedInAs('support'),
    'inquiries.get': ({ id }) => detail({ id }),
    'inquiries.actionsFor': () => actionsFor(),
    ...handlers,
  };
}

/** The console with a query client the test can look into (renderApp keeps its own to itself). */
function renderWithClient(path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity, gcTime: Infinity } } });
  const router = createMemoryRouter(routes, { initialEntries: [path] });
  const view = render(
    <AppProviders queryClient={queryClient} trpcClient={createApiClient()}>
      <RouterProvider router={router} />
    </AppProviders>,
  );
  return { ...view, queryClient, router, user: userEvent.setup() };
}

async function actionsRegion() {
  return within(await screen.findByRole('region', { name: 'Actions' }));
}

describe('Actions panel', () => {
  it('shows each verdict as the server gives it: a disabled action says why, warnings and limits are on view', async () => {
    const reason = 'Only pending or expired inquiries can be resumed; this one is created.';
    installFakeApi(
      withInquiry({
        'inquiries.get': ({ id }) => detail({ id, status: 'created' }),
        'inquiries.actionsFor': () =>
          actionsFor({
            resume: refused(reason),
            tokenLink: { ...refused('Your role cannot issue links with a session token.'), maxMinutes: 0 },
            recreate: allowed({ warnings: ['Already on the latest version: recreating only restarts the flow.'] }),
          }),
      }),
    );
    renderApp('/inquiries/inq_AAAA1111');
    const actions = await actionsRegion();

    const resume = await actions.findByRole('button', { name: 'Resume and copy token' });
    expect(resume.hasAttribute('disabled')).toBe(true);
    const describedBy = resume.getAttribute('aria-describedby');
    expect(describedBy && document.getElementById(describedBy)?.textContent).toBe(reason);
    expect(actions.getByRole('button', { name: 'Link with session token' }).hasAttribute('disabled')).toBe(true);
    expect(actions.getByText('Your role cannot issue links with a session token.')).toBeTruthy();

    expect(actions.getByRole('button', { name: 'Send one-time link' }).hasAttribute('disabled')).toBe(false);
    expect(actions.getByText('Recommended')).toBeTruthy();
    expect(actions.getByText('Last resort')).toBeTruthy();
    expect(actions.getByText('Already on the latest version: recreating only restarts the flow.')).toBeTruthy();

    const limits = within(actions.getByRole('group', { name: 'Limits' }));
    expect(limits.getByText('2 / 25')).toBeTruthy();
    expect(limits.getByText('1 / 3')).toBeTruthy();
    expect(limits.getByText('4 / 60')).toBeTruthy();
  });
});

describe('Resume and copy token', () => {
  const expiredOutdated = () =>
    withInquiry({
      'inquiries.get': ({ id }) => detail({ id, status: 'expired', expiresAt: new Date(Date.now() - 74 * HOUR), expiredAt: new Date(Date.now() - 74 * HOUR) }),
      'inquiries.actionsFor': () =>
        actionsFor({
          resume: allowed({
            warnings: ['Expired: resuming makes it pending again for 1 day.', 'Pinned to v3, 2 behind v5: Persona recommends recreating on the latest version instead.'],
            requires: ['acknowledgeExpired', 'acknowledgeOutdated'],
          }),
        }),
      'inquiries.resume': (input) => resumeOutput({ inquiryId: input.id }),
    });

  it('needs a reason and every acknowledgement the verdict requires; Enter submits once it is valid', async () => {
    const fake = installFakeApi(expiredOutdated());
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Resume and copy token' }));

    const dialog = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
    const reason = dialog.getByRole('textbox', { name: /Reason/ });
    await waitFor(() => expect(document.activeElement).toBe(reason));
    const submit = dialog.getByRole('button', { name: 'Resume and copy token' });
    expect(submit.hasAttribute('disabled')).toBe(true);

    const expired = dialog.getByRole('checkbox', { name: /It expired 3 d ago: resuming makes it pending again for 24 h/ });
    const outdated = dialog.getByRole('checkbox', { name: /pinned to v3, 2 versions behind v5/ });
    expect(dialog.getByRole('button', { name: 'Recreate instead' })).toBeTruthy();

    await user.type(reason, 'abc');
    await user.keyboard('{Enter}');
    expect(submit.hasAttribute('disabled')).toBe(true);
    await user.type(reason, 'd — user closed the app mid-flow');
    expect(submit.hasAttribute('disabled')).toBe(true);
    await user.click(expired);
    expect(submit.hasAttribute('disabled')).toBe(true);
    await user.click(outdated);
    expect(submit.hasAttribute('disabled')).toBe(false);
    expect(fake.inputsOf('inquiries.resume')).toHaveLength(0);

    await user.click(reason);
    await user.keyboard('{Enter}');
    await dialog.findByRole('textbox', { name: 'Session token' });
    const sent = fake.inputsOf('inquiries.resume') as RouterInputs['inquiries']['resume'][];
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ id: 'inq_AAAA1111', reason: 'abcd — user closed the app mid-flow', acknowledgeExpired: true, acknowledgeOutdated: true });
    expect(sent[0]?.idempotencyKey).toMatch(KEY);
  });

  it('"Recreate instead" switches to the recreate dialog and keeps the reason typed so far', async () => {
    installFakeApi(expiredOutdated());
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Resume and copy token' }));
    const resume = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
    await user.type(resume.getByRole('textbox', { name: /Reason/ }), 'User is stuck on an old flow');
    await user.click(resume.getByRole('button', { name: 'Recreate instead' }));

    const recreate = within(await screen.findByRole('dialog', { name: 'Recreate on latest version' }));
    expect(recreate.getByRole<HTMLInputElement>('textbox', { name: /Reason/ }).value).toBe('User is stuck on an old flow');
    expect(recreate.getByText(/the new inquiry will be on v5/)).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'Resume and copy token' })).toBeNull();
  });

  it('shows the token once, and nothing of it remains after the dialog closes', async () => {
    installFakeApi(withInquiry({ 'inquiries.resume': (input) => resumeOutput({ inquiryId: input.id }) }));
    const { user, queryClient, router } = renderWithClient('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Resume and copy token' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User closed the browser');
    await user.click(dialog.getByRole('button', { name: 'Resume and copy token' }));

    const token = await dialog.findByRole('textbox', { name: 'Session token' });
    expect((token as HTMLTextAreaElement).value).toBe(SESSION_TOKEN);
    expect(dialog.getByText(/This token is shown only now/)).toBeTruthy();
    expect(dialog.getByRole<HTMLInputElement>('textbox', { name: 'Inquiry id' }).value).toBe('inq_AAAA1111');
    expect(dialog.getByText('iqse_New1')).toBeTruthy();
    expect(dialog.getByRole('button', { name: 'Copy session token' })).toBeTruthy();
    expect(dialog.getByText(/load into the SDK/)).toBeTruthy();

    // The hand-offs: one tab per integration, each ready to copy, built from the same id and token.
    const hosted = dialog.getByRole<HTMLTextAreaElement>('textbox', { name: 'Hosted link hand-off' });
    const link = new URL(hosted.value);
    expect(`${link.origin}${link.pathname}`).toBe(`${window.location.origin}/verify`);
    expect(link.searchParams.get('inquiry-id')).toBe('inq_AAAA1111');
    expect(link.searchParams.get('session-token')).toBe(SESSION_TOKEN);
    expect(dialog.getByRole('button', { name: 'Copy hosted link hand-off' })).toBeTruthy();
    expect(dialog.getAllByRole('tab').map((t) => t.textContent)).toEqual(['Hosted link', 'JavaScript', 'React', 'iOS', 'Android', 'React Native', 'Flutter']);
    await user.click(dialog.getByRole('tab', { name: 'iOS' }));
    const swift = dialog.getByRole<HTMLTextAreaElement>('textbox', { name: 'iOS hand-off' }).value;
    expect(swift).toContain(`Inquiry.from(inquiryId: "inq_AAAA1111", delegate: self)`);
    expect(swift).toContain(`.sessionToken("${SESSION_TOKEN}")`);
    expect(dialog.getByRole('button', { name: 'Copy iOS hand-off' })).toBeTruthy();

    await user.click(dialog.getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const inputs = [...document.querySelectorAll('input, textarea')].map((el) => (el as HTMLInputElement).value);
    expect(inputs.some((v) => v.includes(SESSION_TOKEN))).toBe(false);
    expect(document.body.innerHTML).not.toContain(SESSION_TOKEN);
    const { pathname, search, hash } = router.state.location;
    expect(`${pathname}${search}${hash}`).not.toContain(SESSION_TOKEN);
    expect(JSON.stringify({ ...window.localStorage })).not.toContain(SESSION_TOKEN);
    await waitFor(() => expect(JSON.stringify(queryClient.getMutationCache().getAll().map((m) => m.state))).not.toContain(SESSION_TOKEN));
    expect(JSON.stringify(queryClient.getQueryCache().getAll().map((q) => q.state.data))).not.toContain(SESSION_TOKEN);

    // Opening the dialog again starts a new session of it: a blank form, no token.
    await user.click(screen.getByRole('button', { name: 'Resume and copy token' }));
    const again = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
    expect(again.queryByRole('textbox', { name: 'Session token' })).toBeNull();
    expect(again.getByRole<HTMLInputElement>('textbox', { name: /Reason/ }).value).toBe('');
  });

  it('a double click sends one request with one idempotency key', async () => {
    let answer: () => void = () => undefined;
    const fake = installFakeApi(
      withInquiry({
        'inquiries.resume': (input) =>
          new Promise((resolve) => {
            answer = () => resolve(resumeOutput({ inquiryId: input.id }));
          }),
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Resume and copy token' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User closed the browser');
    const submit = dialog.getByRole('button', { name: 'Resume and copy token' });
    // Two clicks in the same tick: the second lands before React has re-rendered the button as disabled.
    fireEvent.click(submit);
    fireEvent.click(submit);
    await waitFor(() => expect(fake.inputsOf('inquiries.resume')).toHaveLength(1));
    await waitFor(() => expect(submit.hasAttribute('disabled')).toBe(true));
    answer();
    await dialog.findByRole('textbox', { name: 'Session token' });
    const keys = (fake.inputsOf('inquiries.resume') as RouterInputs['inquiries']['resume'][]).map((i) => i.idempotencyKey);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(KEY);
  });

  it('a retry after a refusal reuses the key; a missing acknowledgement the server asks for appears', async () => {
    let attempts = 0;
    const fake = installFakeApi(
      withInquiry({
        'inquiries.resume': (input) => {
          attempts += 1;
          if (attempts === 1) {
            throw new FakeApiError('PRECONDITION_FAILED', 'acknowledgeExpired: confirm first — Expired: resuming makes it pending again for 1 day.', {
              missingAcknowledgements: ['acknowledgeExpired'],
            });
          }
          return resumeOutput({ inquiryId: input.id });
        },
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Resume and copy token' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Resume and copy token' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User closed the browser');
    await user.click(dialog.getByRole('button', { name: 'Resume and copy token' }));

    expect((await dialog.findByRole('alert')).textContent).toContain('acknowledgeExpired: confirm first');
    await user.click(await dialog.findByRole('checkbox', { name: /It expired/ }));
    await user.click(dialog.getByRole('button', { name: 'Resume and copy token' }));
    await dialog.findByRole('textbox', { name: 'Session token' });
    const sent = fake.inputsOf('inquiries.resume') as RouterInputs['inquiries']['resume'][];
    expect(sent.map((i) => i.idempotencyKey)).toEqual([sent[0]?.idempotencyKey, sent[0]?.idempotencyKey]);
    expect(sent[1]).toMatchObject({ acknowledgeExpired: true });
  });
});

describe('Link with session token', () => {
  it('needs a ticket, the risk acknowledged and a lifetime within the maximum', async () => {
    const fake = installFakeApi(
      withInquiry({
        'inquiries.actionsFor': () => actionsFor({ tokenLink: { ...allowed({ requires: ['acknowledgeRisk'] }), maxMinutes: 90 } }),
        'links.createWithToken': () => ({ status: 'issued', linkId: 'lnk_T1', url: 'http://localhost/verify?inquiry-id=inq_AAAA1111&session-token=secret.jwt.value', expiresAt: new Date(Date.now() + HOUR) }),
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Link with session token' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Link with session token' }));
    const submit = dialog.getByRole('button', { name: 'Create and copy link' });
    const lifetime = dialog.getByRole<HTMLInputElement>('spinbutton', { name: /Lifetime in minutes/ });
    expect(lifetime.value).toBe('60');
    expect(lifetime.max).toBe('90');

    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Prefilled inquiry, user on a kiosk');
    const risk = dialog.getByRole('checkbox', { name: /Anyone holding this link can open the inquiry until it expires/ });
    await user.click(risk);
    expect(submit.hasAttribute('disabled')).toBe(true); // no ticket yet

    const ticket = dialog.getByRole('textbox', { name: /Ticket reference/ });
    await user.type(ticket, 'x');
    await user.tab();
    expect(dialog.getByText(/The ticket must name the support ticket/)).toBeTruthy();
    await user.clear(ticket);
    await user.type(ticket, 'SUP-4411');
    expect(submit.hasAttribute('disabled')).toBe(false);

    await user.clear(lifetime);
    await user.type(lifetime, '120');
    expect(dialog.getByText(/At most 90 minutes/)).toBeTruthy();
    expect(submit.hasAttribute('disabled')).toBe(true);
    await user.clear(lifetime);
    await user.type(lifetime, '90');
    await user.click(risk);
    expect(submit.hasAttribute('disabled')).toBe(true); // risk no longer acknowledged
    await user.click(risk);
    await user.click(submit);

    const url = await dialog.findByRole('textbox', { name: 'Link with session token' });
    expect((url as HTMLTextAreaElement).value).toContain('session-token=secret.jwt.value');
    expect(dialog.getAllByText(/anyone holding it can open the inquiry until it expires/i).length).toBeGreaterThan(0);
    expect(fake.inputsOf('links.createWithToken')).toEqual([
      expect.objectContaining({ inquiryId: 'inq_AAAA1111', ticket: 'SUP-4411', expiresInMinutes: 90, acknowledgeRisk: true, reason: 'Prefilled inquiry, user on a kiosk' }),
    ]);
  });

  it('under the two-person rule, says a second person decides and shows "Request sent", with no link', async () => {
    const fake = installFakeApi(
      withInquiry({
        'inquiries.actionsFor': () => actionsFor({ tokenLink: { ...allowed({ requires: ['acknowledgeRisk'] }), maxMinutes: 90, approvalRequired: true } }),
        'links.createWithToken': (input) => ({ status: 'pending_approval', requestId: 'tlr_R1', inquiryId: input.inquiryId, expiresAt: new Date(Date.now() + HOUR) }),
      }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Link with session token' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Link with session token' }));
    expect(dialog.getByText(/Needs a second person/)).toBeTruthy();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Prefilled inquiry, user on a kiosk');
    await user.type(dialog.getByRole('textbox', { name: /Ticket reference/ }), 'SUP-4411');
    await user.click(dialog.getByRole('checkbox', { name: /Anyone holding this link can open the inquiry until it expires/ }));
    await user.click(dialog.getByRole('button', { name: 'Request approval' }));

    expect(await dialog.findByText(/Request sent/)).toBeTruthy();
    expect(dialog.getByText('tlr_R1')).toBeTruthy();
    expect(dialog.queryByRole('textbox', { name: 'Link with session token' })).toBeNull();
    expect(fake.inputsOf('links.createWithToken')).toHaveLength(1);
  });
});

describe('Send one-time link', () => {
  it('shows the link with its expiry, once', async () => {
    const fake = installFakeApi(
      withInquiry({ 'links.createOneTime': () => ({ linkId: 'lnk_O1', url: 'http://localhost/verify?code=abc123', expiresAt: new Date(Date.now() + HOUR + 60_000) }) }),
    );
    const { user } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Send one-time link' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Send one-time link' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'User lost the email{Enter}');
    expect((await dialog.findByRole<HTMLTextAreaElement>('textbox', { name: 'One-time link' })).value).toBe('http://localhost/verify?code=abc123');
    expect(dialog.getByText('in 1 h')).toBeTruthy();
    expect(fake.inputsOf('links.createOneTime')).toEqual([expect.objectContaining({ inquiryId: 'inq_AAAA1111', reason: 'User lost the email' })]);
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.body.innerHTML).not.toContain('code=abc123');
  });
});

describe('Recreate on latest version', () => {
  it('navigates to the new inquiry and says so; its access actions are there', async () => {
    const fake = installFakeApi(
      withInquiry({
        'inquiries.get': ({ id }) => (id === 'inq_BBBB2222' ? detail({ id, status: 'created', versionNumber: 5, isOutdated: false, versionsBehind: 0 }) : detail({ id })),
        'inquiries.recreate': () => ({ newInquiryId: 'inq_BBBB2222', versionNumber: 5, expiresAt: new Date(Date.now() + 24 * HOUR) }),
      }),
    );
    const { user, router } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Recreate on latest version' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Recreate on latest version' }));
    expect(dialog.getByText(/It is on v3; the new inquiry will be on v5/)).toBeTruthy();
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Old flow version{Enter}');

    expect(await screen.findByRole('heading', { name: 'inq_BBBB2222', level: 1 })).toBeTruthy();
    expect(router.state.location.pathname).toBe('/inquiries/inq_BBBB2222');
    expect(await screen.findByText('Recreated as inq_BBBB2222 on v5.')).toBeTruthy();
    expect(fake.inputsOf('inquiries.recreate')).toEqual([expect.objectContaining({ id: 'inq_AAAA1111', reason: 'Old flow version', idempotencyKey: expect.stringMatching(KEY) as unknown })]);
    expect(await (await actionsRegion()).findByRole('button', { name: 'Send one-time link' })).toBeTruthy();
    await waitFor(() => expect(fake.inputsOf('inquiries.actionsFor')).toContainEqual({ id: 'inq_BBBB2222' }));
  });

  it('when someone recreated it first, links to the successor', async () => {
    installFakeApi(
      withInquiry({
        'inquiries.recreate': () => {
          throw new FakeApiError('CONFLICT', 'Already recreated as inq_Other9.', { successorId: 'inq_Other9' });
        },
      }),
    );
    const { user, router } = renderApp('/inquiries/inq_AAAA1111');
    await user.click(await (await actionsRegion()).findByRole('button', { name: 'Recreate on latest version' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Recreate on latest version' }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Old flow version{Enter}');
    expect((await dialog.findByRole('alert')).textContent).toContain('Already recreated as inq_Other9.');
    await user.click(dialog.getByRole('link', { name: 'Open the successor inq_Other9' }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_Other9'));
  });
});
