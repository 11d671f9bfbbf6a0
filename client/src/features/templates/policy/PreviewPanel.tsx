import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import { APPLY_GRACE_MINUTES, type PolicyPreview } from '@shared/templates.js';
import { ErrorState } from '../../../components/states';
import { formatCount, formatShare } from '../charts/buckets';

export interface PreviewPanelProps {
  preview: PolicyPreview | undefined;
  /** A request for the values on screen is on its way (or waiting for the typing to pause). */
  updating: boolean;
  error: unknown;
  /** The form has a problem: nothing to preview until it is fixed. */
  invalid: boolean;
}

function FinishedTable({ finished }: { finished: PolicyPreview['finished'] }) {
  const rows = [
    { label: 'Expired before start', current: formatCount(finished.current.expiredBeforeStart), proposed: formatCount(finished.proposed.expiredBeforeStart) },
    {
      label: 'Expired after start, before completion',
      current: formatCount(finished.current.expiredBeforeCompletion),
      proposed: formatCount(finished.proposed.expiredBeforeCompletion),
    },
    { label: 'Share of finished that would have expired', current: formatShare(finished.current.share), proposed: formatShare(finished.proposed.share) },
  ];
  return (
    <Table size="small" aria-label={`Finished inquiries of the last ${finished.windowDays} days`}>
      <TableHead>
        <TableRow>
          <TableCell>Finished inquiries ({formatCount(finished.total)})</TableCell>
          <TableCell align="right">Current</TableCell>
          <TableCell align="right">Proposed</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.label}>
            <TableCell component="th" scope="row">
              {row.label}
            </TableCell>
            <TableCell align="right">{row.current}</TableCell>
            <TableCell align="right" sx={{ fontWeight: 600 }}>
              {row.proposed}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function OpenTable({ open }: { open: PolicyPreview['open'] }) {
  const rows = [
    { label: 'Would get a new expiry', value: open.changed },
    { label: 'Would gain time', value: open.gainTime },
    { label: 'Would lose time', value: open.loseTime },
    { label: `Would expire at once (held at ${APPLY_GRACE_MINUTES} min from now)`, value: open.expireAtOnce },
  ];
  return (
    <Table size="small" aria-label="Open inquiries, if applied to them">
      <TableHead>
        <TableRow>
          <TableCell>Open inquiries ({formatCount(open.total)}), if applied</TableCell>
          <TableCell align="right">Count</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((row) => (
          <TableRow key={row.label}>
            <TableCell component="th" scope="row">
              {row.label}
            </TableCell>
            <TableCell align="right">{formatCount(row.value)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** One sentence for the live region: what changes, as a screen reader hears it when the typing pauses. */
export function previewSentence(preview: PolicyPreview): string {
  const { finished, open } = preview;
  return (
    `Of ${formatCount(finished.total)} finished inquiries, ${formatShare(finished.current.share)} would have expired under the current policy ` +
    `and ${formatShare(finished.proposed.share)} under the proposed one. ` +
    `Applied to the ${formatCount(open.total)} open inquiries, ${formatCount(open.changed)} would change expiry: ` +
    `${formatCount(open.gainTime)} gain time, ${formatCount(open.loseTime)} lose time, ${formatCount(open.expireAtOnce)} would expire at once.`
  );
}

/**
 * The impact of the policy being typed, computed by the server from real data: finished inquiries of the last
 * 90 days under the current and the proposed policy, and what applying it would do to the open ones.
 */
export function PreviewPanel({ preview, updating, error, invalid }: PreviewPanelProps) {
  const titleId = useId();
  let body;
  if (invalid) {
    body = (
      <Typography variant="body2" color="text.secondary">
        Fix the fields above to see the impact.
      </Typography>
    );
  } else if (error && !preview) {
    body = <ErrorState title="Could not compute the impact" error={error} />;
  } else if (!preview) {
    body = (
      <Typography variant="body2" color="text.secondary">
        Computing the impact…
      </Typography>
    );
  } else {
    body = (
      <Stack spacing={1.5}>
        <Typography variant="body2" aria-live="polite">
          {previewSentence(preview)}
        </Typography>
        <FinishedTable finished={preview.finished} />
        <OpenTable open={preview.open} />
        {preview.warnings.map((warning) => (
          <Alert key={warning} severity="warning" role="note">
            {warning}
          </Alert>
        ))}
      </Stack>
    );
  }
  return (
    <Box component="section" aria-labelledby={titleId} aria-busy={updating}>
      <Typography id={titleId} variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
        Impact preview
      </Typography>
      <Box sx={{ height: 4, mb: 1 }}>{updating && !invalid ? <LinearProgress aria-label="Updating the preview" /> : null}</Box>
      {body}
    </Box>
  );
}
