import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button, { type ButtonProps } from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import FormHelperText from '@mui/material/FormHelperText';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import type { ActionName, ActionsForOutput, ActionVerdict } from '@shared/actions.js';
import { ErrorState } from '../../../components/states';
import type { RouterOutputs } from '../../../lib/trpc';
import ActionDialogFor from '../actions/ActionDialogFor';
import { useActionsFor } from '../actions/hooks';
import { Countdown } from '../actions/RetryAfter';
import { SectionCard } from './SectionCard';

type Inquiry = RouterOutputs['inquiries']['get'];

/** The dialog open right now, if any: one action at a time, each a fresh session (new idempotency key). */
type OpenDialog = ActionName | null;

export const ACTION_LABELS: Record<ActionName, string> = {
  resume: 'Resume and copy token',
  oneTimeLink: 'Send one-time link',
  recreate: 'Recreate on latest version',
  tokenLink: 'Link with session token',
};

const DESCRIPTIONS: Record<ActionName, string> = {
  resume: "A session token for the customer's app, to load into the SDK with the inquiry id.",
  oneTimeLink: 'A single-use link to the hosted flow. Persona’s recommended way to hand access to an end user.',
  recreate: 'A new inquiry on the latest version, with the same reference id and prefill; this one is retired.',
  tokenLink: 'The hosted-flow link with the session token appended: anyone holding it can open the inquiry until it expires.',
};

interface ActionRowProps {
  action: ActionName;
  verdict: ActionVerdict;
  /** When the verdicts were fetched (a refusal's wait counts down from then), and how to ask again. */
  fetchedAt: number;
  onRecheck: () => void;
  onOpen: () => void;
  recommended?: boolean;
  color?: ButtonProps['color'];
  variant?: ButtonProps['variant'];
}

/** One action: its button, what it does or why it is not possible now, and the server's warnings. */
function ActionRow({ action, verdict, fetchedAt, onRecheck, onOpen, recommended = false, color = 'primary', variant = 'outlined' }: ActionRowProps) {
  const helpId = useId();
  const label = ACTION_LABELS[action];
  const button = (
    <Button fullWidth variant={variant} color={color} disabled={!verdict.allowed} onClick={onOpen} aria-describedby={helpId} sx={{ justifyContent: 'flex-start' }}>
      {label}
    </Button>
  );
  return (
    <Box data-action={action}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          {verdict.allowed ? (
            button
          ) : (
            // A disabled button gets no pointer events: the wrapper carries the tooltip.
            <Tooltip title={verdict.reasons.join(' ')} describeChild>
              <Box component="span" sx={{ display: 'block' }}>
                {button}
              </Box>
            </Tooltip>
          )}
        </Box>
        {recommended ? <Chip label="Recommended" color="success" variant="outlined" /> : null}
      </Stack>
      {/* What it does when allowed; why not, in the server's words, when not. */}
      <FormHelperText id={helpId}>
        {verdict.allowed ? DESCRIPTIONS[action] : verdict.reasons.join(' ')}
        {!verdict.allowed && verdict.retryAfterSeconds !== undefined ? (
          <>
            {' '}
            <Countdown seconds={verdict.retryAfterSeconds} since={fetchedAt} onElapsed={onRecheck} />
          </>
        ) : null}
      </FormHelperText>
      {verdict.allowed && verdict.warnings.length > 0 ? (
        <Stack spacing={0.5} sx={{ mt: 0.5 }}>
          {verdict.warnings.map((warning) => (
            <Alert key={warning} severity="warning" role="note" sx={{ py: 0 }}>
              {warning}
            </Alert>
          ))}
        </Stack>
      ) : null}
    </Box>
  );
}

function LimitFigure({ label, value, of, hint }: { label: string; value: number; of: number; hint: string }) {
  const tone = value >= of ? 'error.main' : value >= of * 0.8 ? 'warning.main' : 'text.primary';
  return (
    <Tooltip title={hint} describeChild>
      <Box>
        <Typography variant="caption" color="text.secondary" component="div">
          {label}
        </Typography>
        <Typography variant="body2" sx={{ fontWeight: 600, fontVariantNumeric: 'tabular-nums', color: tone }}>
          {value} / {of}
        </Typography>
      </Box>
    </Tooltip>
  );
}

/** The guards' counters: eager resuming runs into these (the seed's "API and inquiry session limits"). */
export function LimitsSummary({ limits }: { limits: ActionsForOutput['limits'] }) {
  return (
    <Stack direction="row" spacing={3} useFlexGap sx={{ flexWrap: 'wrap' }} aria-label="Limits" role="group">
      <LimitFigure label="Live sessions" value={limits.liveSessionCount} of={limits.sessionCap} hint="Live sessions on this inquiry, and the cap" />
      <LimitFigure
        label={`Resumes in ${limits.resumeCooldownMinutes} min`}
        value={limits.resumesInWindow}
        of={limits.resumeCooldownMax}
        hint={`Console resumes of this inquiry in the last ${limits.resumeCooldownMinutes} minutes, and how many it allows`}
      />
      <LimitFigure
        label={`Your budget (${limits.staffBudgetMinutes} min)`}
        value={limits.staffActionsInWindow}
        of={limits.staffBudget}
        hint={`Sessions and links you issued in the last ${limits.staffBudgetMinutes} minutes, and how many you may`}
      />
    </Stack>
  );
}

/**
 * The guarded actions of DESIGN §4, exactly as `inquiries.actionsFor` judges them for the signed-in person:
 * nothing here guesses. A disabled button says why; the server re-checks everything when the action runs.
 */
export function ActionsPanel({ inquiry }: { inquiry: Inquiry }) {
  const actions = useActionsFor(inquiry.id);
  const [open, setOpen] = useState<OpenDialog>(null);
  const close = () => setOpen(null);

  // Once verdicts are here they stay on screen (and an open dialog with them) even if a refetch fails:
  // closing a dialog that shows a token would lose the token.
  const verdicts = actions.data;
  const row = { fetchedAt: actions.dataUpdatedAt, onRecheck: () => void actions.refetch() };
  let body;
  if (verdicts) {
    body = (
      <Stack spacing={2}>
        <LimitsSummary limits={verdicts.limits} />
        <ActionRow action="resume" verdict={verdicts.resume} {...row} onOpen={() => setOpen('resume')} />
        <ActionRow action="oneTimeLink" verdict={verdicts.oneTimeLink} {...row} onOpen={() => setOpen('oneTimeLink')} recommended variant="contained" />
        <ActionRow action="recreate" verdict={verdicts.recreate} {...row} onOpen={() => setOpen('recreate')} />
        <Divider textAlign="left">
          <Typography variant="caption" color="text.secondary">
            Last resort
          </Typography>
        </Divider>
        <ActionRow action="tokenLink" verdict={verdicts.tokenLink} {...row} onOpen={() => setOpen('tokenLink')} color="warning" />
      </Stack>
    );
  } else if (actions.isError) {
    body = <ErrorState title="Could not load the actions" error={actions.error} onRetry={() => void actions.refetch()} />;
  } else {
    body = (
      <Stack spacing={1.5} aria-busy="true" aria-label="Loading actions">
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} variant="rounded" height={36} />
        ))}
      </Stack>
    );
  }

  return (
    <SectionCard title="Actions" subheader="What you may do now, as the server judges it">
      {body}
      {/* One dialog per opening (a fresh idempotency key); resume may hand over to recreate inside it. */}
      {verdicts && open ? <ActionDialogFor action={open} inquiry={inquiry} verdicts={verdicts} onClose={close} /> : null}
    </SectionCard>
  );
}
