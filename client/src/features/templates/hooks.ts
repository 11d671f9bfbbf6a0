import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';

/** Templates change rarely (a published version, a policy edit): a few minutes of staleness is fine. */
export function useTemplates() {
  const trpc = useTRPC();
  return useQuery(trpc.templates.list.queryOptions(undefined, { staleTime: 5 * 60_000 }));
}
