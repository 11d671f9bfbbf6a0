import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ApiKey, ApiKeyState } from '@shared/partner.js';
import { ExpiryText } from '../../components/ExpiryText';
import { RelativeTime } from '../../components/RelativeTime';
import { VisuallyHidden } from '../../components/VisuallyHidden';
import { MONOSPACE } from '../../theme/theme';

const number = new Intl.NumberFormat();

const STATE_CHIPS: Record<ApiKeyState, { label: string; color: 'success' | 'default' | 'error' }> = {
  active: { label: 'Active', color: 'success' },
  expired: { label: 'Expired', color: 'default' },
  revoked: { label: 'Revoked', color: 'error' },
};

function StateCell({ apiKey }: { apiKey: ApiKey }) {
  const chip = STATE_CHIPS[apiKey.state];
  return (
    <>
      <Chip size="small" variant="outlined" color={chip.color} label={chip.label} />
      {apiKey.state === 'revoked' ? (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5, maxWidth: 240, overflowWrap: 'anywhere' }}>
          <RelativeTime value={apiKey.revokedAt} variant="caption" />
          {apiKey.revokedBy ? ` by ${apiKey.revokedBy}` : null}
          {apiKey.revokeReason ? `: ${apiKey.revokeReason}` : null}
        </Typography>
      ) : null}
    </>
  );
}

export interface ApiKeysTableProps {
  items: readonly ApiKey[];
  customerName: string;
  onRevoke: (apiKey: ApiKey) => void;
}

/** A customer's keys, live and past; only an active key can be revoked. */
export function ApiKeysTable({ items, customerName, onRevoke }: ApiKeysTableProps) {
  return (
    <TableContainer>
      <Table aria-label={`API keys of ${customerName}`} size="small">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Prefix</TableCell>
            <TableCell>State</TableCell>
            <TableCell align="right">Rate limit</TableCell>
            <TableCell>Reads PII</TableCell>
            <TableCell>Created</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell>Last used</TableCell>
            <TableCell align="right">Calls this week</TableCell>
            <TableCell align="right">
              <VisuallyHidden>Actions</VisuallyHidden>
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {items.map((apiKey) => (
            <TableRow key={apiKey.id} hover sx={{ opacity: apiKey.state === 'active' ? 1 : 0.75 }}>
              <TableCell sx={{ overflowWrap: 'anywhere' }}>{apiKey.name}</TableCell>
              <TableCell sx={{ fontFamily: MONOSPACE, fontSize: 13, whiteSpace: 'nowrap' }}>{apiKey.prefix}…</TableCell>
              <TableCell>
                <StateCell apiKey={apiKey} />
              </TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                {number.format(apiKey.rateLimitPerMinute)}/min
              </TableCell>
              <TableCell>{apiKey.canReadPii ? 'Yes' : 'No'}</TableCell>
              <TableCell>
                <RelativeTime value={apiKey.createdAt} />
                <Typography variant="caption" color="text.secondary" component="div" sx={{ overflowWrap: 'anywhere' }}>
                  by {apiKey.createdBy ?? 'an unknown account'}
                </Typography>
              </TableCell>
              <TableCell>{apiKey.expiresAt ? <ExpiryText expiresAt={apiKey.expiresAt} muted={apiKey.state === 'revoked'} /> : 'Never'}</TableCell>
              <TableCell>
                <RelativeTime value={apiKey.lastUsedAt} empty="Never" />
              </TableCell>
              <TableCell align="right">{number.format(apiKey.callsThisWeek)}</TableCell>
              <TableCell align="right">
                {apiKey.state === 'active' ? (
                  <Button size="small" color="error" aria-label={`Revoke key ${apiKey.name}`} onClick={() => onRevoke(apiKey)}>
                    Revoke
                  </Button>
                ) : null}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
