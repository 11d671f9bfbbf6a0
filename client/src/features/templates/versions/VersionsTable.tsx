import WarningAmberIcon from '@mui/icons-material/WarningAmber';
import { strandedRowSx, VersionLabel } from './VersionLabel';
import Stack from '@mui/material/Stack';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { TemplateDetail } from '@shared/templates.js';
import { RelativeTime } from '../../../components/RelativeTime';
import { formatCount } from '../charts/buckets';

type Version = TemplateDetail['versions'][number];

/** Every published version, newest first, with its notes and the open inquiries still pinned to it. */
export function VersionsTable({ templateName, versions }: { templateName: string; versions: readonly Version[] }) {
  const sorted = [...versions].sort((a, b) => b.versionNumber - a.versionNumber);
  if (sorted.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        No published versions.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label={`Versions of ${templateName}`}>
      <TableHead>
        <TableRow>
          <TableCell>Version</TableCell>
          <TableCell>Published</TableCell>
          <TableCell>Notes</TableCell>
          <TableCell align="right">Created</TableCell>
          <TableCell align="right">Pending</TableCell>
          <TableCell align="right">Open</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {sorted.map((version) => {
          const stranded = !version.isLatest && version.openInquiryCount > 0;
          return (
            <TableRow key={version.id} data-outdated-open={stranded || undefined} sx={stranded ? strandedRowSx : undefined}>
              <TableCell>
                <VersionLabel version={version} />
              </TableCell>
              <TableCell>
                <RelativeTime value={version.publishedAt} />
              </TableCell>
              <TableCell sx={{ maxWidth: 360, overflowWrap: 'anywhere', whiteSpace: 'pre-line' }}>
                {version.notes ?? (
                  <Typography component="span" variant="body2" color="text.secondary">
                    —
                  </Typography>
                )}
              </TableCell>
              <TableCell align="right">{formatCount(version.createdCount)}</TableCell>
              <TableCell align="right">{formatCount(version.pendingCount)}</TableCell>
              <TableCell align="right">
                <Stack direction="row" spacing={0.5} sx={{ justifyContent: 'flex-end', alignItems: 'center' }}>
                  {stranded ? <WarningAmberIcon color="warning" fontSize="small" aria-label="Outdated version with open inquiries" /> : null}
                  <Typography variant="body2" sx={{ fontWeight: stranded ? 600 : undefined }} color={stranded ? 'warning.main' : undefined}>
                    {formatCount(version.openInquiryCount)}
                  </Typography>
                </Stack>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
