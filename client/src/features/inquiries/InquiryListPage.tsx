import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { lazy, Suspense, useCallback, useState } from 'react';
import type { ActionName } from '@shared/actions.js';
import { EmptyState, ErrorState } from '../../components/states';
import { useMe } from '../auth/useMe';
import { useCustomerName } from '../customers/hooks';
import { useTemplates } from '../templates/hooks';
import { useInquiryList, useListState, useOverview } from './hooks';
import { InquiryFilters } from './InquiryFilters';
import { headingCount, type HeadingCount } from './list/counts';
import { ListActionDialog, preloadActionDialogs, type ChosenAction } from './list/ListActionDialog';
import { clearFilters, describeFilters, hasFilters, type ListState } from './listParams';
import { OverviewStrip } from './OverviewStrip';

/**
 * The grid (the DataGrid, most of this page's code) is asked for as soon as this module runs: it downloads while the
 * page shows its heading, counts and filters and asks for the first rows, instead of before any of them.
 */
const gridReady = import('./InquiryGrid');
const InquiryGrid = lazy(() => gridReady);

const GRID_HEIGHT = 'max(480px, calc(100vh - 340px))';

function GridLoading() {
  return (
    <Stack role="status" spacing={0.5} aria-busy="true" aria-label="Loading the list" sx={{ height: GRID_HEIGHT }}>
      <Skeleton variant="rounded" height={52} />
      {Array.from({ length: 8 }, (_, i) => (
        <Skeleton key={i} variant="rounded" height={40} />
      ))}
    </Stack>
  );
}

function ResultCount({ count }: { count: HeadingCount }) {
  return (
    <Stack sx={{ alignItems: 'flex-end' }} aria-live="polite">
      <Typography variant="body2" color="text.secondary">
        {count.text}
        {count.exact ? '' : ' (estimate)'}
      </Typography>
      {count.note ? (
        <Typography variant="caption" color="text.secondary" sx={{ textAlign: 'right', maxWidth: 420 }}>
          {count.note}
        </Typography>
      ) : null}
    </Stack>
  );
}

interface NoMatchesProps {
  state: ListState;
  templateName: (id: string) => string | null;
  customerName: string | null;
  onClear: () => void;
}

function NoMatches({ state, templateName, customerName, onClear }: NoMatchesProps) {
  const filters = describeFilters(state, templateName, () => customerName);
  if (filters.length === 0) {
    return <EmptyState title="No inquiries yet" description="Inquiries appear here as soon as they are created, by the vendor or the partner API." />;
  }
  return (
    <EmptyState
      title="No inquiries match these filters"
      description={
        <>
          Nothing matched {filters.join(', ')}.
          {state.search ? ' Search matches an exact reference id or email.' : null}
        </>
      }
      action={
        <Button variant="contained" onClick={onClear}>
          Clear filters
        </Button>
      }
    />
  );
}

export default function InquiryListPage() {
  const [state, update] = useListState();
  const list = useInquiryList(state);
  const overview = useOverview();
  const me = useMe();
  const [chosen, setChosen] = useState<ChosenAction | null>(null);
  const chooseAction = useCallback((inquiryId: string, action: ActionName) => setChosen({ inquiryId, action }), []);
  const closeAction = useCallback(() => setChosen(null), []);
  const count = list.isError ? null : headingCount(list.data, overview.data, hasFilters(state));
  const templates = useTemplates();
  const templateItems = templates.data?.items ?? [];
  const templateName = (id: string) => templateItems.find((t) => t.id === id)?.name ?? null;
  const customerName = useCustomerName(state.customerId);

  let body;
  if (list.isError) {
    body = (
      <ErrorState
        title="Could not load inquiries"
        error={list.error}
        onRetry={() => void list.refetch()}
        action={
          state.cursors.length > 0 ? (
            <Button color="inherit" size="small" onClick={() => update({ cursors: [] })}>
              Go to first page
            </Button>
          ) : hasFilters(state) ? (
            <Button color="inherit" size="small" onClick={() => update(clearFilters)}>
              Clear filters
            </Button>
          ) : null
        }
      />
    );
  } else if (list.data && list.data.items.length === 0 && !list.isPlaceholderData) {
    body = (
      <Paper variant="outlined">
        <NoMatches state={state} templateName={templateName} customerName={customerName} onClear={() => update(clearFilters)} />
      </Paper>
    );
  } else {
    body = (
      <Box sx={{ height: GRID_HEIGHT }}>
        <Suspense fallback={<GridLoading />}>
          <InquiryGrid
            state={state}
            data={list.data}
            total={count && list.data ? { value: count.value, exact: count.exact } : null}
            loading={list.isFetching}
            staffId={me.data?.staff.id ?? null}
            onSortChange={(sort, order) => update({ sort, order })}
            onNextPage={(cursor) => update((s) => ({ ...s, cursors: [...s.cursors, cursor] }))}
            onPreviousPage={() => update((s) => ({ ...s, cursors: s.cursors.slice(0, -1) }))}
            onPageSizeChange={(pageSize) => update({ pageSize })}
            onChooseAction={chooseAction}
            onRowMenuOpen={preloadActionDialogs}
          />
        </Suspense>
      </Box>
    );
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'baseline', justifyContent: 'space-between' }}>
        <Typography variant="h1">Inquiries</Typography>
        {count ? <ResultCount count={count} /> : null}
      </Stack>
      <OverviewStrip />
      <InquiryFilters state={state} update={update} templates={templateItems} customerName={customerName} />
      {body}
      {/* The page's, not the row's: the action may take its row out of this view while the result is on screen. */}
      {chosen ? <ListActionDialog key={`${chosen.inquiryId}:${chosen.action}`} chosen={chosen} onClose={closeAction} /> : null}
    </Stack>
  );
}
