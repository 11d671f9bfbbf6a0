import { describe, expect, it } from 'vitest';
import { clearFilters, describeFilters, inquiryListPath, parseListState, toListInput, toSearchParams } from './listParams';

describe('list state in the URL', () => {
  it('reads every filter, sort and cursor back from the search params', () => {
    const state = parseListState(
      new URLSearchParams(
        'q=user-42&view=stuck&status=pending&status=expired&template=itmpl_Abc&customer=cust_Acme1&version=outdated&expiry=within_24h&from=2026-11-01&to=2026-11-20&sort=expiresAt&order=asc&size=100&cursor=c1&cursor=c2',
      ),
    );
    expect(state).toEqual({
      search: 'user-42',
      quickView: 'stuck',
      statuses: ['pending', 'expired'],
      templateId: 'itmpl_Abc',
      customerId: 'cust_Acme1',
      versionState: 'outdated',
      expiry: 'within_24h',
      createdAfter: '2026-11-01',
      createdBefore: '2026-11-20',
      sort: 'expiresAt',
      order: 'asc',
      pageSize: 100,
      cursors: ['c1', 'c2'],
    });
    expect(parseListState(toSearchParams(state))).toEqual(state);
  });

  it('ignores values that would only make the server refuse the request', () => {
    const state = parseListState(new URLSearchParams('status=bogus&status=pending&view=nope&sort=id&order=up&size=7&template=drop table&from=2026-02-31'));
    expect(state.statuses).toEqual(['pending']);
    expect(state.quickView).toBeNull();
    expect(state.sort).toBe('createdAt');
    expect(state.order).toBe('desc');
    expect(state.pageSize).toBe(50);
    expect(state.templateId).toBeNull();
    expect(state.createdAfter).toBeNull();
  });

  it('leaves defaults out of the URL', () => {
    expect(toSearchParams(parseListState(new URLSearchParams())).toString()).toBe('');
  });

  it('sends the last cursor and whole local days to the API', () => {
    const input = toListInput(parseListState(new URLSearchParams('from=2026-11-01&to=2026-11-20&cursor=c1&cursor=c2&view=outdated')));
    expect(input.cursor).toBe('c2');
    expect(input.quickView).toBe('outdated');
    expect(input.limit).toBe(50);
    expect(input.createdAfter).toEqual(new Date(2026, 10, 1));
    expect(input.createdBefore).toEqual(new Date(new Date(2026, 10, 21).getTime() - 1));
  });

  it('describes the filters in words and clears them without touching sort or page size', () => {
    const state = parseListState(new URLSearchParams('status=expired&template=itmpl_Abc&size=25&sort=updatedAt&cursor=c1'));
    expect(describeFilters(state, () => 'Onboarding')).toEqual(['status Expired', 'template Onboarding']);
    const cleared = clearFilters(state);
    expect(describeFilters(cleared, () => null)).toEqual([]);
    expect(cleared.pageSize).toBe(25);
    expect(cleared.sort).toBe('updatedAt');
    expect(cleared.cursors).toEqual([]);
  });

  it('filters by customer: read from ?customer=, sent as customerId, described, cleared and linked to', () => {
    const state = parseListState(new URLSearchParams('customer=cust_Acme1&status=pending'));
    expect(state.customerId).toBe('cust_Acme1');
    expect(toListInput(state)).toEqual({ sort: 'createdAt', order: 'desc', limit: 50, status: ['pending'], customerId: 'cust_Acme1' });
    expect(toSearchParams(state).get('customer')).toBe('cust_Acme1');
    expect(describeFilters(state, () => null, () => 'Acme Bank')).toEqual(['status Pending', 'customer Acme Bank']);
    expect(describeFilters(state, () => null)).toEqual(['status Pending', 'customer cust_Acme1']);
    expect(clearFilters(state).customerId).toBeNull();
    // Not a customer id: ignored, never sent.
    expect(parseListState(new URLSearchParams('customer=acme; drop')).customerId).toBeNull();
    expect(toListInput(parseListState(new URLSearchParams('customer=')))).not.toHaveProperty('customerId');
    expect(inquiryListPath({ customerId: 'cust_Acme1' })).toBe('/inquiries?customer=cust_Acme1');
    expect(inquiryListPath({ customerId: 'cust_Acme1', statuses: ['created', 'pending'] })).toBe('/inquiries?status=created&status=pending&customer=cust_Acme1');
    expect(inquiryListPath({})).toBe('/inquiries');
  });
});
