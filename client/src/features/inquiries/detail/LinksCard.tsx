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
import { VisuallyHidden } from '../../../components/VisuallyHidden';
import { useTRPC, type RouterOutputs } from '../../../lib/trpc';
import { MONOSPACE } from '../../../theme/theme';
import { useRefreshInquiry } from '../actions/hooks';
import { SectionCard } from './SectionCard';

type Link = RouterOutputs['inquiries']['get']['links'][number];

const KIND_LABELS: Record<Link['kind'], string> = { one_time: 'One-time', token: 'Session token' };
const STATE_COLORS: Record<Link['state'], ChipProps['color']> = { live: 'success', used: 'info', expired: 'default', revoked: 'error' };

/**
 * One link in four columns narrow enough for the card beside the Actions panel: what it is, its state, who issued
 * it and why, and until when — with Revoke always in view at the end.
 */
function LinkRow({ link, onRevoke }: { link: Link; onRevoke: (link: Link) => void }) {
  return (
    <TableRow data-link-id={link.id}>
      <TableCell>
        <Typography variant="body2" color={link.kind === 'token' ? 'warning.main' : undefined} sx={{ fontWeight: 600 }}>
          {KIND_LABELS[link.kind]}
        </Typography>
        <Typography variant="caption" color="text.secondary" sx={{ fontFamily: MONOSPACE, wordBreak: 'break-all' }} component="div">
          {link.id}
        </Typography>
        {link.emailedTo ? (
          <Typography variant="caption" color="text.secondary" component="div">
            Emailed to {link.emailedTo}
          </Typography>
        ) : null}
        {link.tokenFingerprint ? (
          <Typography variant="caption" color="text.secondary" component="div" title="Identifies the token in the audit log">
            fingerprint <span style={{ fontFamily: MONOSPACE }}>{link.tokenFingerprint}</span>
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        <Chip label={link.state} color={STATE_COLORS[link.state]} variant={link.state === 'live' ? 'filled' : 'outlined'} />
        {link.useCount > 0 ? (
          <Typography variant="caption" color="text.secondary" component="div">
            opened {link.useCount}×
          </Typography>
        ) : null}
      </TableCell>
      <TableCell sx={{ overflowWrap: 'anywhere' }}>
        <RelativeTime value={link.createdAt} />
        <Typography variant="caption" color="text.secondary" component="div">
          by {link.issuedBy ?? '—'}
          {link.ticket ? ` · ${link.ticket}` : ''}
        </Typography>
        {link.reason ? (
          <Typography variant="caption" color="text.secondary" component="div">
            {link.reason}
          </Typography>
        ) : null}
      </TableCell>
      <TableCell>
        {link.state === 'revoked' ? (
          <RelativeTime value={link.revokedAt} format={(t) => `revoked ${t}`} />
        ) : (
          <ExpiryText expiresAt={link.expiresAt} muted={link.state !== 'live'} />
        )}
      </TableCell>
      <TableCell align="right" sx={{ pl: 0 }}>
        {link.state === 'live' ? (
          <Button size="small" color="error" onClick={() => onRevoke(link)} aria-label={`Revoke ${link.id}`}>
            Revoke
          </Button>
        ) : null}
      </TableCell>
    </TableRow>
  );
}

/** One-time links and token links issued for this inquiry; live ones can be revoked (the server decides whose). */
export function LinksCard({ inquiryId, links }: { inquiryId: string; links: readonly Link[] }) {
  const trpc = useTRPC();
  const refresh = useRefreshInquiry();
  const notify = useNotify();
  const [revoking, setRevoking] = useState<Link | null>(null);
  const revoke = useMutation(
    trpc.links.revoke.mutationOptions({
      onSuccess: (result) => {
        void refresh(inquiryId);
        setRevoking(null);
        notify(`Revoked ${result.linkId}${result.sessionExpired ? ' and expired its session' : ''}.`);
      },
      // Refused (already ended, not yours): what the card shows was stale, so fetch it again.
      onError: () => void refresh(inquiryId),
    }),
  );
  const live = links.filter((l) => l.state === 'live').length;
  const newestFirst = [...links].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

  return (
    <SectionCard title="Links" subheader={`${live} live of ${links.length}. The link itself is never stored: the fingerprint identifies a token in the audit log.`}>
      {links.length === 0 ? (
        <Typography variant="body2" color="text.secondary">
          No links issued yet.
        </Typography>
      ) : (
        <TableContainer>
          <Table size="small" aria-label="Links">
            <TableHead>
              <TableRow>
                <TableCell>Link</TableCell>
                <TableCell>State</TableCell>
                <TableCell>Issued</TableCell>
                <TableCell>Expires</TableCell>
                <TableCell align="right">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {newestFirst.map((link) => (
                <LinkRow key={link.id} link={link} onRevoke={setRevoking} />
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {revoking ? (
        <ConfirmDialog
          title="Revoke link"
          confirmLabel="Revoke"
          confirmColor="error"
          onConfirm={(reason) => revoke.mutateAsync({ linkId: revoking.id, reason })}
          onClose={() => setRevoking(null)}
        >
          <Typography variant="body2">
            {revoking.kind === 'token'
              ? `The link ${revoking.id} stops opening the inquiry at once, and the session it carries expires.`
              : `The one-time link ${revoking.id} stops opening the inquiry at once.`}{' '}
            The end user will need a new link.
          </Typography>
        </ConfirmDialog>
      ) : null}
    </SectionCard>
  );
}
