import Button from '@mui/material/Button';
import Chip, { type ChipProps } from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { ACCESS_KIND_LABELS, type AccessRow, type AccessState } from '@shared/access.js';
import { Link as RouterLink } from 'react-router';
import { ExpiryText } from '../../components/ExpiryText';
import { RelativeTime } from '../../components/RelativeTime';
import { VisuallyHidden } from '../../components/VisuallyHidden';
import { MONOSPACE } from '../../theme/theme';
import { ReasonTooltip } from '../auth/PermissionTooltip';
import { usePermissions } from '../auth/usePermissions';
import { STATE_LABELS } from './accessParams';

const STATE_COLORS: Record<AccessState, ChipProps['color']> = {
  live: 'success',
  used: 'info',
  expired: 'default',
  revoked: 'error',
  pending: 'warning',
  approved: 'info',
  rejected: 'default',
};

export function StateChip({ state }: { state: AccessState }) {
  return <Chip size="small" label={STATE_LABELS[state]} color={STATE_COLORS[state]} variant={state === 'live' ? 'filled' : 'outlined'} />;
}

const caption = { variant: 'caption', color: 'text.secondary', component: 'div' } as const;

function Issued({ row }: { row: AccessRow }) {
  return (
    <>
      <Typography variant="body2" color={row.kind === 'token_link' ? 'warning.main' : undefined} sx={{ fontWeight: 600 }}>
        {ACCESS_KIND_LABELS[row.kind]}
      </Typography>
      <RelativeTime value={row.issuedAt} variant="caption" />
      {row.reusedSession ? <Typography {...caption}>a reused session, handed out again</Typography> : null}
      {row.note ? <Typography {...caption}>{row.note}</Typography> : null}
      {row.approvedBy && row.kind === 'token_link' ? <Typography {...caption}>approved by {row.approvedBy}</Typography> : null}
    </>
  );
}

function IssuedBy({ row, onIssuer }: { row: AccessRow; onIssuer: ((issuer: string) => void) | null }) {
  const name = row.issuedBy ?? row.issuer.id ?? '—';
  const issuerId = row.issuer.id;
  return (
    <>
      {onIssuer && issuerId ? (
        <Link component="button" type="button" variant="body2" onClick={() => onIssuer(issuerId)} title={`Only what ${name} issued`} sx={{ textAlign: 'left' }}>
          {name}
        </Link>
      ) : (
        <Typography variant="body2">{name}</Typography>
      )}
      {row.ticket ? <Typography {...caption}>ticket {row.ticket}</Typography> : null}
      {row.reason ? <Typography {...caption}>{row.reason}</Typography> : null}
    </>
  );
}

function StateCell({ row }: { row: AccessRow }) {
  return (
    <>
      <StateChip state={row.state} />
      <div>
        {row.state === 'revoked' ? (
          <RelativeTime value={row.revokedAt} variant="caption" format={(t) => `revoked ${t}`} />
        ) : (
          <ExpiryText expiresAt={row.expiresAt} variant="caption" muted={row.state !== 'live'} />
        )}
      </div>
    </>
  );
}

function Use({ row }: { row: AccessRow }) {
  if (!row.firstUsedAt && !row.lastUsedAt) return <Typography {...caption}>not used</Typography>;
  return (
    <>
      {row.firstUsedAt ? (
        <div>
          <RelativeTime value={row.firstUsedAt} variant="caption" format={(t) => `first ${t}`} />
        </div>
      ) : null}
      {row.lastUsedAt ? (
        <div>
          <RelativeTime value={row.lastUsedAt} variant="caption" format={(t) => `last ${t}`} />
        </div>
      ) : null}
      {row.useCount ? <Typography {...caption}>link opened {row.useCount}×</Typography> : null}
    </>
  );
}

function VersionGap({ row }: { row: AccessRow }) {
  if (row.versionNumber === null || row.latestVersionNumber === null) return <Typography {...caption}>—</Typography>;
  const gap = row.versionGap ?? 0;
  return (
    <Typography variant="body2" color={gap > 0 ? 'warning.main' : undefined} title="The inquiry's version and its template's latest when this was issued">
      v{row.versionNumber} of v{row.latestVersionNumber}
      {gap > 0 ? ` (${gap} behind)` : ''}
    </Typography>
  );
}

export interface AccessTableProps {
  rows: readonly AccessRow[];
  /** Filter by an issuer (compliance); null when the person sees only their own rows. */
  onIssuer: ((issuer: string) => void) | null;
  onRevoke: (row: AccessRow) => void;
}

/** The report's rows: what was issued, for which inquiry, by whom and why, its state, its use, and Revoke. */
export function AccessTable({ rows, onIssuer, onRevoke }: AccessTableProps) {
  const { denialReason } = usePermissions();
  return (
    <TableContainer>
      <Table size="small" aria-label="Issued access">
        <TableHead>
          <TableRow>
            <TableCell>Issued</TableCell>
            <TableCell>Inquiry</TableCell>
            <TableCell>Issued by, why</TableCell>
            <TableCell>State</TableCell>
            <TableCell>Use</TableCell>
            <TableCell>Version gap</TableCell>
            <TableCell>Fingerprint</TableCell>
            <TableCell align="right">
              <VisuallyHidden>Actions</VisuallyHidden>
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((row) => {
            const denied = denialReason('access:revoke', { ownerId: row.issuer.id, action: 'revoke this' });
            return (
              <TableRow key={row.id} data-row-id={row.id}>
                <TableCell>
                  <Issued row={row} />
                </TableCell>
                <TableCell>
                  <Link component={RouterLink} to={`/inquiries/${row.inquiryId}`} sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
                    {row.inquiryId}
                  </Link>
                </TableCell>
                <TableCell sx={{ maxWidth: 280, overflowWrap: 'anywhere' }}>
                  <IssuedBy row={row} onIssuer={onIssuer} />
                </TableCell>
                <TableCell>
                  <StateCell row={row} />
                </TableCell>
                <TableCell>
                  <Use row={row} />
                </TableCell>
                <TableCell>
                  <VersionGap row={row} />
                </TableCell>
                <TableCell>
                  <Typography variant="caption" sx={{ fontFamily: MONOSPACE }} title="Identifies the token in the audit log">
                    {row.fingerprint ?? '—'}
                  </Typography>
                </TableCell>
                <TableCell align="right">
                  {row.revocable ? (
                    <ReasonTooltip reason={denied}>
                      <Button size="small" color="error" disabled={denied !== null} onClick={() => onRevoke(row)} aria-label={`Revoke ${row.id}`}>
                        Revoke
                      </Button>
                    </ReasonTooltip>
                  ) : null}
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
