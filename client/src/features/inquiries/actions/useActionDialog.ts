import { useMutation, type MutationKey, type UseMutationOptions } from '@tanstack/react-query';
import { useState } from 'react';
import { reasonProblem, type ReasonFieldProps } from '../../../components/ReasonField';
import { SECRET_MUTATION_OPTIONS, useForgetMutation, useRefreshInquiry, useSingleFlight } from './hooks';
import { useIdempotencyKey } from './idempotency';

/** What every guarded action sends besides its own fields (shared/actions.ts ReasonSchema, IdempotencyKeySchema). */
interface GuardedInput {
  reason: string;
  idempotencyKey: string;
}

export interface UseActionDialogOptions<TData, TError, TVariables extends GuardedInput, TContext> {
  inquiryId: string;
  /** The procedure's `mutationOptions(…)`. The inquiry is refreshed after a success or a refusal, then its own `onSuccess`/`onError` runs. */
  mutation: UseMutationOptions<TData, TError, TVariables, TContext> & { mutationKey: MutationKey };
  /** The result is a secret shown once: kept out of the mutation cache, and forgotten on close and on unmount. */
  secret?: boolean;
  /** The reason typed in another dialog, when the agent switched from there. */
  initialReason?: string;
  onClose: () => void;
}

/**
 * The opening every guarded action dialog shares: the reason (with when to show its problem), one idempotency
 * key for this session of the dialog, the mutation (one request at a time), and closing that forgets a secret.
 * `submit` takes the action's own fields and adds the trimmed reason and the key.
 */
export function useActionDialog<TData, TError, TVariables extends GuardedInput, TContext>({
  inquiryId,
  mutation: options,
  secret = false,
  initialReason = '',
  onClose,
}: UseActionDialogOptions<TData, TError, TVariables, TContext>) {
  const refresh = useRefreshInquiry();
  const idempotencyKey = useIdempotencyKey();
  const singleFlight = useSingleFlight();
  const [reason, setReason] = useState(initialReason);
  const [reasonTouched, setReasonTouched] = useState(initialReason.length > 0);

  const mutation = useMutation({
    ...options,
    ...(secret ? SECRET_MUTATION_OPTIONS : {}),
    onSuccess: (data, variables, onMutateResult, context) => {
      void refresh(inquiryId);
      return options.onSuccess?.(data, variables, onMutateResult, context);
    },
    // A refusal means the counts behind the dialog moved too (a budget spent elsewhere, a cooldown, a session
    // cap): refresh them, so the panel never shows what the server just contradicted.
    onError: (error, variables, onMutateResult, context) => {
      void refresh(inquiryId);
      return options.onError?.(error, variables, onMutateResult, context);
    },
  });
  const forget = useForgetMutation(mutation, options.mutationKey);

  const reasonField = {
    value: reason,
    onChange: setReason,
    showProblem: reasonTouched,
    onBlur: () => setReasonTouched((touched) => touched || reason.length > 0),
    autoFocus: true,
  } satisfies ReasonFieldProps;

  return {
    mutation,
    reason,
    reasonReady: reasonProblem(reason) === null,
    /** Spread onto <ReasonField />: the first field, focused on opening. */
    reasonField,
    submit: (fields: Omit<TVariables, keyof GuardedInput>) => {
      // The spread is TVariables by construction; TypeScript cannot see through Omit on a type parameter.
      const variables = { ...fields, reason: reason.trim(), idempotencyKey } as TVariables;
      singleFlight((done) => mutation.mutate(variables, { onSettled: done }));
    },
    close: () => {
      forget();
      onClose();
    },
  };
}
