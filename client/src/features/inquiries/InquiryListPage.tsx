import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { EmptyState, ErrorState } from '../../components/states';
import { useCustomerName } from '../customers/hooks';
import { useTemplates } from '../templates/hooks';
import { useInquiryList, useListState } from './hooks';
import { InquiryFilters } from './InquiryFilters';
import { InquiryGrid } from './InquiryGrid';
import { clearFilters, describeFilters, hasFilters, type ListState } from './listParams';
import { OverviewStrip } from './OverviewStrip';

const number = new Intl.NumberFormat();

function ResultCount({ total, exact }: { total: number; exact: boolean }) {
  return (
    <Typography variant="body2" color="text.secondary" aria-live="polite">
      {exact ? '' : '≈'}
      {number.format(total)} {total === 1 ? 'inquiry' : 'inquiries'}
      {exact ? '' : ' (estimated)'}
    </Typography>
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
      <Box sx={{ height: 'max(480px, calc(100vh - 340px))' }}>
        <InquiryGrid
          state={state}
          data={list.data}
          loading={list.isFetching}
          onSortChange={(sort, order) => update({ sort, order })}
          onNextPage={(cursor) => update((s) => ({ ...s, cursors: [...s.cursors, cursor] }))}
          onPreviousPage={() => update((s) => ({ ...s, cursors: s.cursors.slice(0, -1) }))}
          onPageSizeChange={(pageSize) => update({ pageSize })}
        />
      </Box>
    );
  }

  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: 'baseline', justifyContent: 'space-between' }}>
        <Typography variant="h1">Inquiries</Typography>
        {list.data && !list.isError ? <ResultCount total={list.data.total} exact={list.data.totalExact} /> : null}
      </Stack>
      <OverviewStrip />
      <InquiryFilters state={state} update={update} templates={templateItems} customerName={customerName} />
      {body}
    </Stack>
  );
}
