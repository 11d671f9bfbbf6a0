import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TokenLinkRequest } from '@shared/token-link-approvals.js';
import { useCallback, useState } from 'react';
import { Link as RouterLink } from 'react-router';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ExpiryText } from '../../components/ExpiryText';
import { useNotify } from '../../components/notifications';
import { OneTimeSecret } from '../../components/OneTimeSecret';
import { RelativeTime } from '../../components/RelativeTime';
import { useTRPC } from '../../lib/trpc';
import { MONOSPACE } from '../../theme/theme';
import { ReasonTooltip } from '../auth/PermissionTooltip';
import { usePermissions } from '../auth/usePermissions';
import { ActionDialog } from '../inquiries/actions/ActionDialog';
import { SECRET_MUTATION_OPTIONS, useForgetMutation } from '../inquiries/actions/hooks';

/**
 * The two-person rule for token links (docs/two-person-rule.md), on the Access page: compliance and admins see the
 * requests waiting for a second person and approve or reject them with a reason; whoever asked for token links sees
 * their own requests and collects an approved link once. Shown only while the rule is on or requests exist.
 */
export function TokenLinkRequestsPanel() {
  const { can, onlyOwn } = usePermissions();
  // Support holds access:revoke for their own records only, which decides nothing: they see their requests below.
  const approver = can('access:revoke') && !onlyOwn('access:revoke');
  return (
    <>
      {approver ? <Approvals /> : null}
      {can('link:token') ? <MyRequests /> : null}
    </>
  );
}

const caption = { variant: 'caption', color: 'text.secondary', component: 'div' } as const;

function useRefreshRequests() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useCallback(
    () =>
      Promise.all([
        queryClient.invalidateQueries(trpc.links.approvals.pathFilter()),
        queryClient.invalidateQueries(trpc.links.myRequests.pathFilter()),
        queryClient.invalidateQueries(trpc.access.pathFilter()),
      ]),
    [queryClient, trpc],
  );
}

/** What was asked: the inquiry, by whom, why, for how long. */
function RequestSummary({ request }: { request: TokenLinkRequest }) {
  return (
    <Stack spacing={0.25} sx={{ minWidth: 0, flexGrow: 1 }}>
      <Typography variant="body2">
        <Link component={RouterLink} to={`/inquiries/${request.inquiryId}`} sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
          {request.inquiryId}
        </Link>{' '}
        — a {request.expiresInMinutes}-minute token link for {request.requestedBy.display}
      </Typography>
      <Typography {...caption}>
        ticket {request.ticket} · {request.reason}
      </Typography>
      <Typography {...caption}>
        <span style={{ fontFamily: MONOSPACE }}>{request.id}</span> · asked <RelativeTime value={request.createdAt} variant="caption" />
        {request.acknowledgedExpired ? ' · reopens an expired inquiry' : ''}
        {request.acknowledgedOutdated ? ' · on an outdated version' : ''}
      </Typography>
    </Stack>
  );
}

type Decision = { request: TokenLinkRequest; kind: 'approve' | 'reject' };

/** Requests waiting for a second person: Approve or Reject, each with a reason. */
function Approvals() {
  const trpc = useTRPC();
  const notify = useNotify();
  const refresh = useRefreshRequests();
  const approvals = useQuery(trpc.links.approvals.queryOptions(undefined, { refetchInterval: 30_000 }));
  const approve = useMutation(trpc.links.approve.mutationOptions());
  const reject = useMutation(trpc.links.reject.mutationOptions());
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const data = approvals.data;
  if (!data || (data.mode === 'off' && data.items.length === 0)) return null;

  const confirm = async (reason: string) => {
    if (!deciding) return;
    const { request, kind } = deciding;
    try {
      if (kind === 'approve') {
        const result = await approve.mutateAsync({ requestId: request.id, reason });
        notify(`Approved: ${result.linkId} issued to ${request.requestedBy.display}${result.lifetimeShortened ? ', shortened to what the inquiry allows now' : ''}.`);
      } else {
        await reject.mutateAsync({ requestId: request.id, reason });
        notify(`Rejected ${request.id}.`);
      }
      setDeciding(null);
    } finally {
      // Decided, or refused (decided or expired meanwhile): either way the list is stale.
      void refresh();
    }
  };

  return (
    <Paper variant="outlined" component="section" aria-labelledby="token-link-approvals" sx={{ p: 1.5 }}>
      <Typography id="token-link-approvals" variant="h2" sx={{ fontSize: 18, mb: 1 }}>
        Token link requests waiting for approval
      </Typography>
      {data.items.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          Nothing waiting. Token links need a second person: requests appear here until someone decides them or they expire.
        </Typography>
      ) : (
        <Stack component="ul" spacing={1.5} sx={{ listStyle: 'none', m: 0, p: 0 }}>
          {data.items.map((request) => (
            <Stack component="li" key={request.id} direction="row" spacing={1.5} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
              <RequestSummary request={request} />
              <Typography {...caption}>
                request expires <ExpiryText expiresAt={request.expiresAt} variant="caption" />
              </Typography>
              <ReasonTooltip reason={request.cannotDecideBecause}>
                <Button
                  size="small"
                  variant="contained"
                  color="warning"
                  disabled={!request.canDecide}
                  onClick={() => setDeciding({ request, kind: 'approve' })}
                  aria-label={`Approve ${request.id}`}
                >
                  Approve
                </Button>
              </ReasonTooltip>
              <ReasonTooltip reason={request.cannotDecideBecause}>
                <Button size="small" color="error" disabled={!request.canDecide} onClick={() => setDeciding({ request, kind: 'reject' })} aria-label={`Reject ${request.id}`}>
                  Reject
                </Button>
              </ReasonTooltip>
            </Stack>
          ))}
        </Stack>
      )}
      {deciding ? (
        <ConfirmDialog
          key={`${deciding.kind}-${deciding.request.id}`}
          title={deciding.kind === 'approve' ? 'Approve token link' : 'Reject token link request'}
          confirmLabel={deciding.kind === 'approve' ? 'Approve' : 'Reject'}
          confirmColor={deciding.kind === 'approve' ? 'warning' : 'error'}
          onConfirm={confirm}
          onClose={() => setDeciding(null)}
        >
          <Typography variant="body2">
            {deciding.kind === 'approve'
              ? `${deciding.request.requestedBy.display} gets a link that opens ${deciding.request.inquiryId} for anyone holding it, for up to ${deciding.request.expiresInMinutes} minutes. The guards are checked again now; you never see the link.`
              : `${deciding.request.requestedBy.display} gets no link for ${deciding.request.inquiryId}; they can ask again.`}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            Their reason: {deciding.request.reason} (ticket {deciding.request.ticket})
          </Typography>
        </ConfirmDialog>
      ) : null}
    </Paper>
  );
}

const STATE_LABEL: Record<TokenLinkRequest['state'], string> = { pending: 'Waiting for approval', approved: 'Approved', rejected: 'Rejected', expired: 'Expired' };

function RequestState({ request }: { request: TokenLinkRequest & { collectable: boolean } }) {
  const decided = request.decidedBy ? ` by ${request.decidedBy}` : '';
  return (
    <Stack spacing={0.25} sx={{ alignItems: 'flex-start' }}>
      <Chip size="small" label={STATE_LABEL[request.state]} color={request.state === 'approved' ? 'success' : request.state === 'pending' ? 'warning' : 'default'} variant="outlined" />
      {request.state === 'pending' ? (
        <Typography {...caption}>
          expires <ExpiryText expiresAt={request.expiresAt} variant="caption" />
        </Typography>
      ) : null}
      {request.state === 'approved' || request.state === 'rejected' ? (
        <Typography {...caption}>
          {request.state}
          {decided}: {request.decisionReason}
        </Typography>
      ) : null}
      {request.state === 'approved' && request.collectedAt ? (
        <RelativeTime value={request.collectedAt} variant="caption" format={(t) => `collected ${t}`} />
      ) : null}
      {request.state === 'approved' && !request.collectedAt && !request.linkLive ? <Typography {...caption}>the link has ended</Typography> : null}
    </Stack>
  );
}

/** The signed-in person's requests, and Collect for an approved link not yet shown. */
function MyRequests() {
  const trpc = useTRPC();
  const mine = useQuery(
    trpc.links.myRequests.queryOptions(undefined, {
      // While something waits for a decision, look again now and then: the approval shows up without a reload.
      refetchInterval: (query) => (query.state.data?.items.some((r) => r.state === 'pending') ? 15_000 : false),
    }),
  );
  const [collecting, setCollecting] = useState<TokenLinkRequest | null>(null);
  const data = mine.data;
  if (!data || (data.mode === 'off' && data.items.length === 0)) return null;
  return (
    <Paper variant="outlined" component="section" aria-labelledby="my-token-link-requests" sx={{ p: 1.5 }}>
      <Typography id="my-token-link-requests" variant="h2" sx={{ fontSize: 18, mb: 1 }}>
        Your token link requests
      </Typography>
      {data.mode === 'required' ? (
        <Alert severity="info" sx={{ mb: 1 }}>
          Token links need a second person: compliance or an admin approves each request. An approved link is shown to you once, here.
        </Alert>
      ) : null}
      {data.items.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          You have not asked for a token link yet.
        </Typography>
      ) : (
        <Stack component="ul" spacing={1.5} sx={{ listStyle: 'none', m: 0, p: 0 }}>
          {data.items.map((request) => (
            <Stack component="li" key={request.id} direction="row" spacing={1.5} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
              <RequestSummary request={request} />
              <RequestState request={request} />
              {request.collectable ? (
                <Button size="small" variant="contained" onClick={() => setCollecting(request)} aria-label={`Collect the link of ${request.id}`}>
                  Collect link
                </Button>
              ) : null}
            </Stack>
          ))}
        </Stack>
      )}
      {collecting ? <CollectDialog key={collecting.id} request={collecting} onClose={() => setCollecting(null)} /> : null}
    </Paper>
  );
}

/** Shows the approved link once: asked for on purpose, copied at once, forgotten on close. */
export function CollectDialog({ request, onClose }: { request: TokenLinkRequest; onClose: () => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshRequests();
  const options = trpc.links.collect.mutationOptions();
  const collect = useMutation({ ...options, ...SECRET_MUTATION_OPTIONS, onSettled: () => void refresh() });
  const forget = useForgetMutation(collect, options.mutationKey);
  const result = collect.data;
  return (
    <ActionDialog
      title="Collect token link"
      submitLabel="Show and copy link"
      submitColor="warning"
      canSubmit
      pending={collect.isPending}
      error={collect.error}
      onSubmit={() => collect.mutate({ requestId: request.id })}
      result={
        result ? (
          <>
            <Alert severity="warning" role="note">
              This link carries a session token: anyone holding it can open {request.inquiryId} until it expires. Send it only over a secure channel, and
              revoke it from the access report if it goes astray.
            </Alert>
            <OneTimeSecret
              label="Link with session token"
              value={result.url}
              autoFocus
              autoCopy
              note="This link is shown only now and cannot be collected again: it contains the session token, which is never stored. Copy it before you close this dialog."
            />
            <Typography variant="body2">
              Link <span style={{ fontFamily: MONOSPACE }}>{result.linkId}</span>, expires <ExpiryText expiresAt={result.expiresAt} variant="body2" />
            </Typography>
          </>
        ) : null
      }
      onClose={() => {
        forget();
        onClose();
      }}
    >
      <Typography variant="body2">
        {request.decidedBy ?? 'A second person'} approved your token link for {request.inquiryId}. It is shown once: have the channel to the customer ready, then show
        and copy it.
      </Typography>
    </ActionDialog>
  );
}
