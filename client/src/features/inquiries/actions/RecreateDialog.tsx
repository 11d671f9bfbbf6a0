import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link as RouterLink, useNavigate } from 'react-router';
import type { ActionVerdict } from '../../../../../shared/actions.js';
import { notify } from '../../../components/notifications';
import { reasonProblem, ReasonField } from '../../../components/ReasonField';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { actionErrorDetails } from './errors';
import { useRefreshInquiry, useSingleFlight } from './hooks';
import { useIdempotencyKey } from './idempotency';

type Inquiry = RouterOutputs['inquiries']['get'];

export interface RecreateDialogProps {
  inquiry: Inquiry;
  verdict: ActionVerdict;
  /** The reason typed in the resume dialog, when the agent switched from there. */
  initialReason?: string;
  onClose: () => void;
}

/** A new inquiry on the latest version replaces this one; the agent lands on it, where its access actions wait. */
export function RecreateDialog({ inquiry, verdict, initialReason = '', onClose }: RecreateDialogProps) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const refresh = useRefreshInquiry();
  const idempotencyKey = useIdempotencyKey();
  const singleFlight = useSingleFlight();
  const [reason, setReason] = useState(initialReason);
  const [reasonTouched, setReasonTouched] = useState(initialReason.length > 0);

  const mutation = useMutation(
    trpc.inquiries.recreate.mutationOptions({
      onSuccess: (created) => {
        void refresh(inquiry.id);
        notify({ message: `Recreated as ${created.newInquiryId} on v${created.versionNumber}.` });
        onClose();
        void navigate(`/inquiries/${created.newInquiryId}`);
      },
      onError: (error) => {
        // Someone else recreated it first: this page is out of date.
        if (actionErrorDetails(error).successorId) void refresh(inquiry.id);
      },
    }),
  );
  const successorId = actionErrorDetails(mutation.error).successorId;

  const submit = () => {
    singleFlight((done) => mutation.mutate({ id: inquiry.id, reason: reason.trim(), idempotencyKey }, { onSettled: done }));
  };

  const gap =
    inquiry.latestVersionNumber > inquiry.versionNumber
      ? `It is on v${inquiry.versionNumber}; the new inquiry will be on v${inquiry.latestVersionNumber}, the latest.`
      : `It is already on the latest version (v${inquiry.versionNumber}).`;

  return (
    <ActionDialog
      title="Recreate on latest version"
      submitLabel="Recreate"
      intro={
        <Typography variant="body2" color="text.secondary">
          {gap} The new inquiry keeps the reference id, account and prefilled fields. This one expires, its sessions and links stop working, and it
          points to the new one.
        </Typography>
      }
      warnings={verdict.warnings}
      canSubmit={reasonProblem(reason) === null}
      pending={mutation.isPending}
      error={mutation.error}
      errorDetail={
        successorId ? (
          <Link component={RouterLink} to={`/inquiries/${successorId}`} onClick={onClose}>
            Open the successor {successorId}
          </Link>
        ) : (
          <RetryAfter error={mutation.error} />
        )
      }
      onSubmit={submit}
      onClose={onClose}
    >
      <ReasonField value={reason} onChange={setReason} showProblem={reasonTouched} onBlur={() => setReasonTouched((touched) => touched || reason.length > 0)} autoFocus />
    </ActionDialog>
  );
}
