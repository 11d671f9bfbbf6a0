import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Skeleton from '@mui/material/Skeleton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useId, useState } from 'react';
import type { PolicyRevision } from '@shared/templates.js';
import { RelativeTime } from '../../../components/RelativeTime';
import { ErrorState } from '../../../components/states';
import { formatCount } from '../charts/buckets';
import { usePolicyHistory } from '../hooks';
import { RevisionDiff } from './RevisionDiff';

function RevisionsTable({ items, selectedId, onSelect }: { items: readonly PolicyRevision[]; selectedId: number | null; onSelect: (id: number) => void }) {
  return (
    <Table size="small" aria-label="Policy revisions">
      <TableHead>
        <TableRow>
          <TableCell>Revision</TableCell>
          <TableCell>Saved</TableCell>
          <TableCell>By</TableCell>
          <TableCell>Reason</TableCell>
          <TableCell>Applied to open inquiries</TableCell>
          <TableCell align="right">Changes</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {items.map((revision, index) => (
          <TableRow key={revision.revisionId} selected={revision.revisionId === selectedId}>
            <TableCell>
              #{revision.revisionId}
              {index === 0 ? (
                <Typography component="span" variant="caption" color="success.main" sx={{ ml: 1, fontWeight: 600 }}>
                  in force
                </Typography>
              ) : null}
            </TableCell>
            <TableCell>
              <RelativeTime value={revision.createdAt} />
            </TableCell>
            <TableCell>{revision.createdBy ?? 'system'}</TableCell>
            <TableCell sx={{ maxWidth: 320, overflowWrap: 'anywhere' }}>{revision.reason ?? '—'}</TableCell>
            <TableCell>
              {revision.appliedToOpenAt ? (
                <>
                  {formatCount(revision.appliedToOpenCount ?? 0)} · <RelativeTime value={revision.appliedToOpenAt} />
                </>
              ) : (
                <Typography component="span" variant="body2" color="text.secondary">
                  not applied
                </Typography>
              )}
            </TableCell>
            <TableCell align="right">
              <Button size="small" aria-pressed={revision.revisionId === selectedId} onClick={() => onSelect(revision.revisionId)}>
                Compare #{revision.revisionId}
              </Button>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Every saved revision of the policy (who, when, why), newest first, and any one beside the one before it. */
export function PolicyHistory({ templateId }: { templateId: string }) {
  const history = usePolicyHistory(templateId);
  const titleId = useId();
  const [selectedId, setSelectedId] = useState<number | null>(null);

  let body;
  if (history.isPending) body = <Skeleton variant="rounded" height={120} aria-label="Loading the policy history" />;
  else if (history.isError) body = <ErrorState title="Could not load the policy history" error={history.error} onRetry={() => void history.refetch()} />;
  else if (history.data.items.length === 0)
    body = (
      <Typography variant="body2" color="text.secondary">
        No revision saved yet: the defaults apply.
      </Typography>
    );
  else {
    const items = history.data.items;
    const index = Math.max(0, items.findIndex((r) => r.revisionId === selectedId));
    const selected = items[index];
    body = (
      <>
        <Box sx={{ overflowX: 'auto' }}>
          <RevisionsTable items={items} selectedId={selected?.revisionId ?? null} onSelect={setSelectedId} />
        </Box>
        {selected ? (
          <Box sx={{ mt: 2, overflowX: 'auto' }}>
            <Typography variant="subtitle2" component="h3" gutterBottom>
              Revision #{selected.revisionId} against {items[index + 1] ? `#${items[index + 1]?.revisionId}` : 'nothing before it'}
            </Typography>
            <RevisionDiff revision={selected} previous={items[index + 1] ?? null} />
          </Box>
        ) : null}
      </>
    );
  }

  return (
    <Card component="section" aria-labelledby={titleId}>
      <CardContent>
        <Typography id={titleId} variant="h3" component="h2" gutterBottom>
          Policy history
        </Typography>
        {body}
      </CardContent>
    </Card>
  );
}
