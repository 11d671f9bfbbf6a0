import DownloadIcon from '@mui/icons-material/Download';
import Alert from '@mui/material/Alert';
import Badge from '@mui/material/Badge';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { AccessRow } from '@shared/access.js';
import { accessExportUrl } from '@shared/exports.js';
import { useMemo, useState } from 'react';
import { EmptyState, ErrorState } from '../../components/states';
import { PermissionTooltip } from '../auth/PermissionTooltip';
import { usePermissions } from '../auth/usePermissions';
import { AccessFilters } from './AccessFilters';
import { clearFilters, describeFilters, hasFilters, isLiveTokenLinks, LIVE_TOKEN_LINKS, PAGE_SIZES, toFilter } from './accessParams';
import { AccessTable } from './AccessTable';
import { useAccessList, useAccessState, useLiveTokenLinkCount } from './hooks';
import { OutliersPanel } from './OutliersPanel';
import { BulkRevokeDialog, RevokeRowDialog } from './RevokeDialogs';
import { TokenLinkRequestsPanel } from './TokenLinkRequestsPanel';

const number = new Intl.NumberFormat();

/**
 * The session-bearing access report (docs/access-report.md): every session token and link issued — who issued
 * access to which inquiry, when, why, whether it was used and whether it is still live — with revocation of one row
 * or of everything a filter matches. Compliance and admins see everything; support what they issued.
 */
export default function AccessPage() {
  const [state, update] = useAccessState();
  const list = useAccessList(state);
  const liveTokenLinks = useLiveTokenLinkCount();
  const [revoking, setRevoking] = useState<AccessRow | null>(null);
  const [bulk, setBulk] = useState(false);
  const filter = useMemo(() => toFilter(state), [state]);
  const permissions = usePermissions();
  const ownOnly = permissions.onlyOwn('access:read');
  // Exports are for compliance and admins (audit:export); other roles never see the buttons.
  const canExport = permissions.can('audit:export');
  const onIssuer = ownOnly ? null : (issuer: string) => update({ issuer });
  const page = state.cursors.length;
  const items = list.data?.items ?? [];
  const first = page * state.pageSize + 1;
  const total = list.data ? `${list.data.totalExact ? '' : 'at least '}${number.format(list.data.total)}` : null;

  let body;
  if (list.isError) {
    body = (
      <ErrorState
        title="Could not load the access report"
        error={list.error}
        onRetry={() => void list.refetch()}
        action={
          hasFilters(state) ? (
            <Button color="inherit" size="small" onClick={() => update(clearFilters)}>
              Clear filters
            </Button>
          ) : null
        }
      />
    );
  } else if (list.data && items.length === 0 && !list.isPlaceholderData) {
    const described = describeFilters(state);
    body = (
      <EmptyState
        title={described.length > 0 ? 'Nothing issued matches these filters' : 'Nothing issued yet'}
        description={described.length > 0 ? `Nothing matched ${described.join(', ')}.` : 'Resumes, one-time links and token links appear here as soon as they are issued.'}
        action={
          described.length > 0 ? (
            <Button variant="contained" onClick={() => update(clearFilters)}>
              Clear filters
            </Button>
          ) : undefined
        }
      />
    );
  } else {
    body = <AccessTable rows={items} onIssuer={onIssuer} onRevoke={setRevoking} />;
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'baseline', justifyContent: 'space-between' }}>
        <Typography variant="h1">Access report</Typography>
        {total !== null ? (
          <Typography variant="body2" color="text.secondary" aria-live="polite">
            {total} issued
          </Typography>
        ) : null}
      </Stack>
      <Typography variant="body2" color="text.secondary">
        Every session token and link issued: who issued access to which inquiry, when and why, whether the hosted flow saw it used, and whether it still opens
        the inquiry. Never the token itself: the fingerprint identifies it in the audit log.
      </Typography>
      {ownOnly ? <Alert severity="info">You see the access you issued, and sessions handed to you again.</Alert> : null}
      <TokenLinkRequestsPanel />

      <Stack direction="row" spacing={1.5} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
        <ToggleButtonGroup exclusive size="small" color="primary" aria-label="Quick views" value={isLiveTokenLinks(state) ? 'live_token_links' : hasFilters(state) ? null : 'all'}>
          <ToggleButton value="all" sx={{ textTransform: 'none', px: 1.5 }} onClick={() => update(clearFilters)}>
            Everything issued
          </ToggleButton>
          <ToggleButton value="live_token_links" sx={{ textTransform: 'none', px: 1.5 }} onClick={() => update({ ...clearFilters(state), ...LIVE_TOKEN_LINKS })}>
            <Badge color="warning" badgeContent={liveTokenLinks?.value ?? 0} max={999} sx={{ '& .MuiBadge-badge': { position: 'relative', transform: 'none', ml: 1 } }}>
              Live token links
            </Badge>
          </ToggleButton>
        </ToggleButtonGroup>
      </Stack>
      <AccessFilters state={state} update={update} ownOnly={ownOnly} />
      <OutliersPanel onIssuer={onIssuer} />

      <Paper variant="outlined">
        <Stack direction="row" spacing={1.5} useFlexGap sx={{ p: 1.5, alignItems: 'center', flexWrap: 'wrap' }}>
          <PermissionTooltip permission="access:revoke" action="revoke access">
            {({ allowed }) => (
              <Button color="error" variant="outlined" size="small" disabled={!allowed || !list.data || list.data.total === 0} onClick={() => setBulk(true)}>
                Revoke all matching…
              </Button>
            )}
          </PermissionTooltip>
          {canExport ? (
            <>
              {/* Every row the filters match, not only this page (docs/access-report.md, "Exports"). */}
              <Button size="small" startIcon={<DownloadIcon />} href={accessExportUrl('csv', filter)} download>
                Export CSV
              </Button>
              <Button size="small" startIcon={<DownloadIcon />} href={accessExportUrl('jsonl', filter)} download>
                Export JSONL
              </Button>
            </>
          ) : null}
          <Box sx={{ flexGrow: 1 }} />
          <TextField
            select
            size="small"
            label="Rows"
            value={state.pageSize}
            onChange={(event) => update({ pageSize: Number(event.target.value) })}
            sx={{ width: 90 }}
          >
            {PAGE_SIZES.map((size) => (
              <MenuItem key={size} value={size}>
                {size}
              </MenuItem>
            ))}
          </TextField>
          <Typography variant="body2" color="text.secondary">
            {items.length > 0 ? `${number.format(first)}–${number.format(first + items.length - 1)}${total !== null ? ` of ${total}` : ''}` : ''}
          </Typography>
          <Button size="small" disabled={page === 0} onClick={() => update((s) => ({ ...s, cursors: s.cursors.slice(0, -1) }))}>
            Previous
          </Button>
          <Button
            size="small"
            disabled={!list.data?.nextCursor || list.isPlaceholderData}
            onClick={() => {
              const next = list.data?.nextCursor;
              if (next) update((s) => ({ ...s, cursors: [...s.cursors, next] }));
            }}
          >
            Next
          </Button>
        </Stack>
        {body}
      </Paper>

      {revoking ? <RevokeRowDialog key={revoking.id} row={revoking} onClose={() => setRevoking(null)} /> : null}
      {bulk ? <BulkRevokeDialog filter={filter} described={describeFilters(state)} onClose={() => setBulk(false)} /> : null}
    </Stack>
  );
}
