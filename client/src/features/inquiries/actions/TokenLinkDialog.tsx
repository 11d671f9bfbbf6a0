import Alert from '@mui/material/Alert';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { TicketSchema, TOKEN_LINK_MIN_MINUTES, type Acknowledgement, type ActionsForOutput } from '../../../../../shared/actions.js';
import { reasonProblem, ReasonField } from '../../../components/ReasonField';
import { formatMinutes } from '../../../lib/time';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { AcknowledgementChecklist, acknowledgedInput, useAcknowledgementTexts, type Acknowledged } from './acknowledgements';
import { ActionDialog } from './ActionDialog';
import { RetryAfter } from './RetryAfter';
import { SECRET_MUTATION_OPTIONS, useForgetMutation, useRefreshInquiry, useServerRequiredAcknowledgements, useSingleFlight } from './hooks';
import { useIdempotencyKey } from './idempotency';
import { TokenLinkResult } from './results';

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
 * no longer than the server allows, and an explicit acknowledgement of the risk.
 */
export function TokenLinkDialog({ inquiry, verdict, onClose }: { inquiry: Inquiry; verdict: TokenLinkVerdict; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshInquiry();
  const idempotencyKey = useIdempotencyKey();
  const singleFlight = useSingleFlight();
  const [reason, setReason] = useState('');
  const [ticket, setTicket] = useState('');
  const [minutes, setMinutes] = useState(String(Math.min(DEFAULT_TOKEN_LINK_MINUTES, verdict.maxMinutes)));
  const [touched, setTouched] = useState<Record<'reason' | 'ticket', boolean>>({ reason: false, ticket: false });
  const [acknowledged, setAcknowledged] = useState<Acknowledged>({});
  const { alsoRequired, onError } = useServerRequiredAcknowledgements(inquiry.id);

  const mutation = useMutation(
    trpc.links.createWithToken.mutationOptions({
      ...SECRET_MUTATION_OPTIONS,
      onSuccess: () => void refresh(inquiry.id),
      onError,
    }),
  );
  const forget = useForgetMutation(mutation, trpc.links.createWithToken.mutationKey());
  const texts = useAcknowledgementTexts(inquiry, verdict.warnings, 'tokenLink');

  // The risk is always acknowledged, whatever the verdict lists; the rest when the server asks.
  const requires: Acknowledgement[] = [...new Set<Acknowledgement>(['acknowledgeRisk', ...verdict.requires, ...alsoRequired])];
  const problems = { reason: reasonProblem(reason), ticket: ticketProblem(ticket), minutes: minutesProblem(minutes, verdict.maxMinutes) };
  const canSubmit = problems.reason === null && problems.ticket === null && problems.minutes === null && requires.every((a) => acknowledged[a] === true);

  const submit = () => {
    const { acknowledgeExpired } = acknowledgedInput(requires, acknowledged, ['acknowledgeExpired']);
    singleFlight((done) =>
      mutation.mutate(
        {
          inquiryId: inquiry.id,
          reason: reason.trim(),
          ticket: ticket.trim(),
          expiresInMinutes: Number(minutes),
          acknowledgeRisk: true,
          ...(acknowledgeExpired ? { acknowledgeExpired } : {}),
          idempotencyKey,
        },
        { onSettled: done },
      ),
    );
  };

  return (
    <ActionDialog
      title="Link with session token"
      submitLabel="Create link"
      submitColor="warning"
      intro={
        <Alert severity="warning" role="note">
          Last resort. Anyone holding this link can open the inquiry until it expires: Persona advises against it. Prefer a one-time link. The link is
          audited, time-boxed and revocable.
        </Alert>
      }
      canSubmit={canSubmit}
      pending={mutation.isPending}
      error={mutation.error}
      errorDetail={<RetryAfter error={mutation.error} />}
      onSubmit={submit}
      result={mutation.data ? <TokenLinkResult result={mutation.data} /> : null}
      onClose={() => {
        forget();
        onClose();
      }}
    >
      <ReasonField
        value={reason}
        onChange={setReason}
        showProblem={touched.reason}
        onBlur={() => setTouched((t) => ({ ...t, reason: t.reason || reason.length > 0 }))}
        autoFocus
      />
      <TextField
        label="Ticket reference"
        value={ticket}
        onChange={(event) => setTicket(event.target.value)}
        onBlur={() => setTouched((t) => ({ ...t, ticket: t.ticket || ticket.length > 0 }))}
        required
        fullWidth
        autoComplete="off"
        error={touched.ticket && problems.ticket !== null}
        helperText={touched.ticket && problems.ticket !== null ? problems.ticket : 'The support ticket that asks for this link, e.g. SUP-4411.'}
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
