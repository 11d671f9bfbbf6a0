import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useTRPC } from '../../lib/trpc';
import { parseListState, toListInput, toSearchParams, type ListState } from './listParams';

export type ListStateUpdate = Partial<ListState> | ((current: ListState) => ListState);

/**
 * The list's state, read from and written to the URL. Every change except paging starts again from the
 * first page (a cursor is only valid for the filters and sort it came from).
 */
export function useListState() {
  const [searchParams, setSearchParams] = useSearchParams();
  const state = useMemo(() => parseListState(searchParams), [searchParams]);

  const update = useCallback(
    (change: ListStateUpdate, options: { replace?: boolean } = {}) => {
      setSearchParams(
        (previous) => {
          const current = parseListState(previous);
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

export function useInquiryList(state: ListState) {
  const trpc = useTRPC();
  const input = useMemo(() => toListInput(state), [state]);
  // Keep the previous page on screen (under the grid's loading overlay) while the next one loads.
  return useQuery(trpc.inquiries.list.queryOptions(input, { placeholderData: keepPreviousData }));
}

export function useOverview() {
  const trpc = useTRPC();
  return useQuery(trpc.inquiries.overview.queryOptions(undefined, { staleTime: 60_000 }));
}

export function useInquiry(id: string, enabled = true) {
  const trpc = useTRPC();
  return useQuery(trpc.inquiries.get.queryOptions({ id }, { enabled }));
}
