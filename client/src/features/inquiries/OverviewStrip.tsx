import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { Link as RouterLink } from 'react-router';
import type { QuickView } from '@shared/inquiries.js';
import { STATUSES, statusLabel } from '@shared/statuses.js';
import type { RouterOutputs } from '../../lib/trpc';
import { useOverview } from './hooks';
import { PARAM } from './listParams';
import { QUICK_VIEW_TEXT } from './quickViews';

type Overview = RouterOutputs['inquiries']['overview'];

const number = new Intl.NumberFormat();

/** An open-inquiry figure that leads to its quick view, named and explained as the view is. */
function Stat({ view, count, tone }: { view: QuickView; count: number; /** The figure's colour while it is not zero. */ tone: 'warning' | 'error' }) {
  const { label, hint } = QUICK_VIEW_TEXT[view];
  const value = number.format(count);
  const color = count > 0 ? `${tone}.main` : 'text.primary';
  const figure = (
    <Typography variant="h2" component="p" sx={{ fontVariantNumeric: 'tabular-nums', color }}>
      {value}
    </Typography>
  );
  return (
    <Tooltip title={hint} describeChild>
      <Stack sx={{ minWidth: 120 }}>
        <Typography variant="caption" color="text.secondary" sx={{ textTransform: 'uppercase', letterSpacing: 0.4 }}>
          {label}
        </Typography>
        <Link component={RouterLink} to={`/inquiries?${PARAM.view}=${view}`} underline="hover" color="inherit" aria-label={`${label}: ${value} — show them`}>
          {figure}
        </Link>
      </Stack>
    </Tooltip>
  );
}

function StatusCounts({ overview }: { overview: Overview }) {
  const approx = overview.countsExact ? '' : '≈';
  // Known statuses first in lifecycle order, then anything new the vendor added.
  const known = STATUSES.flatMap((status) => overview.byStatus.filter((s) => s.status === status));
  const unknown = overview.byStatus.filter((s) => !(STATUSES as readonly string[]).includes(s.status));
  const rows = [...known, ...unknown];
  if (rows.length === 0) return <Typography color="text.secondary">No inquiries yet</Typography>;
  return (
    <Stack direction="row" spacing={2} useFlexGap sx={{ flexWrap: 'wrap', flex: 1, minWidth: 0, alignItems: 'baseline' }} aria-label="Inquiries by status">
      {/* Whatever the list's filters: these are all inquiries, and say whether they are counted or estimated. */}
      <Typography variant="caption" color="text.secondary" sx={{ width: '100%' }}>
        All inquiries by status{overview.countsExact ? ', exact counts' : ', ≈ estimated from table statistics'}
      </Typography>
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
            <Stat view="stuck" count={overview.data.stuck} tone="error" />
            <Stat view="expiring_24h" count={overview.data.expiringWithin24h} tone="warning" />
            <Stat view="outdated" count={overview.data.openOnOutdatedVersion} tone="warning" />
          </Stack>
          <StatusCounts overview={overview.data} />
        </Stack>
      )}
    </Paper>
  );
}
