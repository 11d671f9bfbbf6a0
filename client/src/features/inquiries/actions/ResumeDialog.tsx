import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import type { ActionVerdict } from '../../../../../shared/actions.js';
import { reasonProblem, ReasonField } from '../../../components/ReasonField';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { AcknowledgementChecklist, acknowledgedInput, useAcknowledgementTexts, type Acknowledged } from './acknowledgements';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { SECRET_MUTATION_OPTIONS, useForgetMutation, useRefreshInquiry, useServerRequiredAcknowledgements, useSingleFlight } from './hooks';
import { useIdempotencyKey } from './idempotency';
import { ResumeResult } from './results';

type Inquiry = RouterOutputs['inquiries']['get'];

/** The acknowledgements inquiries.resume accepts (ResumeInputSchema). */
const RESUME_ACKNOWLEDGEMENTS = ['acknowledgeExpired', 'acknowledgeOutdated'] as const;

export interface ResumeDialogProps {
  inquiry: Inquiry;
  verdict: ActionVerdict;
  /** Offered under the outdated-version warning when recreating is allowed; carries the reason typed so far. */
  onRecreateInstead?: ((reason: string) => void) | undefined;
  onClose: () => void;
}

/** Resume the inquiry and show its session token once, for the customer's app to load into the SDK. */
export function ResumeDialog({ inquiry, verdict, onRecreateInstead, onClose }: ResumeDialogProps) {
  const trpc = useTRPC();
  const refresh = useRefreshInquiry();
  const idempotencyKey = useIdempotencyKey();
  const [reason, setReason] = useState('');
  const [reasonTouched, setReasonTouched] = useState(false);
  const [acknowledged, setAcknowledged] = useState<Acknowledged>({});
  const { alsoRequired, onError } = useServerRequiredAcknowledgements(inquiry.id);
  const singleFlight = useSingleFlight();

  const mutation = useMutation(
    trpc.inquiries.resume.mutationOptions({
      ...SECRET_MUTATION_OPTIONS,
      onSuccess: () => void refresh(inquiry.id),
      onError,
    }),
  );
  const forget = useForgetMutation(mutation, trpc.inquiries.resume.mutationKey());
  const texts = useAcknowledgementTexts(inquiry, verdict.warnings);

  const requires = [...new Set([...verdict.requires, ...alsoRequired])];
  const allAcknowledged = requires.every((a) => acknowledged[a] === true);
  const canSubmit = reasonProblem(reason) === null && allAcknowledged;

  const submit = () => {
    singleFlight((done) =>
      mutation.mutate({ id: inquiry.id, reason: reason.trim(), idempotencyKey, ...acknowledgedInput(requires, acknowledged, RESUME_ACKNOWLEDGEMENTS) }, { onSettled: done }),
    );
  };

  const close = () => {
    forget();
    onClose();
  };

  const recreateInstead =
    onRecreateInstead && requires.includes('acknowledgeOutdated') ? (
      <Button size="small" variant="outlined" sx={{ ml: 4, mb: 1 }} onClick={() => onRecreateInstead(reason)}>
        Recreate instead
      </Button>
    ) : null;

  return (
    <ActionDialog
      title="Resume and copy token"
      submitLabel="Resume"
      intro={
        <Typography variant="body2" color="text.secondary">
          Issues a session token for the customer&apos;s app, which loads it into the SDK with the inquiry id. Prefer a one-time link when the end user
          opens the hosted flow from an email.
        </Typography>
      }
      canSubmit={canSubmit}
      pending={mutation.isPending}
      error={mutation.error}
      errorDetail={<RetryAfter error={mutation.error} />}
      onSubmit={submit}
      result={mutation.data ? <ResumeResult result={mutation.data} /> : null}
      onClose={close}
    >
      <ReasonField value={reason} onChange={setReason} showProblem={reasonTouched} onBlur={() => setReasonTouched((touched) => touched || reason.length > 0)} autoFocus />
      <AcknowledgementChecklist
        requires={requires}
        texts={texts}
        value={acknowledged}
        onChange={setAcknowledged}
        showMissing={alsoRequired.length > 0}
        extras={{ acknowledgeOutdated: recreateInstead }}
      />
    </ActionDialog>
  );
}
