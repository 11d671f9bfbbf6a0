import { useTheme } from '@mui/material/styles';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import { BarChart } from '@mui/x-charts/BarChart';
import type { TemplateDetail } from '@shared/templates.js';
import { formatCount, formatShare } from './buckets';
import { ChartCard } from './ChartCard';

type Version = TemplateDetail['versions'][number];

const TITLE = 'Open inquiries by version';

function versionLabel(version: Version): string {
  return version.isLatest ? `v${version.versionNumber} (latest)` : `v${version.versionNumber}`;
}

/** The versions worth a bar: the latest, and every older one still holding open inquiries; newest first. */
export function chartedVersions(versions: readonly Version[]): Version[] {
  return versions.filter((v) => v.isLatest || v.openInquiryCount > 0).sort((a, b) => b.versionNumber - a.versionNumber);
}

export function summarizeOpenByVersion(versions: readonly Version[]): string {
  const shown = chartedVersions(versions);
  const total = shown.reduce((sum, v) => sum + v.openInquiryCount, 0);
  if (total === 0) return 'No open inquiries on any version.';
  const outdated = shown.filter((v) => !v.isLatest).reduce((sum, v) => sum + v.openInquiryCount, 0);
  const parts = shown.map((v) => `${versionLabel(v)}: ${formatCount(v.openInquiryCount)} (${formatCount(v.createdCount)} created, ${formatCount(v.pendingCount)} pending)`);
  return `${formatCount(total)} open inquiries; ${formatCount(outdated)} (${formatShare(outdated / total)}) on outdated versions. ${parts.join('; ')}.`;
}

function VersionTable({ versions }: { versions: readonly Version[] }) {
  return (
    <Table size="small" aria-label={TITLE}>
      <TableHead>
        <TableRow>
          <TableCell>Version</TableCell>
          <TableCell align="right">Created</TableCell>
          <TableCell align="right">Pending</TableCell>
          <TableCell align="right">Open</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {versions.map((v) => (
          <TableRow key={v.id}>
            <TableCell>{versionLabel(v)}</TableCell>
            <TableCell align="right">{formatCount(v.createdCount)}</TableCell>
            <TableCell align="right">{formatCount(v.pendingCount)}</TableCell>
            <TableCell align="right">{formatCount(v.openInquiryCount)}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Open inquiries per version, stacked by status: how much is still running on flows the template has left. */
export function OpenByVersionChart({ versions }: { versions: readonly Version[] }) {
  const theme = useTheme();
  const palette = (theme.vars ?? theme).palette;
  const shown = chartedVersions(versions);
  return (
    <ChartCard
      title={TITLE}
      summary={summarizeOpenByVersion(versions)}
      table={<VersionTable versions={shown} />}
      chart={
        <BarChart
          height={240}
          skipAnimation
          xAxis={[{ scaleType: 'band', data: shown.map(versionLabel) }]}
          yAxis={[{ width: 48 }]}
          series={[
            { data: shown.map((v) => v.createdCount), label: 'Created (not started)', stack: 'open', color: palette.info.main },
            { data: shown.map((v) => v.pendingCount), label: 'Pending (started)', stack: 'open', color: palette.warning.main },
          ]}
        />
      }
    />
  );
}
