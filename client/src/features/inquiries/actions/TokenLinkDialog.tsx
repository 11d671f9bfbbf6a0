import Alert from '@mui/material/Alert';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { TicketSchema, TOKEN_LINK_MIN_MINUTES, type Acknowledgement, type ActionsForOutput } from '@shared/actions.js';
import { ReasonField } from '../../../components/ReasonField';
import { formatMinutes } from '../../../lib/time';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { AcknowledgementChecklist, acknowledgedInput, useAcknowledgementTexts, type Acknowledged } from './acknowledgements';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { useServerRequiredAcknowledgements } from './hooks';
import { TokenLinkRequestSent, TokenLinkResult } from './results';
import { useActionDialog } from './useActionDialog';

type Inquiry = RouterOutputs['inquiries']['get'];
type TokenLinkVerdict = ActionsForOutput['tokenLink'];

export const DEFAULT_TOKEN_LINK_MINUTES = 60;

export function ticketProblem(ticket: string): string | null {
  const parsed = TicketSchema.safeParse(ticket);
  return parsed.success ? null : `The ticket ${parsed.error.issues[0]?.message ?? 'is not valid'}.`;
}

export function minutesProblem(text: string, maxMinutes: number): string | null {
  if (!/^\d+$/.test(text.trim())) return 'Whole minutes, e.g. 60.';
  const minutes = Number(text);
  if (minutes < TOKEN_LINK_MIN_MINUTES) return `At least ${TOKEN_LINK_MIN_MINUTES} minutes.`;
  if (minutes > maxMinutes) return `At most ${maxMinutes} minutes (${formatMinutes(maxMinutes)}) for this inquiry now: the policy cap and its expiry.`;
  return null;
}

/**
 * The seed's "appending a session token to a link", as a last resort: guarded by a reason, a ticket, a lifetime
 * no longer than the server allows, and an explicit acknowledgement of the risk. Under the two-person rule
 * (TOKEN_LINK_APPROVAL=required, the verdict's `approvalRequired`) the same form sends a request instead: a second
 * person approves it, and the link is collected once from the Access page (docs/two-person-rule.md).
 */
export function TokenLinkDialog({ inquiry, verdict, onClose }: { inquiry: Inquiry; verdict: TokenLinkVerdict; onClose: () => void }) {
  const trpc = useTRPC();
  const { alsoRequired, onError } = useServerRequiredAcknowledgements(inquiry.id);
  const action = useActionDialog({ inquiryId: inquiry.id, mutation: trpc.links.createWithToken.mutationOptions({ onError }), secret: true, onClose });
  const [ticket, setTicket] = useState('');
  const [ticketTouched, setTicketTouched] = useState(false);
  const [minutes, setMinutes] = useState(String(Math.min(DEFAULT_TOKEN_LINK_MINUTES, verdict.maxMinutes)));
  const [acknowledged, setAcknowledged] = useState<Acknowledged>({});
  const texts = useAcknowledgementTexts(inquiry, verdict.warnings, 'tokenLink');
  const needsApproval = verdict.approvalRequired === true;
  const result = action.mutation.data;

  // The risk is always acknowledged, whatever the verdict lists; the rest when the server asks.
  const requires: Acknowledgement[] = [...new Set<Acknowledgement>(['acknowledgeRisk', ...verdict.requires, ...alsoRequired])];
  const problems = { ticket: ticketProblem(ticket), minutes: minutesProblem(minutes, verdict.maxMinutes) };
  const canSubmit = action.reasonReady && problems.ticket === null && problems.minutes === null && requires.every((a) => acknowledged[a] === true);

  const submit = () => {
    const { acknowledgeExpired, acknowledgeOutdated } = acknowledgedInput(requires, acknowledged, ['acknowledgeExpired', 'acknowledgeOutdated']);
    action.submit({
      inquiryId: inquiry.id,
      ticket: ticket.trim(),
      expiresInMinutes: Number(minutes),
      acknowledgeRisk: true,
      ...(acknowledgeExpired ? { acknowledgeExpired } : {}),
      ...(acknowledgeOutdated ? { acknowledgeOutdated } : {}),
    });
  };

  return (
    <ActionDialog
      title="Link with session token"
      submitLabel={needsApproval ? 'Request approval' : 'Create and copy link'}
      submitColor="warning"
      intro={
        <>
          <Alert severity="warning" role="note">
            Last resort. Anyone holding this link can open the inquiry until it expires: Persona advises against it. Prefer a one-time link. The link is
            audited, time-boxed and revocable.
          </Alert>
          {needsApproval ? (
            <Alert severity="info" role="note">
              Needs a second person: compliance or an admin approves this request before the link is issued. You then collect the link once, from the
              Access page.
            </Alert>
          ) : null}
        </>
      }
      canSubmit={canSubmit}
      pending={action.mutation.isPending}
      error={action.mutation.error}
      errorDetail={<RetryAfter error={action.mutation.error} />}
      onSubmit={submit}
      result={
        result === undefined ? null : result.status === 'pending_approval' ? <TokenLinkRequestSent result={result} /> : <TokenLinkResult result={result} />
      }
      onClose={action.close}
    >
      <ReasonField {...action.reasonField} />
      <TextField
        label="Ticket reference"
        value={ticket}
        onChange={(event) => setTicket(event.target.value)}
        onBlur={() => setTicketTouched((touched) => touched || ticket.length > 0)}
        required
        fullWidth
        autoComplete="off"
        error={ticketTouched && problems.ticket !== null}
        helperText={ticketTouched && problems.ticket !== null ? problems.ticket : 'The support ticket that asks for this link, e.g. SUP-4411.'}
      />
      <TextField
        label="Lifetime in minutes"
        type="number"
        value={minutes}
        onChange={(event) => setMinutes(event.target.value)}
        required
        fullWidth
        error={problems.minutes !== null}
        helperText={problems.minutes ?? `From ${TOKEN_LINK_MIN_MINUTES} to ${verdict.maxMinutes} minutes (${formatMinutes(verdict.maxMinutes)}): the policy cap and the inquiry's expiry.`}
        slotProps={{ htmlInput: { min: TOKEN_LINK_MIN_MINUTES, max: verdict.maxMinutes, step: 1, inputMode: 'numeric' } }}
      />
      <AcknowledgementChecklist
        requires={requires}
        texts={texts}
        value={acknowledged}
        onChange={setAcknowledged}
        showMissing={alsoRequired.length > 0}
      />
      <Typography variant="caption" color="text.secondary">
        The link&apos;s session expires with it; revoking the link from the Links card expires the session at once.
      </Typography>
    </ActionDialog>
  );
}
