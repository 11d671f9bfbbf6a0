import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import type { QuickView } from '../../../../shared/inquiries.js';
import { STATUSES, statusLabel } from '../../../../shared/statuses.js';
import type { RouterOutputs } from '../../lib/trpc';
import { useOverview } from './hooks';
import { PARAM } from './listParams';

type Overview = RouterOutputs['inquiries']['overview'];

const number = new Intl.NumberFormat();

function Stat({ label, value, hint, to, tone }: { label: string; value: string; hint: string; to?: string; tone?: 'warning' | 'error' | undefined }) {
  const figure = (
    <Typography variant="h2" component="p" sx={{ fontVariantNumeric: 'tabular-nums', color: tone ? `${tone}.main` : 'text.primary' }}>
      {value}
    </Typography>
  );
  return (
    <Tooltip title={hint} describeChild>
      <Stack sx={{ minWidth: 120 }}>
        <Typography variant="caption" color="text.secondary" sx={{ textTransform: 'uppercase', letterSpacing: 0.4 }}>
          {label}
        </Typography>
        {to ? (
          <Link component={RouterLink} to={to} underline="hover" color="inherit" aria-label={`${label}: ${value} — show them`}>
            {figure}
          </Link>
        ) : (
          figure
        )}
      </Stack>
    </Tooltip>
  );
}

function viewLink(view: QuickView) {
  return `/inquiries?${PARAM.view}=${view}`;
}

function StatusCounts({ overview }: { overview: Overview }) {
  const approx = overview.countsExact ? '' : '≈';
  // Known statuses first in lifecycle order, then anything new the vendor added.
  const known = STATUSES.flatMap((status) => overview.byStatus.filter((s) => s.status === status));
  const unknown = overview.byStatus.filter((s) => !(STATUSES as readonly string[]).includes(s.status));
  const rows = [...known, ...unknown];
  if (rows.length === 0) return <Typography color="text.secondary">No inquiries yet</Typography>;
  return (
    <Stack direction="row" spacing={2} useFlexGap sx={{ flexWrap: 'wrap', flex: 1, minWidth: 0 }} aria-label="Inquiries by status">
      {rows.map((row) => (
        <Typography key={row.status} variant="body2" component="span" sx={{ whiteSpace: 'nowrap' }}>
          <Typography component="span" variant="body2" color="text.secondary">
            {statusLabel(row.status)}
          </Typography>{' '}
          <strong style={{ fontVariantNumeric: 'tabular-nums' }}>
            {approx}
            {number.format(row.count)}
          </strong>
        </Typography>
      ))}
      {!overview.countsExact ? (
        <Typography variant="caption" color="text.secondary">
          ≈ estimated from table statistics
        </Typography>
      ) : null}
    </Stack>
  );
}

/** A glance at what needs attention, above the list. Each open-inquiry figure leads to its quick view. */
export function OverviewStrip() {
  const overview = useOverview();
  return (
    <Paper variant="outlined" component="section" aria-label="Overview" sx={{ p: 2 }}>
      {overview.isPending ? (
        <Stack direction="row" spacing={4}>
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} variant="rounded" width={120} height={44} />
          ))}
        </Stack>
      ) : overview.isError ? (
        <Typography color="text.secondary" variant="body2">
          Overview unavailable: {overview.error.message}
        </Typography>
      ) : (
        <Stack direction={{ xs: 'column', lg: 'row' }} spacing={{ xs: 2, lg: 4 }} sx={{ alignItems: { lg: 'center' } }}>
          <Stack direction="row" spacing={4} useFlexGap sx={{ flexWrap: 'wrap', flexShrink: 0 }}>
            <Stat
              label="Stuck"
              value={number.format(overview.data.stuck)}
              hint="Pending, not expired, no live session: the end user cannot get back in alone"
              to={viewLink('stuck')}
              tone={overview.data.stuck > 0 ? 'error' : undefined}
            />
            <Stat
              label="Expiring in 24 h"
              value={number.format(overview.data.expiringWithin24h)}
              hint="Open inquiries whose time runs out within a day"
              to={viewLink('expiring_24h')}
              tone={overview.data.expiringWithin24h > 0 ? 'warning' : undefined}
            />
            <Stat
              label="Open on outdated versions"
              value={number.format(overview.data.openOnOutdatedVersion)}
              hint="Created or pending inquiries pinned to an older template version"
              to={viewLink('outdated')}
              tone={overview.data.openOnOutdatedVersion > 0 ? 'warning' : undefined}
            />
          </Stack>
          <StatusCounts overview={overview.data} />
        </Stack>
      )}
    </Paper>
  );
}
