import Chip from '@mui/material/Chip';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { ErrorState } from '../../components/states';
import { formatDay } from '../../lib/time';
import { useOutliers } from './hooks';

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
/** Agents shown at once: the outliers come first, so these are the ones worth a look. */
const SHOWN = 8;

/**
 * Issues per agent per day or week, the team's median beside each: an agent who issued far more access than
 * colleagues stands out at a glance. A name filters the report to what they issued.
 */
export function OutliersPanel({ onIssuer }: { onIssuer: ((issuer: string) => void) | null }) {
  const [granularity, setGranularity] = useState<'day' | 'week'>('day');
  const outliers = useOutliers(granularity);
  const unit = granularity === 'day' ? 'day' : 'week';

  let body;
  if (outliers.isError) body = <ErrorState title="Could not load the outliers" error={outliers.error} onRetry={() => void outliers.refetch()} />;
  else if (!outliers.data) body = <Skeleton variant="rounded" height={96} aria-label="Loading the outliers" />;
  else if (outliers.data.agents.length === 0) {
    body = (
      <Typography variant="body2" color="text.secondary">
        No access issued by staff in the last {granularity === 'day' ? '14 days' : '8 weeks'}.
      </Typography>
    );
  } else {
    const { agents, threshold } = outliers.data;
    body = (
      <>
        <Table size="small" aria-label={`Issues per agent per ${unit}`}>
          <TableHead>
            <TableRow>
              <TableCell>Agent</TableCell>
              <TableCell align="right">Issued in the window</TableCell>
              <TableCell>Busiest {unit}</TableCell>
              <TableCell align="right">Team median that {unit}</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {agents.slice(0, SHOWN).map((agent) => (
              <TableRow key={agent.issuerId} data-agent={agent.issuerId}>
                <TableCell>
                  {onIssuer ? (
                    <Link component="button" type="button" variant="body2" onClick={() => onIssuer(agent.issuerId)}>
                      {agent.issuerDisplay ?? agent.issuerId}
                    </Link>
                  ) : (
                    (agent.issuerDisplay ?? agent.issuerId)
                  )}
                </TableCell>
                <TableCell align="right">{number.format(agent.total)}</TableCell>
                <TableCell>
                  {number.format(agent.peak.count)} {granularity === 'day' ? 'on' : 'in the week of'} {formatDay(agent.peak.start)}
                </TableCell>
                <TableCell align="right">{number.format(agent.peak.teamMedian)}</TableCell>
                <TableCell>{agent.outlier ? <Chip size="small" color="warning" label="Outlier" /> : null}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
        <Typography variant="caption" color="text.secondary">
          Outlier: at least {threshold.ratio}× the team&apos;s median in some {unit}, and at least {threshold.minimum} issues. The median counts every agent who issued
          anything in the window (0 on a {unit} without).{outliers.data.scope === 'own' ? ' You see your own line.' : ''}
          {agents.length > SHOWN ? ` ${agents.length - SHOWN} more agents are below these.` : ''}
        </Typography>
      </>
    );
  }

  return (
    <Paper variant="outlined" sx={{ p: 2 }} component="section" aria-labelledby="outliers-heading">
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center', justifyContent: 'space-between', mb: 1 }}>
        <Typography variant="h2" id="outliers-heading" sx={{ fontSize: '1.1rem' }}>
          Issues per agent
        </Typography>
        <ToggleButtonGroup exclusive size="small" value={granularity} aria-label="Per day or per week" onChange={(_e, next: 'day' | 'week' | null) => next && setGranularity(next)}>
          <ToggleButton value="day" sx={{ textTransform: 'none' }}>
            Per day
          </ToggleButton>
          <ToggleButton value="week" sx={{ textTransform: 'none' }}>
            Per week
          </ToggleButton>
        </ToggleButtonGroup>
      </Stack>
      {body}
    </Paper>
  );
}
