import { useQuery, useQueryClient, type MutationKey } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Acknowledgement } from '@shared/actions.js';
import { useTRPC } from '../../../lib/trpc';
import { actionErrorDetails } from './errors';

/** What this person may do to the inquiry now, and why not: the Actions panel shows exactly this. */
export function useActionsFor(inquiryId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.inquiries.actionsFor.queryOptions({ id: inquiryId }));
}

/** After an action: the inquiry's sessions, links, timeline and verdicts have changed, and so have the list's counts. */
export function useRefreshInquiry() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    (inquiryId: string) =>
      Promise.all([
        queryClient.invalidateQueries(trpc.inquiries.get.queryFilter({ id: inquiryId })),
        queryClient.invalidateQueries(trpc.inquiries.actionsFor.queryFilter({ id: inquiryId })),
        queryClient.invalidateQueries(trpc.inquiries.list.pathFilter()),
        queryClient.invalidateQueries(trpc.inquiries.overview.pathFilter()),
      ]),
    [queryClient, trpc],
  );
}

/** Mutation options for a result that is a secret: TanStack Query drops it as soon as nobody looks at it. */
export const SECRET_MUTATION_OPTIONS = { gcTime: 0 } as const;

/**
 * Forgets a secret-bearing mutation's result: resets the dialog's observer and removes every settled mutation
 * with this key from the mutation cache (where devtools or a persister could otherwise read it). Also runs
 * when the component unmounts, so navigating away with the dialog open forgets too.
 */
export function useForgetMutation(mutation: { reset: () => void }, mutationKey: MutationKey) {
  const queryClient = useQueryClient();
  const latest = useRef({ mutation, mutationKey });
  latest.current = { mutation, mutationKey };

  const forget = useCallback(() => {
    latest.current.mutation.reset();
    const cache = queryClient.getMutationCache();
    for (const settled of cache.findAll({ mutationKey: latest.current.mutationKey, exact: true })) {
      if (settled.state.status !== 'pending') cache.remove(settled);
    }
  }, [queryClient]);

  useEffect(() => forget, [forget]);
  return forget;
}

/**
 * Lets one request through at a time. A second click can arrive before React re-renders the submit button as
 * disabled; this stops it (and the server would answer a repeat of the same idempotency key with the same result).
 */
export function useSingleFlight() {
  const inFlight = useRef(false);
  return useCallback((start: (done: () => void) => void) => {
    if (inFlight.current) return;
    inFlight.current = true;
    start(() => {
      inFlight.current = false;
    });
  }, []);
}

/**
 * Acknowledgements the server asked for beyond the verdict the dialog was rendered from (the inquiry expired
 * meanwhile, say). Pass `onError` to the mutation: a refusal naming missing acknowledgements adds them to the
 * list and refetches the verdicts.
 */
export function useServerRequiredAcknowledgements(inquiryId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [alsoRequired, setAlsoRequired] = useState<Acknowledgement[]>([]);
  const onError = useCallback(
    (error: unknown) => {
      const missing = actionErrorDetails(error).missingAcknowledgements ?? [];
      if (missing.length > 0) {
        setAlsoRequired((current) => [...new Set([...current, ...missing])]);
        void queryClient.invalidateQueries(trpc.inquiries.actionsFor.queryFilter({ id: inquiryId }));
      }
    },
    [inquiryId, queryClient, trpc],
  );
  return { alsoRequired, onError };
}
