import SyncOutlinedIcon from '@mui/icons-material/SyncOutlined';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useNotify } from '../../components/notifications';
import { RelativeTime } from '../../components/RelativeTime';
import { EmptyState, ErrorState, LoadingState } from '../../components/states';
import { errorCodeOf, errorMessageOf } from '../../lib/trpc';
import { DefinitionList } from '../inquiries/detail/DefinitionList';
import { useStartSync, useSyncStatus, type SyncRun, type SyncStatus } from './hooks';

const count = new Intl.NumberFormat();

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const STATUS_TEXT: Record<SyncRun['status'], string> = {
  running: 'Running',
  done: 'Done',
  failed: 'Failed',
  interrupted: 'Interrupted',
};

function who(startedBy: string): string {
  if (startedBy === 'cli') return 'npm run sync:persona';
  if (startedBy === 'server') return 'the server (empty database at start-up)';
  return 'an admin';
}

function StatusAlert({ run }: { run: SyncRun }) {
  if (run.status === 'running' && run.stale) {
    return (
      <Alert severity="warning">
        <AlertTitle>The process running this sync stopped</AlertTitle>
        No progress has been recorded for over two minutes. Start resumes it from its last page.
      </Alert>
    );
  }
  switch (run.status) {
    case 'running':
      return (
        <Alert severity="info" icon={<SyncOutlinedIcon />}>
          <AlertTitle>Syncing from Persona</AlertTitle>
          Inquiries are read newest first, 100 a page, within Persona&apos;s rate limit; webhooks keep arriving meanwhile.
        </Alert>
      );
    case 'done':
      return (
        <Alert severity="success">
          <AlertTitle>Sync done</AlertTitle>
          Every inquiry Persona listed{run.since ? ` since ${run.since.toLocaleDateString()}` : ''} is mirrored; webhooks keep it current.
        </Alert>
      );
    case 'interrupted':
      return (
        <Alert severity="warning">
          <AlertTitle>Sync interrupted</AlertTitle>
          It stopped before the end of Persona&apos;s list. Resume continues from its last page.
        </Alert>
      );
    case 'failed':
      return (
        <Alert severity="error">
          <AlertTitle>Sync failed</AlertTitle>
          {run.lastError ?? 'It stopped on an error.'} Resume continues from its last page.
        </Alert>
      );
  }
}

function Progress({ run }: { run: SyncRun }) {
  if (run.status !== 'running' || run.stale) return null;
  const percent = run.estimatedFraction === null ? null : Math.floor(run.estimatedFraction * 100);
  return percent === null ? (
    <LinearProgress aria-label="Sync progress (no estimate)" />
  ) : (
    <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
      <LinearProgress variant="determinate" value={percent} aria-label="Sync progress (estimate)" sx={{ flexGrow: 1 }} />
      <Typography variant="body2" color="text.secondary">
        ≈ {percent}%
      </Typography>
    </Stack>
  );
}

function eta(run: SyncRun): string {
  if (run.status !== 'running') return '—';
  if (run.etaSeconds !== null) return `≈ ${formatDuration(run.etaSeconds)} (estimate)`;
  return 'Not estimable: Persona’s list has no total, and nothing says how far back it goes';
}

function RunDetails({ run }: { run: SyncRun }) {
  return (
    <DefinitionList
      items={[
        { label: 'Status', value: STATUS_TEXT[run.status] },
        { label: 'Started', value: <>{<RelativeTime value={run.startedAt} />} by {who(run.startedBy)}{run.resumedFrom ? ', resuming an earlier run' : ''}</> },
        { label: 'Inquiries', value: count.format(run.inquiries) },
        { label: 'Sessions', value: count.format(run.sessions) },
        { label: 'Pages', value: count.format(run.pages) },
        { label: 'Rate', value: run.ratePerSecond === null ? '—' : `${run.ratePerSecond.toFixed(1)} inquiries/s` },
        { label: 'Time left', value: eta(run) },
        { label: 'Reached back to', value: run.reachedCreatedAt ? run.reachedCreatedAt.toLocaleString() : '—' },
        ...(run.waitingUntil ? [{ label: 'Waiting', value: <>for Persona until <RelativeTime value={run.waitingUntil} /></> }] : []),
        { label: 'Skipped', value: run.errors === 0 ? 'None' : `${count.format(run.errors)}${run.lastError ? ` — last: ${run.lastError}` : ''}` },
        ...(run.finishedAt ? [{ label: 'Finished', value: <RelativeTime value={run.finishedAt} /> }] : []),
      ]}
    />
  );
}

function StartDialog({ status, onClose }: { status: SyncStatus; onClose: () => void }) {
  const start = useStartSync();
  const notify = useNotify();
  const [fresh, setFresh] = useState(false);
  const resuming = status.resumable && !fresh;
  return (
    <ConfirmDialog
      title={resuming ? 'Resume the Persona sync?' : 'Start the Persona sync?'}
      confirmLabel={resuming ? 'Resume sync' : 'Start sync'}
      onClose={onClose}
      onConfirm={async (reason) => {
        await start.mutateAsync({ reason, fresh });
        onClose();
        notify(resuming ? 'Sync resumed from its last page.' : 'Sync started.');
      }}
      fields={
        status.resumable ? (
          <FormControlLabel
            control={<Checkbox checked={fresh} onChange={(event) => setFresh(event.target.checked)} />}
            label="Start again from the newest inquiry instead"
          />
        ) : undefined
      }
    >
      <Typography variant="body2">
        {resuming
          ? `Continues from where the last run stopped (${count.format(status.run?.inquiries ?? 0)} inquiries so far).`
          : 'Reads every inquiry and its sessions from Persona, newest first.'}{' '}
        It uses Persona&apos;s rate limit, shared with every console instance, so resumes and links wait their turn with it; it runs in this server
        until it is done, and is recorded in the audit log.
      </Typography>
    </ConfirmDialog>
  );
}

/** /persona-sync (admin, `provider:sync`): the Persona backfill's progress, and starting or resuming it. */
export default function PersonaSyncPage() {
  const status = useSyncStatus();
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    document.title = 'Persona sync · Inquiry Desk';
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, []);

  const data = status.data;
  const running = data?.run?.status === 'running' && !data.run.stale;
  const providerLocal = status.isError && errorCodeOf(status.error) === 'PRECONDITION_FAILED';

  let body;
  if (status.isPending) body = <LoadingState label="Loading the sync’s status…" />;
  else if (providerLocal) {
    body = (
      <Alert severity="info">
        <AlertTitle>Nothing to sync</AlertTitle>
        {errorMessageOf(status.error)}
      </Alert>
    );
  } else if (status.isError) body = <ErrorState title="Could not load the sync’s status" error={status.error} onRetry={() => void status.refetch()} />;
  else if (!data?.run) {
    body = (
      <EmptyState
        title="No sync has run yet"
        description="The first sync reads every inquiry from Persona; after that, webhooks keep the console current."
        icon={<SyncOutlinedIcon fontSize="large" />}
      />
    );
  } else {
    body = (
      <Stack spacing={2}>
        <StatusAlert run={data.run} />
        <Progress run={data.run} />
        <RunDetails run={data.run} />
      </Stack>
    );
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="h1" sx={{ flexGrow: 1 }}>
          Persona sync
        </Typography>
        {data && !providerLocal ? (
          <Button variant="contained" startIcon={<SyncOutlinedIcon />} disabled={running} onClick={() => setConfirming(true)}>
            {running ? 'Sync running…' : data.resumable ? 'Resume sync' : 'Start sync'}
          </Button>
        ) : null}
      </Stack>
      <Typography variant="body2" color="text.secondary">
        Copies Persona&apos;s inquiries and sessions into the console. A server with no inquiries starts it by itself; it can also run as npm run
        sync:persona. Only one runs at a time.
      </Typography>
      <Paper variant="outlined" sx={{ p: 2 }}>
        <Box>{body}</Box>
      </Paper>
      {confirming && data ? <StartDialog status={data} onClose={() => setConfirming(false)} /> : null}
    </Stack>
  );
}
