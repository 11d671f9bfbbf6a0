import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useTRPC } from '../../lib/trpc';
import { LIVE_TOKEN_LINKS, parseAccessState, toListInput, toSearchParams, type AccessReportState } from './accessParams';

export type AccessStateUpdate = Partial<AccessReportState> | ((current: AccessReportState) => AccessReportState);

/** The report's state, read from and written to the URL; every change but paging starts from the first page. */
export function useAccessState() {
  const [searchParams, setSearchParams] = useSearchParams();
  const state = useMemo(() => parseAccessState(searchParams), [searchParams]);
  const update = useCallback(
    (change: AccessStateUpdate, options: { replace?: boolean } = {}) => {
      setSearchParams(
        (previous) => {
          const current = parseAccessState(previous);
          const next = typeof change === 'function' ? change(current) : { ...current, cursors: [], ...change };
          return toSearchParams(next);
        },
        { replace: options.replace ?? false },
      );
    },
    [setSearchParams],
  );
  return [state, update] as const;
}

export function useAccessList(state: AccessReportState) {
  const trpc = useTRPC();
  const input = useMemo(() => toListInput(state), [state]);
  return useQuery(trpc.access.list.queryOptions(input, { placeholderData: keepPreviousData }));
}

/** How many token links are live right now (the quick view's badge): one row asked for, the count read. */
export function useLiveTokenLinkCount() {
  const trpc = useTRPC();
  const query = useQuery(trpc.access.list.queryOptions({ kind: LIVE_TOKEN_LINKS.kinds, state: LIVE_TOKEN_LINKS.states, limit: 1 }, { staleTime: 30_000 }));
  return query.data ? { value: query.data.total, exact: query.data.totalExact } : null;
}

export function useOutliers(granularity: 'day' | 'week') {
  const trpc = useTRPC();
  return useQuery(trpc.access.outliers.queryOptions({ granularity }, { staleTime: 60_000 }));
}

/** After a revocation: every view of the report (and the inquiries it touched) is stale. */
export function useRefreshAccess() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries(trpc.access.pathFilter()),
        queryClient.invalidateQueries(trpc.inquiries.get.pathFilter()),
        queryClient.invalidateQueries(trpc.inquiries.list.pathFilter()),
      ]),
    [queryClient, trpc],
  );
}
