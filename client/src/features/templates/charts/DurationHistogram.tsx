import { useTheme } from '@mui/material/styles';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { BarChart } from '@mui/x-charts/BarChart';
import { ChartsReferenceLine } from '@mui/x-charts/ChartsReferenceLine';
import type { DurationBucket } from '@shared/templates.js';
import { bucketIndexOf, bucketLabel, cutoffName, cutoffPosition, formatCount, summarizeDurations, type Cutoff } from './buckets';
import { ChartCard } from './ChartCard';

/**
 * A hidden linear x-axis over the bars' slots: the band axis places bar i in [i, i + 1) of it (MUI's band scale
 * pads half a gap on each side, so slot boundaries fall on whole numbers), which lets a cut-off sit between
 * or inside bars in proportion to its minutes.
 */
const CUTOFF_AXIS = 'cutoff';
const BAND_AXIS = 'buckets';

export interface DurationHistogramProps {
  title: string;
  buckets: readonly DurationBucket[];
  /** "inquiries completed", for the summary. */
  what: string;
  /** Vertical lines: the policy in force, and the one being typed. */
  cutoffs: readonly Cutoff[];
  /** How the summary says where most fall: (range) => `Most are ${range} old`. */
  mostly?: (range: string) => string;
  /** The colour of the bars. */
  color?: 'primary' | 'secondary';
}

function HistogramTable({ title, buckets, cutoffs }: Pick<DurationHistogramProps, 'title' | 'buckets' | 'cutoffs'>) {
  return (
    <Table size="small" aria-label={title}>
      <TableHead>
        <TableRow>
          <TableCell>Duration</TableCell>
          <TableCell align="right">Inquiries</TableCell>
          {cutoffs.length > 0 ? <TableCell>Cut-off in this range</TableCell> : null}
        </TableRow>
      </TableHead>
      <TableBody>
        {buckets.map((bucket, index) => (
          <TableRow key={bucket.fromMinutes}>
            <TableCell>{bucketLabel(bucket)}</TableCell>
            <TableCell align="right">{formatCount(bucket.count)}</TableCell>
            {cutoffs.length > 0 ? (
              <TableCell>
                {cutoffs
                  .filter((c) => bucketIndexOf(buckets, c.minutes) === index)
                  .map(cutoffName)
                  .join('; ')}
              </TableCell>
            ) : null}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

export function DurationHistogram({ title, buckets, what, cutoffs, mostly, color = 'primary' }: DurationHistogramProps) {
  const theme = useTheme();
  const palette = (theme.vars ?? theme).palette;
  const lineColor = { current: palette.text.primary, proposed: palette.warning.main };
  return (
    <ChartCard
      title={title}
      summary={summarizeDurations(buckets, what, cutoffs, mostly)}
      table={<HistogramTable title={title} buckets={buckets} cutoffs={cutoffs} />}
      footnote={cutoffs.length > 0 ? 'Solid line: the policy in force. Dashed line: the policy you are editing.' : undefined}
      chart={
        <BarChart
          height={240}
          hideLegend
          skipAnimation
          margin={{ top: 24, right: 16 }}
          xAxis={[
            { id: BAND_AXIS, scaleType: 'band', data: buckets.map(bucketLabel), tickLabelStyle: { fontSize: 10 } },
            { id: CUTOFF_AXIS, scaleType: 'linear', min: 0, max: Math.max(1, buckets.length), domainLimit: 'strict', position: 'none' },
          ]}
          yAxis={[{ width: 48 }]}
          series={[{ data: buckets.map((b) => b.count), label: 'Inquiries', color: palette[color].main, xAxisId: BAND_AXIS }]}
        >
          {cutoffs.map((cutoff) => {
            const x = cutoffPosition(buckets, cutoff.minutes);
            if (x === null) return null;
            // Past the middle, the label goes left of its line so it is not cut off at the chart's edge.
            const leftOfLine = x > buckets.length / 2;
            return (
              <ChartsReferenceLine
                key={cutoff.kind}
                axisId={CUTOFF_AXIS}
                x={x}
                label={cutoffName(cutoff)}
                labelAlign={cutoff.kind === 'current' ? 'start' : 'end'}
                lineStyle={{ stroke: lineColor[cutoff.kind], strokeWidth: 2, strokeDasharray: cutoff.kind === 'proposed' ? '6 4' : undefined }}
                spacing={{ x: leftOfLine ? -5 : 5, y: 5 }}
                // A halo in the card's colour keeps the label readable over the bars.
                labelStyle={{
                  fontSize: 11,
                  fill: lineColor[cutoff.kind],
                  textAnchor: leftOfLine ? 'end' : 'start',
                  stroke: palette.background.paper,
                  strokeWidth: 4,
                  paintOrder: 'stroke',
                }}
              />
            );
          })}
        </BarChart>
      }
    />
  );
}
