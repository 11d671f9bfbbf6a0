import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Skeleton from '@mui/material/Skeleton';
import Typography from '@mui/material/Typography';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ACCESS_KIND_LABELS, type AccessFilter, type AccessRow, type RevokeMatchingOutput } from '@shared/access.js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { DialogFrame } from '../../components/DialogFrame';
import { useNotify } from '../../components/notifications';
import { errorCodeOf, errorMessageOf, useTRPC } from '../../lib/trpc';
import { useIdempotencyKey } from '../inquiries/actions/idempotency';
import { useRefreshAccess } from './hooks';

const number = new Intl.NumberFormat();
const rows = (n: number) => `${number.format(n)} ${n === 1 ? 'row' : 'rows'}`;

/** What revoking one row does, in words: the consequences are the point of asking. */
function consequence(row: AccessRow): string {
  switch (row.kind) {
    case 'token_link':
      return `The token link ${row.id} stops opening ${row.inquiryId} at once, and the session it carries expires.`;
    case 'one_time_link':
      return row.state === 'used'
        ? `The one-time link ${row.id} was redeemed: revoking it expires the session it opened on ${row.inquiryId}.`
        : `The one-time link ${row.id} stops opening ${row.inquiryId} at once.`;
    case 'console_resume':
    case 'partner_resume':
    case 'system_resume':
    case 'bare_id_start':
      return `The session ${row.sessionId ?? row.id} on ${row.inquiryId} expires at once, with any link that carries it. Whoever holds its token is locked out.`;
    case 'token_link_request':
      // Never revocable (a request grants nothing); an approved one's link is revoked from its own row.
      return `The request ${row.id} grants no access itself: revoke the link it issued${row.linkId ? ` (${row.linkId})` : ''} instead.`;
  }
}

/** Revokes one row with the inquiry actions: a link with links.revoke, a session with inquiries.expireSessions. */
export function RevokeRowDialog({ row, onClose }: { row: AccessRow; onClose: () => void }) {
  const trpc = useTRPC();
  const notify = useNotify();
  const refresh = useRefreshAccess();
  const revokeLink = useMutation(trpc.links.revoke.mutationOptions());
  const expireSession = useMutation(trpc.inquiries.expireSessions.mutationOptions());
  const confirm = async (reason: string) => {
    try {
      if (row.linkId) {
        const result = await revokeLink.mutateAsync({ linkId: row.linkId, reason });
        notify(`Revoked ${result.linkId}${result.sessionExpired ? ' and expired its session' : ''}.`);
      } else if (row.sessionId) {
        await expireSession.mutateAsync({ inquiryId: row.inquiryId, sessionId: row.sessionId, reason });
        notify(`Expired session ${row.sessionId}.`);
      }
      onClose();
    } finally {
      // Done or refused (ended meanwhile, not yours): either way the rows on screen are stale.
      void refresh();
    }
  };
  return (
    <ConfirmDialog title={`Revoke ${ACCESS_KIND_LABELS[row.kind].toLowerCase()}`} confirmLabel="Revoke" confirmColor="error" onConfirm={confirm} onClose={onClose}>
      <Typography variant="body2">{consequence(row)}</Typography>
    </ConfirmDialog>
  );
}

export interface BulkRevokeDialogProps {
  filter: AccessFilter;
  /** The filters in words ("kind Token link, state live"), or empty for everything. */
  described: string[];
  onClose: () => void;
}

/**
 * Revokes every row of the filter that revoking would end now. It first shows the exact count (access.revokePreview)
 * and sends that count with the request: if the set has changed since, the server refuses and the new count shows.
 */
export function BulkRevokeDialog({ filter, described, onClose }: BulkRevokeDialogProps) {
  const trpc = useTRPC();
  const notify = useNotify();
  const refresh = useRefreshAccess();
  const idempotencyKey = useIdempotencyKey();
  const preview = useQuery(trpc.access.revokePreview.queryOptions(filter, { staleTime: 0, gcTime: 0 }));
  const revoke = useMutation(trpc.access.revokeMatching.mutationOptions());
  const count = preview.data?.count ?? 0;
  const ready = preview.data !== undefined && !preview.isFetching && count > 0 && !preview.data.tooMany;

  // A run longer than its request goes on in the server's background: the dialog then shows how far it is.
  const [running, setRunning] = useState<RevokeMatchingOutput | null>(null);

  const confirm = async (reason: string) => {
    try {
      const result = await revoke.mutateAsync({ ...filter, expectedCount: count, reason, idempotencyKey });
      if (result.status === 'running') {
        setRunning(result);
        return;
      }
      notify(outcomeMessage(result));
      onClose();
    } catch (error) {
      // The set changed since the count was shown: show the count as it is now, to confirm again.
      if (errorCodeOf(error) === 'CONFLICT') void preview.refetch();
      throw error;
    } finally {
      void refresh();
    }
  };

  if (running) return <BulkRevokeProgress first={running} idempotencyKey={idempotencyKey} onClose={onClose} />;

  let body;
  if (preview.isError) body = <Alert severity="error">{errorMessageOf(preview.error)}</Alert>;
  else if (!preview.data) body = <Skeleton variant="rounded" height={48} aria-label="Counting the matching rows" />;
  else if (preview.data.tooMany) {
    body = <Alert severity="warning">More than {number.format(preview.data.max)} rows match. Narrow the filter (a period, a kind, an issuer) and revoke in parts.</Alert>;
  } else if (count === 0) {
    body = <Alert severity="info">Nothing matching these filters is live: there is nothing to revoke.</Alert>;
  } else {
    body = (
      <>
        <Typography variant="body1" sx={{ fontWeight: 600 }} aria-live="polite">
          This revokes exactly {rows(count)}:{' '}
          {preview.data.byKind.map((k) => `${number.format(k.count)} ${ACCESS_KIND_LABELS[k.kind].toLowerCase()}`).join(', ')}.
        </Typography>
        <Typography variant="body2">
          Matching {described.length > 0 ? described.join(', ') : 'everything you may revoke'}. Each session expires and each link stops opening its inquiry at
          once; whoever holds them is locked out. One audit event records the filter, the count and your reason.
        </Typography>
      </>
    );
  }

  return (
    <ConfirmDialog title="Revoke all matching" confirmLabel={ready ? `Revoke ${rows(count)}` : 'Revoke'} confirmColor="error" canConfirm={ready} onConfirm={confirm} onClose={onClose}>
      {body}
    </ConfirmDialog>
  );
}

/** How a bulk revocation ended, in one sentence for the toast. */
function outcomeMessage(result: RevokeMatchingOutput): string {
  const done = `${rows(result.revoked ?? 0)} of ${number.format(result.count)}`;
  switch (result.status) {
    case 'done':
      return `Revoked ${done}${result.skipped ? ` (${number.format(result.skipped)} had ended meanwhile)` : ''}.`;
    case 'failed':
      return `That revocation stopped on an error after revoking ${done}. Open Revoke all matching again to revoke the rest.`;
    case 'interrupted':
      return `That revocation was interrupted (the server stopped) after revoking ${done}. Open Revoke all matching again to revoke the rest.`;
    case 'running':
      return `Revoking: ${done} so far. It goes on in the background.`;
  }
}

/** How often the dialog asks how far a background revocation is. */
const PROGRESS_POLL_MS = 1_500;

/**
 * A bulk revocation going on in the server's background (with Persona, paced by its rate limit of about 300 calls a
 * minute): how far it is, asked every PROGRESS_POLL_MS; closing the dialog does not stop it. When it ends, the toast
 * says how, and the dialog closes.
 */
function BulkRevokeProgress({ first, idempotencyKey, onClose }: { first: RevokeMatchingOutput; idempotencyKey: string; onClose: () => void }) {
  const trpc = useTRPC();
  const notify = useNotify();
  const refresh = useRefreshAccess();
  const status = useQuery(
    trpc.access.revokeStatus.queryOptions(
      { idempotencyKey },
      // Until it ends; an error (shown below) stops the asking.
      { refetchInterval: (query) => (query.state.error === null && (query.state.data?.status ?? 'running') === 'running' ? PROGRESS_POLL_MS : false), gcTime: 0 },
    ),
  );
  const now = status.data ?? first;
  const ended = now.status !== 'running';
  useEffect(() => {
    if (!ended) return;
    notify(outcomeMessage(now));
    void refresh();
    onClose();
  }, [ended, now, notify, refresh, onClose]);
  const revoked = now.revoked ?? 0;
  const percent = now.count > 0 ? Math.round((revoked / now.count) * 100) : 0;
  return (
    <DialogFrame title="Revoking all matching" error={status.error} keepOnBackdropClick onClose={onClose} actions={<Button onClick={onClose}>Close</Button>}>
      <Typography variant="body1" sx={{ fontWeight: 600 }} aria-live="polite">
        {number.format(revoked)} of {rows(now.count)} revoked{now.skipped ? ` (${number.format(now.skipped)} had ended meanwhile)` : ''}.
      </Typography>
      <LinearProgress variant="determinate" value={percent} aria-label="Revocation progress" />
      <Typography variant="body2">
        The rest goes on in the server&apos;s background (with Persona, at the pace its rate limit allows); closing this window does not stop it. The access report
        shows rows as they end.
      </Typography>
    </DialogFrame>
  );
}
