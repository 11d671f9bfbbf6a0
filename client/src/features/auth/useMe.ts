import { useQuery } from '@tanstack/react-query';
import { useTRPC, type RouterOutputs } from '../../lib/trpc';

export type Me = NonNullable<RouterOutputs['auth']['me']>;

/**
 * Who is signed in (auth.me): the staff member, their role's permissions and their session's expiry, or null.
 * The auth gate (RequireSignIn) loads it before any page renders, so inside the console it is always there.
 * Not polled: every request keeps the session alive, and a timer must not defeat the idle timeout.
 */
export function useMe() {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 60_000 }));
}

/** The query key prefix of auth.* (me, signInOptions): what survives when the console forgets a session's data. */
export function isAuthQueryKey(queryKey: readonly unknown[]): boolean {
  const path = queryKey[0];
  return Array.isArray(path) && path[0] === 'auth';
}
