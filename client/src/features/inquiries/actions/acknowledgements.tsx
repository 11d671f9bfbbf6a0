import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormGroup from '@mui/material/FormGroup';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import Typography from '@mui/material/Typography';
import type { ReactNode } from 'react';
import type { Acknowledgement } from '@shared/actions.js';
import { formatMinutes, formatRelative } from '../../../lib/time';
import { useNow } from '../../../lib/useNow';
import type { RouterOutputs } from '../../../lib/trpc';

type Inquiry = RouterOutputs['inquiries']['get'];

export type Acknowledged = Partial<Record<Acknowledgement, boolean>>;

/** The warning behind each acknowledgement, in words for this inquiry; the server's own warning when we know no better. */
export function useAcknowledgementTexts(
  inquiry: Inquiry,
  serverWarnings: readonly string[],
  action: 'resume' | 'tokenLink' | 'oneTimeLink' = 'resume',
): Record<Acknowledgement, string> {
  const now = useNow();
  const expiredWarning = serverWarnings.find((w) => w.startsWith('Expired'));
  // Past STALE_INQUIRY_DAYS the server adds an age warning to the expiry acknowledgement: say it in the same breath.
  const ageWarning = serverWarnings.find((w) => w.startsWith('Created '));
  const expiredAt = inquiry.expiredAt ?? inquiry.expiresAt;
  const resumeFor = inquiry.policy ? formatMinutes(inquiry.policy.afterResumeMinutes) : null;
  const what = action === 'resume' ? 'resuming makes it' : action === 'oneTimeLink' ? 'creating the link reopens it,' : 'issuing the link resumes it:';
  const behind = inquiry.latestVersionNumber - inquiry.versionNumber;
  return {
    acknowledgeExpired: [
      resumeFor !== null
        ? `It expired ${formatRelative(expiredAt, now)}: ${what} pending again for ${resumeFor}.`
        : (expiredWarning ?? 'It expired: resuming makes it pending again.'),
      ...(ageWarning ? [ageWarning] : []),
    ].join(' '),
    acknowledgeOutdated: `It is pinned to v${inquiry.versionNumber}, ${behind} ${behind === 1 ? 'version' : 'versions'} behind v${inquiry.latestVersionNumber}: the end user would go through an outdated flow. Persona recommends recreating it on the latest version instead.`,
    acknowledgeRisk: 'Anyone holding this link can open the inquiry until it expires. I will send it only over a secure channel, to the end user.',
  };
}

export interface AcknowledgementChecklistProps {
  requires: readonly Acknowledgement[];
  texts: Record<Acknowledgement, string>;
  value: Acknowledged;
  onChange: (value: Acknowledged) => void;
  /** Show which are still unchecked (after a submit attempt, or when the server asked for them). */
  showMissing: boolean;
  /** Shown under one acknowledgement, e.g. "Recreate instead" under the outdated-version warning. */
  extras?: Partial<Record<Acknowledgement, ReactNode>>;
}

/** Each acknowledgement the server's verdict requires, as an explicit checkbox carrying its warning. */
export function AcknowledgementChecklist({ requires, texts, value, onChange, showMissing, extras = {} }: AcknowledgementChecklistProps) {
  if (requires.length === 0) return null;
  const missing = requires.filter((a) => value[a] !== true);
  return (
    <FormControl component="fieldset" required error={showMissing && missing.length > 0}>
      <FormLabel component="legend">
        <Typography variant="body2" component="span" sx={{ fontWeight: 600 }}>
          Confirm you have read
        </Typography>
      </FormLabel>
      <FormGroup>
        {requires.map((ack) => (
          <div key={ack}>
            <FormControlLabel
              control={<Checkbox checked={value[ack] === true} onChange={(event) => onChange({ ...value, [ack]: event.target.checked })} name={ack} />}
              label={<Typography variant="body2">{texts[ack]}</Typography>}
              sx={{ alignItems: 'flex-start', my: 0.5, '& .MuiCheckbox-root': { pt: 0.25 } }}
            />
            {extras[ack] ?? null}
          </div>
        ))}
      </FormGroup>
      {showMissing && missing.length > 0 ? <FormHelperText>Tick each box to go on.</FormHelperText> : null}
    </FormControl>
  );
}

/** Required, ticked, and a field the procedure's (strict) input accepts: sent as `true`; nothing else is sent. */
export function acknowledgedInput<A extends Acknowledgement>(
  requires: readonly Acknowledgement[],
  value: Acknowledged,
  accepted: readonly A[],
): Partial<Record<A, true>> {
  const input: Partial<Record<A, true>> = {};
  for (const ack of accepted) if (requires.includes(ack) && value[ack] === true) input[ack] = true;
  return input;
}
