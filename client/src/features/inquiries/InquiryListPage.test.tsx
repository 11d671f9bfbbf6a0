import { screen, waitFor, within } from '@testing-library/react';
import { beforeAll, describe, expect, it } from 'vitest';
import { customer, detail, emptyOverview, listItem, signedInAs, template } from '../../test/fixtures';
import { FakeApiError, installFakeApi, type FakeApiHandlers } from '../../test/fakeApi';
import { renderApp } from '../../test/renderApp';

function api(overrides: FakeApiHandlers = {}) {
  return installFakeApi({
    'inquiries.list': () => ({ items: [listItem()], nextCursor: null, total: 1, totalExact: true }),
    'inquiries.overview': () => emptyOverview,
    'templates.list': () => ({ items: [template()] }),
    ...overrides,
  });
}

describe('Inquiry list', () => {
  // The page is a lazy chunk with the DataGrid in it: load it once, outside any test's time budget.
  beforeAll(() => import('./InquiryListPage'), 120_000);

  it('redirects / to the list and links each row to its inquiry by id', async () => {
    api();
    const { router } = renderApp('/');
    const link = await screen.findByRole('link', { name: 'inq_AAAA1111' });
    expect(router.state.location.pathname).toBe('/inquiries');
    expect(link.getAttribute('href')).toBe('/inquiries/inq_AAAA1111');
  });

  it('reads filters, sort and quick view from the URL and sends them to the server', async () => {
    const fake = api();
    renderApp('/inquiries?status=expired&view=stuck&sort=expiresAt&order=asc&template=itmpl_Onboarding');
    await waitFor(() => expect(fake.inputsOf('inquiries.list').length).toBeGreaterThan(0));
    expect(fake.inputsOf('inquiries.list')[0]).toMatchObject({
      status: ['expired'],
      quickView: 'stuck',
      sort: 'expiresAt',
      order: 'asc',
      templateId: 'itmpl_Onboarding',
      limit: 50,
    });
    expect(screen.getByRole('button', { name: 'Stuck' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByRole('button', { name: 'Expiring in 24 h' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('puts quick views and filters in the URL, and back restores the previous view', async () => {
    const fake = api();
    const { user, router, params } = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });

    await user.click(screen.getByRole('button', { name: 'Expired – still resumable' }));
    expect(params().get('view')).toBe('expired_resumable');
    await waitFor(() => expect(fake.inputsOf('inquiries.list').at(-1)).toMatchObject({ quickView: 'expired_resumable' }));

    await user.click(screen.getByRole('combobox', { name: /Status/ }));
    await user.click(within(await screen.findByRole('listbox')).getByRole('option', { name: 'Pending' }));
    await user.keyboard('{Escape}');
    expect(params().getAll('status')).toEqual(['pending']);
    expect(params().get('view')).toBe('expired_resumable');
    await waitFor(() => expect(fake.inputsOf('inquiries.list').at(-1)).toMatchObject({ status: ['pending'], quickView: 'expired_resumable' }));

    await router.navigate(-1);
    await waitFor(() => expect(params().getAll('status')).toEqual([]));
    expect(screen.getByRole('button', { name: 'Expired – still resumable' }).getAttribute('aria-pressed')).toBe('true');

    await user.click(screen.getByRole('button', { name: 'Expired – still resumable' }));
    expect(params().get('view')).toBeNull();
  });

  it('filters by the customer in the URL, shows it as a chip and removes it', async () => {
    const fake = api({ 'customers.list': () => ({ items: [customer()] }) });
    const { user, params } = renderApp('/inquiries?customer=cust_Acme1');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    expect(fake.inputsOf('inquiries.list')[0]).toMatchObject({ customerId: 'cust_Acme1' });
    // An admin may list customers: the chip names the customer.
    expect(await screen.findByText('Customer: Acme Bank')).toBeTruthy();

    await user.click(screen.getByRole('img', { name: 'Remove the customer filter' }));
    expect(params().get('customer')).toBeNull();
    await waitFor(() => expect(fake.inputsOf('inquiries.list').at(-1)).not.toHaveProperty('customerId'));
    expect(screen.queryByText(/^Customer:/)).toBeNull();
  });

  it('shows the customer filter by id to a role that cannot list customers', async () => {
    const fake = api({ 'auth.me': () => signedInAs('support'), 'inquiries.list': () => ({ items: [], nextCursor: null, total: 0, totalExact: true }) });
    renderApp('/inquiries?customer=cust_Acme1');
    expect(await screen.findByText('Customer: cust_Acme1')).toBeTruthy();
    expect(await screen.findByText(/Nothing matched customer cust_Acme1/)).toBeTruthy();
    expect(fake.inputsOf('customers.list')).toEqual([]);
  });

  it('opens an inquiry straight away when the search is an exact inquiry id', async () => {
    const fake = api({ 'inquiries.get': ({ id }) => detail({ id, diagnosis: [] }) });
    const { user, router } = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });

    await user.keyboard('/');
    const search = screen.getByRole('textbox', { name: 'Search inquiries' });
    expect(document.activeElement).toBe(search);
    await user.type(search, 'inq_Zz9{Enter}');

    await waitFor(() => expect(router.state.location.pathname).toBe('/inquiries/inq_Zz9'));
    expect(await screen.findByRole('heading', { name: 'inq_Zz9' })).toBeTruthy();
    expect(fake.inputsOf('inquiries.get')).toEqual([{ id: 'inq_Zz9' }]);
    expect(fake.inputsOf('inquiries.list').some((input) => (input as { search?: string }).search)).toBe(false);
  });

  it('filters by reference id or email when the search is not an inquiry id', async () => {
    const fake = api();
    const { user, params } = renderApp('/inquiries');
    await screen.findByRole('link', { name: 'inq_AAAA1111' });
    await user.type(screen.getByRole('textbox', { name: 'Search inquiries' }), 'jane@example.com{Enter}');
    expect(params().get('q')).toBe('jane@example.com');
    await waitFor(() => expect(fake.inputsOf('inquiries.list').at(-1)).toMatchObject({ search: 'jane@example.com' }));
  });

  it('says which filters matched nothing and clears them', async () => {
    const fake = api({ 'inquiries.list': () => ({ items: [], nextCursor: null, total: 0, totalExact: true }) });
    const { user, params } = renderApp('/inquiries?status=expired&template=itmpl_Onboarding&size=25');
    expect(await screen.findByText('No inquiries match these filters')).toBeTruthy();
    expect(await screen.findByText(/status Expired, template KYC Onboarding/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(params().getAll('status')).toEqual([]);
    expect(params().get('template')).toBeNull();
    expect(params().get('size')).toBe('25');
    await waitFor(() => expect(fake.inputsOf('inquiries.list').at(-1)).toEqual({ sort: 'createdAt', order: 'desc', limit: 25 }));
  });

  it('shows the server’s own message when the request is refused', async () => {
    api({
      'inquiries.list': () => {
        throw new FakeApiError('BAD_REQUEST', 'Invalid input — createdAfter: createdAfter must not be later than createdBefore');
      },
    });
    renderApp('/inquiries?from=2026-11-20&to=2026-11-01');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load inquiries');
    expect(alert.textContent).toContain('Invalid input — createdAfter: createdAfter must not be later than createdBefore');
  });

  it('pages forward and back with keyset cursors kept in the URL', async () => {
    const fake = api({
      'inquiries.list': (input) =>
        input.cursor === 'cursor-page-2'
          ? { items: [listItem({ id: 'inq_Page2' })], nextCursor: null, total: 12_345, totalExact: false }
          : { items: [listItem({ id: 'inq_Page1' })], nextCursor: 'cursor-page-2', total: 12_345, totalExact: false },
    });
    const { user, params } = renderApp('/inquiries?status=pending');
    await screen.findByRole('link', { name: 'inq_Page1' });
    expect(screen.getByText(/of ≈12,345/)).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Go to next page' }));
    expect(params().getAll('cursor')).toEqual(['cursor-page-2']);
    await screen.findByRole('link', { name: 'inq_Page2' });
    expect(fake.inputsOf('inquiries.list').at(-1)).toMatchObject({ cursor: 'cursor-page-2' });

    await user.click(screen.getByRole('button', { name: 'Go to previous page' }));
    expect(params().getAll('cursor')).toEqual([]);
    await screen.findByRole('link', { name: 'inq_Page1' });
  });

  describe('one way of counting', () => {
    const overview = (countsExact: boolean, counts: [string, number][]) => ({
      ...emptyOverview,
      byStatus: counts.map(([status, count]) => ({ status, count })),
      countsExact,
    });
    const estimatedList = () => ({ items: [listItem()], nextCursor: 'next', total: 5_012, totalExact: false });

    it('without filters, the heading and the grid count what the counts by status count, exactly when they are exact', async () => {
      api({ 'inquiries.list': estimatedList, 'inquiries.overview': () => overview(true, [['pending', 3_000], ['expired', 2_000]]) });
      renderApp('/inquiries');
      expect(await screen.findByText('5,000 inquiries')).toBeTruthy();
      expect(await screen.findByText(/of 5,000$/)).toBeTruthy();
      expect(screen.getByText('All inquiries by status, exact counts')).toBeTruthy();
      expect(screen.queryByText(/5,012/)).toBeNull();
    });

    it('says “estimate” wherever the figures are estimated, and where from', async () => {
      api({ 'inquiries.list': estimatedList, 'inquiries.overview': () => overview(false, [['pending', 600_000], ['expired', 400_000]]) });
      renderApp('/inquiries');
      expect(await screen.findByText('≈1,000,000 inquiries (estimate)')).toBeTruthy();
      expect(screen.getByText(/Estimated from table statistics, like the counts by status/)).toBeTruthy();
      expect(screen.getByText('All inquiries by status, ≈ estimated from table statistics')).toBeTruthy();
      expect(await screen.findByText(/of ≈1,000,000$/)).toBeTruthy();
    });

    it('with filters, counts the matches and says the counts by status are for all inquiries', async () => {
      api({ 'inquiries.list': estimatedList, 'inquiries.overview': () => overview(true, [['pending', 3_000], ['expired', 2_000]]) });
      renderApp('/inquiries?status=pending');
      expect(await screen.findByText('≈5,012 inquiries (estimate)')).toBeTruthy();
      expect(screen.getByText(/^Matching the filters, estimated .* The counts by status above are for all inquiries\.$/)).toBeTruthy();
    });
  });
});
