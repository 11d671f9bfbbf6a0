import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { usePermissions } from '../auth/usePermissions';

export function useCustomers() {
  const trpc = useTRPC();
  return useQuery(trpc.customers.list.queryOptions());
}

export function useApiKeys(customerId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.apiKeys.list.queryOptions({ customerId }));
}

/**
 * A customer's name for a filter chip on the inquiry list, when the person may list customers (admins); null
 * otherwise, and the chip shows the id.
 */
export function useCustomerName(customerId: string | null): string | null {
  const trpc = useTRPC();
  const { can } = usePermissions();
  const customers = useQuery(trpc.customers.list.queryOptions(undefined, { enabled: customerId !== null && can('apikey:manage'), staleTime: 5 * 60_000 }));
  return customers.data?.items.find((c) => c.id === customerId)?.name ?? null;
}

/** Creating and revoking keys; each refreshes the keys and the customers' active-key counts when it settles. */
export function useApiKeyMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = {
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.apiKeys.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.customers.pathKey() }),
      ]),
  };
  return {
    create: useMutation(trpc.apiKeys.create.mutationOptions(refresh)),
    revoke: useMutation(trpc.apiKeys.revoke.mutationOptions(refresh)),
  };
}
