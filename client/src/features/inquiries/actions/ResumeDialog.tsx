import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import type { ActionVerdict } from '@shared/actions.js';
import { ReasonField } from '../../../components/ReasonField';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { AcknowledgementChecklist, acknowledgedInput, useAcknowledgementTexts, type Acknowledged } from './acknowledgements';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { useServerRequiredAcknowledgements } from './hooks';
import { ResumeResult } from './results';
import { useActionDialog } from './useActionDialog';

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
  const { alsoRequired, onError } = useServerRequiredAcknowledgements(inquiry.id);
  const action = useActionDialog({ inquiryId: inquiry.id, mutation: trpc.inquiries.resume.mutationOptions({ onError }), secret: true, onClose });
  const [acknowledged, setAcknowledged] = useState<Acknowledged>({});
  const texts = useAcknowledgementTexts(inquiry, verdict.warnings);

  const requires = [...new Set([...verdict.requires, ...alsoRequired])];
  const allAcknowledged = requires.every((a) => acknowledged[a] === true);
  const canSubmit = action.reasonReady && allAcknowledged;

  const recreateInstead =
    onRecreateInstead && requires.includes('acknowledgeOutdated') ? (
      <Button size="small" variant="outlined" sx={{ ml: 4, mb: 1 }} onClick={() => onRecreateInstead(action.reason)}>
        Recreate instead
      </Button>
    ) : null;

  return (
    <ActionDialog
      title="Resume and copy token"
      submitLabel="Resume and copy token"
      intro={
        <Typography variant="body2" color="text.secondary">
          Issues a session token for the customer&apos;s app, which loads it into the SDK with the inquiry id. Prefer a one-time link when the end user
          opens the hosted flow from an email.
        </Typography>
      }
      canSubmit={canSubmit}
      pending={action.mutation.isPending}
      error={action.mutation.error}
      errorDetail={<RetryAfter error={action.mutation.error} />}
      onSubmit={() => action.submit({ id: inquiry.id, ...acknowledgedInput(requires, acknowledged, RESUME_ACKNOWLEDGEMENTS) })}
      result={action.mutation.data ? <ResumeResult result={action.mutation.data} /> : null}
      onClose={action.close}
    >
      <ReasonField {...action.reasonField} />
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
