import DownloadIcon from '@mui/icons-material/Download';
import RefreshIcon from '@mui/icons-material/Refresh';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { AuditReadScope } from '@shared/audit-list.js';
import { parseAuditQuery } from '@shared/audit-query.js';
import { auditExportUrl } from '@shared/exports.js';
import { EmptyState, ErrorState, LoadingState } from '../../components/states';
import { usePermissions } from '../auth/usePermissions';
import { AuditEventDrawer } from './AuditEventDrawer';
import { AuditSearchBox } from './AuditSearchBox';
import { AuditTable } from './AuditTable';
import { useAuditList, type AuditEvent } from './hooks';

const SCOPE_NOTES: Record<Exclude<AuditReadScope, 'all'>, string> = {
  own: 'You see your own actions only: your role reads the events you are the actor of.',
  policy: 'You see policy and template events only (policy.* and template.*): what your role manages.',
};

/**
 * /audit: the audit explorer. The search lives in the URL (`?q=`), so a view can be bookmarked and shared; the
 * server reads it with the same parser, limits it to what the role may see, and records that the log was read.
 */
export default function AuditPage() {
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const understood = useMemo(() => parseAuditQuery(q).ok, [q]);
  const list = useAuditList(q, understood);
  const [open, setOpen] = useState<AuditEvent | null>(null);
  // Exports are for compliance and admins (audit:export); other roles never see the buttons.
  const canExport = usePermissions().can('audit:export');

  useEffect(() => {
    document.title = 'Audit log · Inquiry Desk';
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, []);

  const search = (query: string) => {
    setOpen(null);
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (query) next.set('q', query);
      else next.delete('q');
      return next;
    });
  };

  const events = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const scope = list.data?.pages[0]?.scope ?? null;

  let body;
  if (!understood) {
    body = null; // The search box says what is wrong; nothing is asked of the server.
  } else if (list.isPending) {
    body = <LoadingState label="Reading the audit log…" />;
  } else if (list.isError && events.length === 0) {
    body = <ErrorState title="Could not read the audit log" error={list.error} onRetry={() => void list.refetch()} />;
  } else if (events.length === 0) {
    body = (
      <Paper variant="outlined">
        {q ? (
          <EmptyState
            title="No events match this search"
            description={scope && scope !== 'all' ? `${SCOPE_NOTES[scope]} Other events are not searched.` : 'Every term must match: remove one to widen the search.'}
            action={
              <Button variant="contained" onClick={() => search('')}>
                Clear search
              </Button>
            }
          />
        ) : (
          <EmptyState title="No events yet" description="Every audited action (resumes, links, revocations, policy changes, sign-ins) appears here as it happens." />
        )}
      </Paper>
    );
  } else {
    body = (
      <Paper variant="outlined">
        <AuditTable events={events} onOpen={setOpen} />
        <Stack direction="row" spacing={2} sx={{ p: 2, alignItems: 'center', justifyContent: 'space-between' }}>
          <Typography variant="body2" color="text.secondary" aria-live="polite">
            {events.length === 1 ? '1 event' : `${events.length} events`} shown{list.hasNextPage ? ', newest first' : ' — the end of this search'}
          </Typography>
          {list.hasNextPage ? (
            <Button variant="outlined" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </Button>
          ) : null}
        </Stack>
        {list.isError ? (
          <ErrorState
            title={list.isFetchNextPageError ? 'Could not load more events' : 'Could not refresh the audit log'}
            error={list.error}
            onRetry={() => void (list.isFetchNextPageError ? list.fetchNextPage() : list.refetch())}
          />
        ) : null}
      </Paper>
    );
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'baseline', justifyContent: 'space-between' }}>
        <Typography variant="h1">Audit log</Typography>
        <Stack direction="row" spacing={1}>
          {canExport ? (
            <>
              {/* The download streams the whole search, not only the events loaded here (docs/audit.md, "Exports"). */}
              <Button startIcon={<DownloadIcon />} href={auditExportUrl('csv', q)} download disabled={!understood}>
                Export CSV
              </Button>
              <Button startIcon={<DownloadIcon />} href={auditExportUrl('jsonl', q)} download disabled={!understood}>
                Export JSONL
              </Button>
            </>
          ) : null}
          <Button startIcon={<RefreshIcon />} onClick={() => void list.refetch()} disabled={!understood || list.isFetching}>
            Refresh
          </Button>
        </Stack>
      </Stack>
      <Typography variant="body2" color="text.secondary">
        Every audited action, newest first. Reading the log is audited too: each search you open is recorded.
      </Typography>
      {scope && scope !== 'all' ? <Alert severity="info">{SCOPE_NOTES[scope]}</Alert> : null}
      <AuditSearchBox value={q} onSearch={search} />
      {body}
      <AuditEventDrawer event={open} onClose={() => setOpen(null)} onSearch={search} />
    </Stack>
  );
}
