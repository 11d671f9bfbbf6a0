import { useInfiniteQuery } from '@tanstack/react-query';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';

export type AuditEvent = RouterOutputs['audit']['list']['items'][number];
export type AuditPage = RouterOutputs['audit']['list'];

export const AUDIT_PAGE_SIZE = 50;

/**
 * The log for one search, page by page ("load more"). The server records each first page it answers as an
 * `audit.viewed` event, so a search is never asked for again behind the reader's back: no refetch on focus or
 * reconnect, and kept while the page is open (Refresh asks again, and is recorded again).
 */
export function useAuditList(q: string, enabled: boolean) {
  const trpc = useTRPC();
  return useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { q, limit: AUDIT_PAGE_SIZE },
      {
        enabled,
        getNextPageParam: (last) => last.nextCursor ?? undefined,
        staleTime: Infinity,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
    ),
  );
}
