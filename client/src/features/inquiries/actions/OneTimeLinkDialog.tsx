import Button from '@mui/material/Button';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import type { ActionsForOutput, OneTimeLinkDelivery } from '@shared/actions.js';
import { ReasonField } from '../../../components/ReasonField';
import { formatMinutes } from '../../../lib/time';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { AcknowledgementChecklist, acknowledgedInput, useAcknowledgementTexts, type Acknowledged } from './acknowledgements';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { useServerRequiredAcknowledgements } from './hooks';
import { OneTimeLinkEmailedResult } from './OneTimeLinkEmailedResult';
import { OneTimeLinkResult } from './results';
import { useActionDialog } from './useActionDialog';

type Inquiry = RouterOutputs['inquiries']['get'];
type OneTimeLinkVerdict = ActionsForOutput['oneTimeLink'];

/** The acknowledgements links.createOneTime accepts (an expired inquiry is reopened by the same step). */
const ONE_TIME_LINK_ACKNOWLEDGEMENTS = ['acknowledgeExpired', 'acknowledgeOutdated'] as const;

const EMAIL_UNKNOWN = 'Whether this inquiry can be emailed is not known yet: create the link and copy it instead.';

/**
 * Persona's recommended way to hand an end user access: a link with a single-use code. "Create one-time link"
 * shows it (and copies it) for the agent to send; "Email one-time link" sends it to the address on file, so the
 * agent never sees the address or the link. An expired inquiry is reopened in the same step, acknowledged as a
 * resume would be, and no session token is handed out.
 */
export function OneTimeLinkDialog({ inquiry, verdict, onClose }: { inquiry: Inquiry; verdict: OneTimeLinkVerdict; onClose: () => void }) {
  const trpc = useTRPC();
  const emailHelpId = useId();
  const { alsoRequired, onError } = useServerRequiredAcknowledgements(inquiry.id);
  const action = useActionDialog({ inquiryId: inquiry.id, mutation: trpc.links.createOneTime.mutationOptions({ onError }), secret: true, onClose });
  const [acknowledged, setAcknowledged] = useState<Acknowledged>({});
  const [delivery, setDelivery] = useState<OneTimeLinkDelivery>('copy');
  const texts = useAcknowledgementTexts(inquiry, verdict.warnings, 'oneTimeLink');

  const requires = [...new Set([...verdict.requires, ...alsoRequired])];
  const canSubmit = action.reasonReady && requires.every((a) => acknowledged[a] === true);
  const email = verdict.email ?? { available: false, reason: EMAIL_UNKNOWN, to: null };
  const pending = action.mutation.isPending;

  const submit = (how: OneTimeLinkDelivery) => {
    setDelivery(how);
    action.submit({
      inquiryId: inquiry.id,
      ...acknowledgedInput(requires, acknowledged, ONE_TIME_LINK_ACKNOWLEDGEMENTS),
      ...(how === 'email' ? { delivery: 'email' as const } : {}),
    });
  };

  const emailButton = (
    <Button
      variant="outlined"
      disabled={!email.available || !canSubmit || pending}
      loading={pending && delivery === 'email'}
      onClick={() => submit('email')}
      aria-describedby={emailHelpId}
    >
      Email one-time link
    </Button>
  );

  const result = action.mutation.data;
  const lifetime = inquiry.policy ? formatMinutes(inquiry.policy.oneTimeLinkMinutes) : null;
  return (
    <ActionDialog
      title="Send one-time link"
      submitLabel="Create one-time link"
      intro={
        <Typography variant="body2" color="text.secondary">
          A link to the hosted flow with a single-use code{lifetime ? `, valid for ${lifetime}` : ''}. It opens once (and again within 5 minutes of the
          first use); after that the end user needs a new one. Persona&apos;s recommended way to give an end user access.
        </Typography>
      }
      // With acknowledgements to tick, each warning is in the words of its checkbox.
      warnings={requires.length > 0 ? [] : verdict.warnings}
      canSubmit={canSubmit}
      pending={pending}
      error={action.mutation.error}
      errorDetail={<RetryAfter error={action.mutation.error} />}
      onSubmit={() => submit('copy')}
      secondaryAction={
        email.available ? (
          emailButton
        ) : (
          // A disabled button gets no pointer events: the wrapper carries the tooltip.
          <Tooltip title={email.reason ?? EMAIL_UNKNOWN} describeChild>
            <span>{emailButton}</span>
          </Tooltip>
        )
      }
      result={result ? result.delivery === 'email' ? <OneTimeLinkEmailedResult result={result} /> : <OneTimeLinkResult result={result} /> : null}
      onClose={action.close}
    >
      <ReasonField {...action.reasonField} />
      <AcknowledgementChecklist requires={requires} texts={texts} value={acknowledged} onChange={setAcknowledged} showMissing={alsoRequired.length > 0} />
      <Typography id={emailHelpId} variant="body2" color="text.secondary">
        {email.available
          ? `Create one-time link shows the link for you to copy and send. Email one-time link sends it to ${email.to ?? 'the address on file'}, the address on file, and does not show it.`
          : `Email one-time link is not available: ${email.reason ?? EMAIL_UNKNOWN}`}
      </Typography>
    </ActionDialog>
  );
}
