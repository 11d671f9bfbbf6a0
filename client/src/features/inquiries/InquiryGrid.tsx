import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { DataGrid, type GridColDef, type GridPaginationModel, type GridSortModel } from '@mui/x-data-grid';
import { useMemo } from 'react';
import { Link as RouterLink, useLocation } from 'react-router';
import type { SortField } from '@shared/inquiries.js';
import { ExpiryText } from '../../components/ExpiryText';
import { RelativeTime } from '../../components/RelativeTime';
import { StatusChip } from '../../components/StatusChip';
import { VersionChip } from '../../components/VersionChip';
import type { RouterOutputs } from '../../lib/trpc';
import { MONOSPACE } from '../../theme/theme';
import { PAGE_SIZES, type ListState, type SortOrder } from './listParams';

type ListOutput = RouterOutputs['inquiries']['list'];
type Row = ListOutput['items'][number];

const number = new Intl.NumberFormat();
const flip = (order: SortOrder): SortOrder => (order === 'asc' ? 'desc' : 'asc');

/**
 * "Age" sorts by creation time reversed: ascending age is newest first. The other sortable columns map
 * straight onto the API's sort field.
 */
function toSortModel(sort: SortField, order: SortOrder): GridSortModel {
  return [{ field: sort, sort: sort === 'createdAt' ? flip(order) : order }];
}

function fromSortModel(model: GridSortModel): { sort: SortField; order: SortOrder } | null {
  const first = model[0];
  if (!first?.sort) return null;
  const field = first.field as SortField;
  return { sort: field, order: field === 'createdAt' ? flip(first.sort) : first.sort };
}

function useColumns(): GridColDef<Row>[] {
  const location = useLocation();
  const from = `${location.pathname}${location.search}`;
  return useMemo(
    () => [
      {
        field: 'id',
        headerName: 'Inquiry',
        minWidth: 160,
        flex: 1,
        sortable: false,
        renderCell: ({ row }) => (
          <Link component={RouterLink} to={`/inquiries/${row.id}`} state={{ from }} sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
            {row.id}
          </Link>
        ),
      },
      {
        field: 'referenceId',
        headerName: 'Reference id',
        minWidth: 110,
        flex: 1,
        sortable: false,
        renderCell: ({ row }) =>
          row.referenceId ? (
            <Typography variant="body2" component="span" sx={{ fontFamily: MONOSPACE, fontSize: 13 }}>
              {row.referenceId}
            </Typography>
          ) : (
            <Typography variant="body2" component="span" color="text.secondary">
              —
            </Typography>
          ),
      },
      { field: 'templateName', headerName: 'Template', minWidth: 120, flex: 1, sortable: false },
      {
        field: 'versionNumber',
        headerName: 'Version',
        width: 130,
        sortable: false,
        renderCell: ({ row }) => <VersionChip versionNumber={row.versionNumber} latestVersionNumber={row.latestVersionNumber} />,
      },
      {
        field: 'status',
        headerName: 'Status',
        width: 120,
        sortable: false,
        renderCell: ({ row }) => <StatusChip status={row.status} />,
      },
      {
        field: 'createdAt',
        headerName: 'Age',
        description: 'Time since the inquiry was created',
        width: 90,
        sortingOrder: ['asc', 'desc'],
        renderCell: ({ row }) => <RelativeTime value={row.createdAt} format={(text) => text.replace(/ ago$/, '')} />,
      },
      {
        field: 'expiresAt',
        headerName: 'Expiry',
        width: 140,
        sortingOrder: ['asc', 'desc'],
        renderCell: ({ row }) => <ExpiryText expiresAt={row.expiresAt} status={row.status} />,
      },
      {
        field: 'updatedAt',
        headerName: 'Updated',
        width: 110,
        sortingOrder: ['desc', 'asc'],
        renderCell: ({ row }) => <RelativeTime value={row.updatedAt} />,
      },
      {
        field: 'liveSessionCount',
        headerName: 'Live sessions',
        description: 'Sessions that can still open the inquiry (at most 25)',
        type: 'number',
        width: 110,
        sortable: false,
      },
    ],
    [from],
  );
}

export interface InquiryGridProps {
  state: ListState;
  data: ListOutput | undefined;
  loading: boolean;
  onSortChange: (sort: SortField, order: SortOrder) => void;
  onNextPage: (cursor: string) => void;
  onPreviousPage: () => void;
  onPageSizeChange: (pageSize: number) => void;
}

/** The inquiry list: server-side paging (keyset cursors), sorting and filtering; the grid only shows. */
export function InquiryGrid({ state, data, loading, onSortChange, onNextPage, onPreviousPage, onPageSizeChange }: InquiryGridProps) {
  const columns = useColumns();
  const page = state.cursors.length;
  const paginationModel = useMemo(() => ({ page, pageSize: state.pageSize }), [page, state.pageSize]);
  const sortModel = useMemo(() => toSortModel(state.sort, state.order), [state.sort, state.order]);
  // Unknown (-1) until the first answer, so a bookmarked later page is not clamped back to the first.
  const rowCount = data ? (data.totalExact ? data.total : -1) : -1;

  const onPaginationModelChange = (model: GridPaginationModel) => {
    if (model.pageSize !== state.pageSize) {
      onPageSizeChange(model.pageSize);
    } else if (model.page === page + 1 && data?.nextCursor) {
      onNextPage(data.nextCursor);
    } else if (model.page === page - 1) {
      onPreviousPage();
    }
    // Any other jump (the grid clamping while data loads) is ignored: keyset paging only steps.
  };

  return (
    <DataGrid<Row>
      aria-label="Inquiries"
      rows={data?.items ?? []}
      columns={columns}
      loading={loading}
      rowHeight={44}
      disableColumnMenu
      disableColumnFilter
      disableRowSelectionOnClick
      paginationMode="server"
      sortingMode="server"
      filterMode="server"
      rowCount={rowCount}
      {...(data && !data.totalExact ? { estimatedRowCount: data.total } : {})}
      paginationMeta={{ hasNextPage: Boolean(data?.nextCursor) }}
      paginationModel={paginationModel}
      onPaginationModelChange={onPaginationModelChange}
      pageSizeOptions={[...PAGE_SIZES]}
      sortModel={sortModel}
      onSortModelChange={(model) => {
        const next = fromSortModel(model);
        if (next) onSortChange(next.sort, next.order);
      }}
      localeText={{
        paginationDisplayedRows: ({ from, to, count, estimated }) => {
          const total = count >= 0 ? number.format(count) : estimated ? `≈${number.format(estimated)}` : `more than ${number.format(to)}`;
          return `${number.format(from)}–${number.format(to)} of ${total}`;
        },
      }}
      slotProps={{ loadingOverlay: { variant: 'linear-progress', noRowsVariant: 'skeleton' } }}
      sx={{ bgcolor: 'background.paper', '& .MuiDataGrid-cell': { display: 'flex', alignItems: 'center' } }}
    />
  );
}
