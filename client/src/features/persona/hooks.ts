import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';

export type SyncStatus = RouterOutputs['persona']['syncStatus'];
export type SyncRun = NonNullable<SyncStatus['run']>;

/** How often the page asks while a run is going. */
export const SYNC_POLL_MS = 2000;
/** And while none is: a run started elsewhere (the CLI, another instance) shows within this. */
export const SYNC_IDLE_POLL_MS = 30_000;

/** The latest backfill run, polled while it runs (wherever it runs: this server, another instance, the CLI). */
export function useSyncStatus() {
  const trpc = useTRPC();
  return useQuery(
    trpc.persona.syncStatus.queryOptions(undefined, {
      refetchInterval: (query) => (query.state.data?.run?.status === 'running' && !query.state.data.run.stale ? SYNC_POLL_MS : SYNC_IDLE_POLL_MS),
      retry: false,
    }),
  );
}

/** Starts (or resumes) a run; its answer is the new status, so the page shows it at once. */
export function useStartSync() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.persona.startSync.mutationOptions({
      onSuccess: (status) => queryClient.setQueryData(trpc.persona.syncStatus.queryKey(), status),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.persona.syncStatus.queryKey() }),
    }),
  );
}
