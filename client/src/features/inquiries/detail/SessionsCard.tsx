import Button from '@mui/material/Button';
import Chip, { type ChipProps } from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { ExpiryText } from '../../../components/ExpiryText';
import { useNotify } from '../../../components/notifications';
import { RelativeTime } from '../../../components/RelativeTime';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { MONOSPACE } from '../../../theme/theme';
import { useRefreshInquiry } from '../actions/hooks';
import { SectionCard } from './SectionCard';

type Session = RouterOutputs['inquiries']['get']['sessions'][number];

const STATE_COLORS: Record<Session['state'], ChipProps['color']> = { live: 'success', expired: 'default', revoked: 'error' };
const ISSUER_LABELS: Record<string, string> = { end_user: 'End user', staff: 'Staff', partner: 'Partner API', system: 'System' };

/** Expires the live sessions this person may expire (support: their own; the server decides). */
function ExpireSessionsButton({ inquiryId, liveCount }: { inquiryId: string; liveCount: number }) {
  const trpc = useTRPC();
  const refresh = useRefreshInquiry();
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const expire = useMutation(
    trpc.inquiries.expireSessions.mutationOptions({
      onSuccess: ({ expired }) => {
        void refresh(inquiryId);
        setOpen(false);
        notify(`Expired ${expired} ${expired === 1 ? 'session' : 'sessions'}.`);
      },
      // Refused (already ended, not yours): what the card shows was stale, so fetch it again.
      onError: () => void refresh(inquiryId),
    }),
  );
  return (
    <>
      <Button size="small" color="error" disabled={liveCount === 0} onClick={() => setOpen(true)}>
        Expire sessions
      </Button>
      {open ? (
        <ConfirmDialog
          title="Expire sessions"
          confirmLabel="Expire sessions"
          confirmColor="error"
          onConfirm={(reason) => expire.mutateAsync({ inquiryId, reason })}
          onClose={() => setOpen(false)}
        >
          <Typography variant="body2">
            Every live session you may expire on this inquiry ends now ({liveCount} live), with the links that carry them. Whoever holds their tokens —
            the end user included — is locked out until someone resumes the inquiry or sends a new link.
          </Typography>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

export function SessionsCard({ inquiryId, sessions }: { inquiryId: string; sessions: readonly Session[] }) {
  const live = sessions.filter((s) => s.state === 'live').length;
  return (
    <SectionCard
      title="Sessions"
      subheader={`${live} live of ${sessions.length} · at most 25 live per inquiry`}
      action={<ExpireSessionsButton inquiryId={inquiryId} liveCount={live} />}
    >
      {sessions.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          No sessions yet. A created inquiry opens without a session token.
        </Typography>
      ) : (
        <TableContainer>
          <Table size="small" aria-label="Sessions">
            <TableHead>
              <TableRow>
                <TableCell>Session</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Created</TableCell>
                <TableCell>Expires</TableCell>
                <TableCell>Issued by</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {sessions.map((session) => (
                <TableRow key={session.id}>
                  <TableCell sx={{ fontFamily: MONOSPACE, fontSize: 12 }}>
                    {session.id}
                    {session.tokenFingerprint ? (
                      <Typography variant="caption" color="text.secondary" component="div" sx={{ fontFamily: MONOSPACE }} title="Token fingerprint">
                        fp {session.tokenFingerprint}
                      </Typography>
                    ) : null}
                  </TableCell>
                  <TableCell>
                    <Chip label={session.state} color={STATE_COLORS[session.state]} variant={session.state === 'live' ? 'filled' : 'outlined'} />
                  </TableCell>
                  <TableCell>
                    <RelativeTime value={session.createdAt} />
                  </TableCell>
                  <TableCell>
                    {session.state === 'revoked' ? (
                      <RelativeTime value={session.revokedAt} format={(t) => `revoked ${t}`} />
                    ) : (
                      <ExpiryText expiresAt={session.expiresAt} muted={session.state !== 'live'} />
                    )}
                  </TableCell>
                  <TableCell>
                    {session.issuedBy ?? ISSUER_LABELS[session.issuedByType] ?? session.issuedByType}
                    {session.reason ? (
                      <Typography variant="caption" color="text.secondary" component="div">
                        {session.reason}
                      </Typography>
                    ) : null}
                    {session.handedTo.map((handout, i) => (
                      // A later resume handed this same session (and its token) out again.
                      <Typography key={i} variant="caption" color="text.secondary" component="div">
                        then handed to {handout.by ?? ISSUER_LABELS[handout.type] ?? handout.type} <RelativeTime value={handout.at} variant="caption" />
                        {handout.reason ? ` · ${handout.reason}` : ''}
                      </Typography>
                    ))}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </SectionCard>
  );
}
