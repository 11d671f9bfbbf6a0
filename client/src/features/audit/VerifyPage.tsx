import VerifiedUserOutlinedIcon from '@mui/icons-material/VerifiedUserOutlined';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Button from '@mui/material/Button';
import CircularProgress from '@mui/material/CircularProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { AuditVerifyOutput, CheckpointComparison, CheckpointMismatch } from '@shared/audit-verify.js';
import { CopyButton } from '../../components/CopyButton';
import { RelativeTime } from '../../components/RelativeTime';
import { ErrorState } from '../../components/states';
import { formatAbsolute } from '../../lib/time';
import { useTRPC } from '../../lib/trpc';
import { MONOSPACE } from '../../theme/theme';
import { DefinitionList } from '../inquiries/detail/DefinitionList';

const count = new Intl.NumberFormat();

function Hash({ value, label }: { value: string; label: string }) {
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center', minWidth: 0 }}>
      <Typography component="span" variant="body2" sx={{ fontFamily: MONOSPACE, overflowWrap: 'anywhere' }}>
        {value}
      </Typography>
      <CopyButton value={value} label={label} />
    </Stack>
  );
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function atText(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : formatAbsolute(date);
}

/** One disagreeing checkpoint, as a sentence a reviewer can act on. */
function mismatchText(m: CheckpointMismatch): string {
  switch (m.problem) {
    case 'hash_differs':
      return m.changedAfterSeq + 1 === m.seq
        ? `Event ${m.seq} was changed.`
        : `An event between seq ${m.changedAfterSeq + 1} and ${m.seq} was changed, and the hashes after it were recomputed.`;
    case 'event_missing':
      return `Event ${m.seq} is missing from the database.`;
    case 'beyond_head':
      return `The chain ends before seq ${m.seq}: events were removed from its end.`;
  }
}

function Checkpoints({ result }: { result: AuditVerifyOutput }) {
  const c: CheckpointComparison | null = result.checkpoints;
  const webhook = result.webhookConfigured ? (
    <Typography variant="body2" color="text.secondary">
      Checkpoints are also sent to a webhook; whoever receives them can compare them with this head.
    </Typography>
  ) : null;
  if (!c) {
    return (
      <Stack spacing={1}>
        <Alert severity="warning" role="note">
          <AlertTitle>No checkpoint file on this server</AlertTitle>
          Without checkpoints outside the database (AUDIT_CHECKPOINT_FILE), someone with full control of the database could rewrite an event and
          recompute every hash after it, and the chain would still verify.
        </Alert>
        {webhook}
      </Stack>
    );
  }
  if (!c.found) {
    return (
      <Stack spacing={1}>
        <Alert severity="info" role="note">
          No checkpoint has been written to {c.file} yet: there is nothing to compare with.
        </Alert>
        {webhook}
      </Stack>
    );
  }
  return (
    <Stack spacing={1.5}>
      {c.mismatchCount === 0 ? (
        <Alert severity="success" role="note">
          All {count.format(c.compared)} {c.compared === 1 ? 'checkpoint' : 'checkpoints'} in {c.file} agree with the database
          {c.latest ? ` (latest: seq ${count.format(c.latest.seq)}, written ${atText(c.latest.at)})` : ''}.
        </Alert>
      ) : (
        <>
          <Alert severity="error" role="note">
            <AlertTitle>
              {count.format(c.mismatchCount)} of {count.format(c.compared)} checkpoints disagree with the database
            </AlertTitle>
            Each names the hash the chain had at its seq when it was written outside the database: the log was changed after that.
          </Alert>
          <Table size="small" aria-label="Checkpoints that disagree">
            <TableHead>
              <TableRow>
                <TableCell>Seq</TableCell>
                <TableCell>Written</TableCell>
                <TableCell>What it means</TableCell>
                <TableCell>Hash in the checkpoint / in the database</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {c.mismatches.map((m) => (
                <TableRow key={`${m.seq}-${m.at}-${m.hash}`}>
                  <TableCell>{count.format(m.seq)}</TableCell>
                  <TableCell>{atText(m.at)}</TableCell>
                  <TableCell>{mismatchText(m)}</TableCell>
                  <TableCell sx={{ fontFamily: MONOSPACE, fontSize: 12, overflowWrap: 'anywhere' }}>
                    {m.hash}
                    <br />
                    {m.databaseHash ?? 'no event'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {c.mismatchCount > c.mismatches.length ? (
            <Typography variant="body2" color="text.secondary">
              … and {count.format(c.mismatchCount - c.mismatches.length)} more; npm run audit:verify on the server lists them all.
            </Typography>
          ) : null}
        </>
      )}
      {c.unreadableLines > 0 ? (
        <Alert severity="warning" role="note">
          {count.format(c.unreadableLines)} {c.unreadableLines === 1 ? 'line' : 'lines'} of {c.file} {c.unreadableLines === 1 ? 'is' : 'are'} not a checkpoint
          (first: line {c.firstUnreadableLine}): a write cut short, or an edit by hand.
        </Alert>
      ) : null}
      {webhook}
    </Stack>
  );
}

function Result({ result }: { result: AuditVerifyOutput }) {
  const firstMismatch = result.checkpoints?.mismatches[0];
  const byCheckpoint = !!firstMismatch && (firstMismatch.problem === 'beyond_head' ? result.headSeq + 1 : firstMismatch.seq) === result.firstBrokenSeq;
  return (
    <Stack spacing={2}>
      {result.ok ? (
        <Alert severity="success" icon={<VerifiedUserOutlinedIcon />}>
          <AlertTitle>The audit log is intact</AlertTitle>
          Every event from seq 1 to the head hashes as recorded{result.checkpoints?.found ? ', and the chain agrees with every checkpoint' : ''}.
        </Alert>
      ) : (
        <Alert severity="error">
          <AlertTitle>The audit log does not verify</AlertTitle>
          {byCheckpoint
            ? `The chain agrees with itself, but not with a checkpoint written outside the database: it was rewritten and re-hashed. First proven break: seq ${count.format(result.firstBrokenSeq ?? 0)}.`
            : `The chain breaks at seq ${count.format(result.firstBrokenSeq ?? 0)}: that event was changed, deleted or inserted after it was written.`}
        </Alert>
      )}
      <DefinitionList
        items={[
          { label: 'Events checked', value: result.ok ? count.format(result.checked) : `${count.format(result.checked)} intact before the break` },
          { label: 'Head seq', value: count.format(result.headSeq) },
          { label: 'Head hash', value: <Hash value={result.headHash} label="head hash" /> },
          { label: 'First break', value: result.firstBrokenSeq === null ? 'None' : `Seq ${count.format(result.firstBrokenSeq)}` },
          { label: 'Took', value: duration(result.durationMs) },
          { label: 'Verified', value: <RelativeTime value={result.verifiedAt} /> },
        ]}
      />
      <Typography variant="h2">Checkpoints</Typography>
      <Checkpoints result={result} />
    </Stack>
  );
}

/** /audit/verify (`audit:export`): recompute the audit chain and compare it with the checkpoints outside the database. */
export default function VerifyPage() {
  const trpc = useTRPC();
  const verify = useMutation(trpc.audit.verify.mutationOptions());

  useEffect(() => {
    document.title = 'Verify the audit log · Inquiry Desk';
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, []);

  let body = null;
  if (verify.isPending) {
    body = (
      <Stack role="status" aria-live="polite" direction="row" spacing={2} sx={{ alignItems: 'center', py: 2 }}>
        <CircularProgress size={24} aria-hidden />
        <Typography color="text.secondary">Verifying every event… a long log takes a while.</Typography>
      </Stack>
    );
  } else if (verify.isError) {
    body = <ErrorState title="Could not verify the audit log" error={verify.error} onRetry={() => verify.mutate()} />;
  } else if (verify.data) {
    body = <Result result={verify.data} />;
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="h1" sx={{ flexGrow: 1 }}>
          Verify the audit log
        </Typography>
        <Button variant="contained" startIcon={<VerifiedUserOutlinedIcon />} disabled={verify.isPending} onClick={() => verify.mutate()}>
          {verify.isPending ? 'Verifying…' : verify.data ? 'Verify again' : 'Verify now'}
        </Button>
      </Stack>
      <Typography variant="body2" color="text.secondary">
        Recomputes the hash of every event from seq 1 to the head, and compares the chain with the checkpoints the server writes outside the
        database. Each verification is itself recorded in the audit log.
      </Typography>
      {body ? (
        <Paper variant="outlined" sx={{ p: 2 }}>
          {body}
        </Paper>
      ) : null}
    </Stack>
  );
}
