import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { endOfLocalDay } from '../../lib/time';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { apiKey, customer, signedInAs } from '../../test/fixtures';
import { renderApp } from '../../test/renderApp';
import { localDay } from './keyForm';

const ACME = customer();
const GLOBEX = customer({ id: 'cust_Globex2', name: 'Globex Insurance', accountId: null, inquiryCount: 80, openInquiryCount: 3, activeKeyCount: 0 });
const PROD = apiKey();
const OLD = apiKey({
  id: 'key_Old1',
  name: 'Staging',
  prefix: 'idk_live_WxYz',
  state: 'revoked',
  canReadPii: true,
  rateLimitPerMinute: 1000,
  revokedAt: new Date(Date.now() - 86_400_000),
  revokedBy: 'admin@demo.test',
  revokeReason: 'Leaked in a ticket',
  lastUsedAt: null,
  callsThisWeek: 0,
});

function api(overrides: FakeApiHandlers = {}) {
  return installFakeApi({
    'auth.me': () => signedInAs('admin'),
    'customers.list': () => ({ items: [ACME, GLOBEX] }),
    'apiKeys.list': ({ customerId } = {}) => ({ items: customerId === ACME.id ? [PROD, OLD] : [] }),
    ...overrides,
  });
}

async function keyRow(name: string) {
  const row = (await screen.findByRole('cell', { name })).closest('tr');
  if (!row) throw new Error(`no row for key ${name}`);
  return within(row);
}

describe('Customers page', () => {
  it('lists customers with links to their inquiries, and the selected customer’s keys', async () => {
    const fake = api();
    const { user, params } = renderApp('/customers');

    const customers = within(await screen.findByRole('table', { name: 'Customers' }));
    const rows = customers.getAllByRole('row');
    expect(rows).toHaveLength(3);
    const acme = within(rows[1]!);
    expect(acme.getByRole('link', { name: 'Acme Bank' }).getAttribute('aria-current')).toBe('true');
    expect(acme.getByText('cust_Acme1')).toBeTruthy();
    expect(acme.getByText('act_Acme')).toBeTruthy();
    expect(acme.getByRole('link', { name: '1,234 inquiries of Acme Bank' }).getAttribute('href')).toBe('/inquiries?customer=cust_Acme1');
    expect(acme.getByRole('link', { name: '56 open inquiries of Acme Bank' }).getAttribute('href')).toBe('/inquiries?status=created&status=pending&customer=cust_Acme1');

    // The first customer is selected: its keys, live and revoked.
    const keys = within(await screen.findByRole('table', { name: 'API keys of Acme Bank' }));
    expect(keys.getAllByRole('row')).toHaveLength(3);
    const prod = await keyRow('Production backend');
    expect(prod.getByText('idk_live_AbCd…')).toBeTruthy();
    expect(prod.getByText('Active')).toBeTruthy();
    expect(prod.getByText('300/min')).toBeTruthy();
    expect(prod.getByText('No')).toBeTruthy();
    expect(prod.getByText('by admin@demo.test')).toBeTruthy();
    expect(prod.getByText('Never')).toBeTruthy();
    expect(prod.getByText('2 h ago')).toBeTruthy();
    expect(prod.getByText('4,321')).toBeTruthy();
    expect(prod.getByRole('button', { name: 'Revoke key Production backend' })).toBeTruthy();
    const old = await keyRow('Staging');
    expect(old.getByText('Revoked')).toBeTruthy();
    expect(old.getByText(/by admin@demo\.test: Leaked in a ticket/)).toBeTruthy();
    expect(old.getByText('Yes')).toBeTruthy();
    expect(old.queryByRole('button', { name: /Revoke/ })).toBeNull();

    // Another customer: selected in the URL, with its own (empty) key list.
    await user.click(customers.getByRole('link', { name: 'Globex Insurance' }));
    expect(params().get('customer')).toBe('cust_Globex2');
    expect(await screen.findByText('No API keys yet')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'API keys of Globex Insurance' })).toBeTruthy();
    expect(fake.inputsOf('apiKeys.list')).toEqual([{ customerId: 'cust_Acme1' }, { customerId: 'cust_Globex2' }]);
  });

  it('creates a key and shows its secret once, then refreshes the lists', async () => {
    let created = false;
    const NEW = apiKey({ id: 'key_New1', name: 'Mobile app', prefix: 'idk_live_Nw12', rateLimitPerMinute: 120, canReadPii: true, lastUsedAt: null, callsThisWeek: 0 });
    const fake = api({
      'customers.list': () => ({ items: [{ ...ACME, activeKeyCount: created ? 2 : 1 }, GLOBEX] }),
      'apiKeys.list': () => ({ items: created ? [NEW, PROD, OLD] : [PROD, OLD] }),
      'apiKeys.create': () => {
        created = true;
        return { id: 'key_New1', secret: 'idk_live_Nw12SecretValueThatIsShownOnce', prefix: 'idk_live_Nw12', expiresAt: null };
      },
    });
    const { user } = renderApp('/customers?customer=cust_Acme1');

    await user.click(await screen.findByRole('button', { name: 'Create key' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Create an API key for Acme Bank' }));
    const name = dialog.getByRole('textbox', { name: 'Name' });
    expect(document.activeElement).toBe(name);
    expect(dialog.getByRole<HTMLInputElement>('spinbutton', { name: /Rate limit per minute/ }).value).toBe('300');
    const create = dialog.getByRole('button', { name: 'Create key' });
    expect(create.hasAttribute('disabled')).toBe(true);

    await user.type(name, '  Mobile app ');
    const day = new Date();
    day.setDate(day.getDate() + 30);
    await user.type(dialog.getByLabelText('Expires'), localDay(day));
    const rate = dialog.getByRole('spinbutton', { name: /Rate limit per minute/ });
    await user.clear(rate);
    await user.type(rate, '0');
    expect(await dialog.findByText('A whole number from 1 to 100,000.')).toBeTruthy();
    await user.clear(rate);
    await user.type(rate, '120');
    await user.click(dialog.getByRole('checkbox', { name: 'May read personal data (PII)' }));
    expect(dialog.getByText(/can read the personal data of Acme Bank’s end users/)).toBeTruthy();
    // Like every change that grants access, it needs a reason.
    expect(create.hasAttribute('disabled')).toBe(true);
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'New mobile integration{Enter}');

    const shown = within(await screen.findByRole('dialog', { name: 'API key “Mobile app” for Acme Bank' }));
    expect(shown.getByRole<HTMLInputElement>('textbox', { name: 'API key' }).value).toBe('idk_live_Nw12SecretValueThatIsShownOnce');
    expect(shown.getByText(/you will not see it again/)).toBeTruthy();
    expect(shown.getByRole('button', { name: 'Copy api key' })).toBeTruthy();
    expect(await screen.findByText('Key “Mobile app” created for Acme Bank.')).toBeTruthy();
    expect(fake.inputsOf('apiKeys.create')).toEqual([
      {
        customerId: 'cust_Acme1',
        name: 'Mobile app',
        expiresAt: endOfLocalDay(localDay(day)),
        rateLimitPerMinute: 120,
        canReadPii: true,
        reason: 'New mobile integration',
      },
    ]);

    // Closing the dialog forgets the secret for good; the lists behind it are fresh.
    await user.click(shown.getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect((await keyRow('Mobile app')).getByText('idk_live_Nw12…')).toBeTruthy();
    expect(screen.queryByDisplayValue('idk_live_Nw12SecretValueThatIsShownOnce')).toBeNull();
    expect(screen.queryByText('idk_live_Nw12SecretValueThatIsShownOnce')).toBeNull();
    const acmeCells = within(within(screen.getByRole('table', { name: 'Customers' })).getAllByRole('row')[1]!).getAllByRole('cell');
    await waitFor(() => expect(acmeCells.at(-1)?.textContent).toBe('2'));
  }, 60_000);

  it('refuses an expiry in the past', async () => {
    const fake = api();
    const { user } = renderApp('/customers');
    await user.click(await screen.findByRole('button', { name: 'Create key' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Create an API key for Acme Bank' }));
    await user.type(dialog.getByRole('textbox', { name: 'Name' }), 'Old');
    const yesterday = new Date();
    yesterday.setDate(yesterday.getDate() - 1);
    await user.type(dialog.getByLabelText('Expires'), localDay(yesterday));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Testing the expiry');
    expect(dialog.getByText(/the expiry must be in the future/)).toBeTruthy();
    expect(dialog.getByRole('button', { name: 'Create key' }).hasAttribute('disabled')).toBe(true);
    expect(fake.inputsOf('apiKeys.create')).toEqual([]);
  });

  it('revokes a key only with a reason, saying its calls are refused at once', async () => {
    let revoked = false;
    const fake = api({
      'apiKeys.list': () => ({ items: [revoked ? { ...PROD, state: 'revoked', revokedAt: new Date(), revokedBy: 'admin@demo.test', revokeReason: 'Partner offboarded' } : PROD] }),
      'apiKeys.revoke': ({ id, reason }) => {
        revoked = true;
        return { ...PROD, id, state: 'revoked', revokedAt: new Date(), revokedBy: 'admin@demo.test', revokeReason: reason };
      },
    });
    const { user } = renderApp('/customers');
    await user.click((await keyRow('Production backend')).getByRole('button', { name: 'Revoke key Production backend' }));
    const dialog = within(await screen.findByRole('dialog', { name: 'Revoke the key “Production backend” of Acme Bank?' }));
    expect(dialog.getByText(/Partner calls with this key \(idk_live_AbCd…\) are refused at once, with 401 Unauthorized/)).toBeTruthy();
    expect(dialog.getByText(/made 4,321 calls this week/)).toBeTruthy();

    const reason = dialog.getByRole('textbox', { name: /Reason/ });
    expect(document.activeElement).toBe(reason);
    await user.type(reason, 'no{Enter}');
    await user.tab();
    expect(await dialog.findByText('Say why, in at least 5 characters.')).toBeTruthy();
    expect(dialog.getByRole('button', { name: 'Revoke key' }).hasAttribute('disabled')).toBe(true);
    expect(fake.inputsOf('apiKeys.revoke')).toEqual([]);

    await user.clear(reason);
    await user.type(reason, ' Partner offboarded {Enter}');
    expect(await screen.findByText('Key “Production backend” revoked: partner calls with it are refused from now on.')).toBeTruthy();
    expect(fake.inputsOf('apiKeys.revoke')).toEqual([{ id: 'key_Prod1', reason: 'Partner offboarded' }]);
    const row = await keyRow('Production backend');
    expect(await row.findByText('Revoked')).toBeTruthy();
    expect(row.queryByRole('button', { name: /Revoke/ })).toBeNull();
  });

  it('shows the server’s refusal in the revoke dialog and keeps it open', async () => {
    api({
      'apiKeys.revoke': () => {
        throw new FakeApiError('CONFLICT', 'API key idk_live_AbCd… was already revoked.');
      },
    });
    const { user } = renderApp('/customers');
    await user.click((await keyRow('Production backend')).getByRole('button', { name: 'Revoke key Production backend' }));
    const dialog = within(await screen.findByRole('dialog', { name: /Revoke the key/ }));
    await user.type(dialog.getByRole('textbox', { name: /Reason/ }), 'Partner offboarded{Enter}');
    expect((await dialog.findByRole('alert')).textContent).toBe('API key idk_live_AbCd… was already revoked.');
  });

  it('says when there are no customers, and when they cannot be loaded', async () => {
    api({ 'customers.list': () => ({ items: [] }) });
    const first = renderApp('/customers');
    expect(await screen.findByText('No customers yet')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create key' })).toBeNull();
    first.unmount();

    api({
      'customers.list': () => {
        throw new FakeApiError('INTERNAL_SERVER_ERROR', 'The database is not answering.');
      },
    });
    renderApp('/customers');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load customers');
    expect(alert.textContent).toContain('The database is not answering.');
  });

  it('is in the admin’s navigation only', async () => {
    api();
    const admin = renderApp('/customers');
    const nav = within(await screen.findByRole('navigation', { name: 'Main' }));
    expect(nav.getByRole('link', { name: 'Customers', current: 'page' }).getAttribute('href')).toBe('/customers');
    admin.unmount();

    const fake = api({ 'auth.me': () => signedInAs('support') });
    const { router } = renderApp('/customers');
    expect(await screen.findByText('Not allowed')).toBeTruthy();
    expect(screen.getByText(/Your role \(support agent\) cannot manage partner API keys\./)).toBeTruthy();
    const supportNav = within(screen.getByRole('navigation', { name: 'Main' }));
    expect(supportNav.getByRole('link', { name: 'Inquiries' })).toBeTruthy();
    expect(supportNav.queryByText('Customers')).toBeNull();
    expect(router.state.location.pathname).toBe('/customers');
    expect(fake.inputsOf('customers.list')).toEqual([]);
  });
});
