import { describe, expect, it } from 'vitest';
import { clearFilters, describeFilters, parseListState, toListInput, toSearchParams } from './listParams';

describe('list state in the URL', () => {
  it('reads every filter, sort and cursor back from the search params', () => {
    const state = parseListState(
      new URLSearchParams(
        'q=user-42&view=stuck&status=pending&status=expired&template=itmpl_Abc&version=outdated&expiry=within_24h&from=2026-11-01&to=2026-11-20&sort=expiresAt&order=asc&size=100&cursor=c1&cursor=c2',
      ),
    );
    expect(state).toEqual({
      search: 'user-42',
      quickView: 'stuck',
      statuses: ['pending', 'expired'],
      templateId: 'itmpl_Abc',
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
});
