import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ActionVerdict } from '../../../../../shared/actions.js';
import { reasonProblem, ReasonField } from '../../../components/ReasonField';
import { formatMinutes } from '../../../lib/time';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { SECRET_MUTATION_OPTIONS, useForgetMutation, useRefreshInquiry, useSingleFlight } from './hooks';
import { useIdempotencyKey } from './idempotency';
import { OneTimeLinkResult } from './results';

type Inquiry = RouterOutputs['inquiries']['get'];

/** Persona's recommended way to hand an end user access: a link with a single-use code. */
export function OneTimeLinkDialog({ inquiry, verdict, onClose }: { inquiry: Inquiry; verdict: ActionVerdict; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshInquiry();
  const idempotencyKey = useIdempotencyKey();
  const [reason, setReason] = useState('');
  const [reasonTouched, setReasonTouched] = useState(false);
  const singleFlight = useSingleFlight();
  const mutation = useMutation(trpc.links.createOneTime.mutationOptions({ ...SECRET_MUTATION_OPTIONS, onSuccess: () => void refresh(inquiry.id) }));
  const forget = useForgetMutation(mutation, trpc.links.createOneTime.mutationKey());

  const submit = () => {
    singleFlight((done) => mutation.mutate({ inquiryId: inquiry.id, reason: reason.trim(), idempotencyKey }, { onSettled: done }));
  };

  const lifetime = inquiry.policy ? formatMinutes(inquiry.policy.oneTimeLinkMinutes) : null;
  return (
    <ActionDialog
      title="Send one-time link"
      submitLabel="Create link"
      intro={
        <Typography variant="body2" color="text.secondary">
          A link to the hosted flow with a single-use code{lifetime ? `, valid for ${lifetime}` : ''}. It opens once (and again within 5 minutes of the
          first use); after that the end user needs a new one. Persona&apos;s recommended way to give an end user access.
        </Typography>
      }
      warnings={verdict.warnings}
      canSubmit={reasonProblem(reason) === null}
      pending={mutation.isPending}
      error={mutation.error}
      errorDetail={<RetryAfter error={mutation.error} />}
      onSubmit={submit}
      result={mutation.data ? <OneTimeLinkResult result={mutation.data} /> : null}
      onClose={() => {
        forget();
        onClose();
      }}
    >
      <ReasonField value={reason} onChange={setReason} showProblem={reasonTouched} onBlur={() => setReasonTouched((touched) => touched || reason.length > 0)} autoFocus />
    </ActionDialog>
  );
}
