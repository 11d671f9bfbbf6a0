import Link from '@mui/material/Link';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import {
  DataGrid,
  type GridCellParams,
  type GridColDef,
  type GridPaginationModel,
  type GridRowParams,
  type GridSortModel,
} from '@mui/x-data-grid';
import { useCallback, useMemo, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import { Link as RouterLink, useHref, useLocation, useNavigate } from 'react-router';
import type { ActionName } from '@shared/actions.js';
import type { SortField } from '@shared/inquiries.js';
import { ExpiryText } from '../../components/ExpiryText';
import { RelativeTime } from '../../components/RelativeTime';
import { StatusChip } from '../../components/StatusChip';
import { VersionChip } from '../../components/VersionChip';
import type { RouterOutputs } from '../../lib/trpc';
import { MONOSPACE } from '../../theme/theme';
import { ListToolbar } from './list/ListToolbar';
import { toHiddenColumns, useListPreferences } from './list/listPreferences';
import { RowActionsMenu } from './list/RowActionsMenu';
import { openInNewTab, rowClickIntent, rowKeyIntent, type RowIntent } from './list/rowNavigation';
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

/** A value that may be longer than its column: cut with an ellipsis, the whole of it in a tooltip (and in the DOM). */
function Truncated({ full, children }: { full: string; children: ReactNode }) {
  return (
    <Tooltip title={full} describeChild placement="bottom-start" enterDelay={400}>
      <Typography
        variant="body2"
        component="span"
        sx={{ display: 'block', minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap', fontFamily: MONOSPACE, fontSize: 13 }}
      >
        {children}
      </Typography>
    </Tooltip>
  );
}

function Missing() {
  return (
    <Typography variant="body2" component="span" color="text.secondary">
      —
    </Typography>
  );
}

/** Timestamps export as ISO 8601 (UTC); the cells show them relative to now. */
const isoForExport = (value: Date | null | undefined) => value?.toISOString() ?? '';

/** The column of the row menu: not a sort, filter, export or hide target. */
export const ACTIONS_FIELD = 'actions';

function useColumns(onChooseAction: (inquiryId: string, action: ActionName) => void, onMenuOpen: () => void): GridColDef<Row>[] {
  const location = useLocation();
  const from = `${location.pathname}${location.search}`;
  return useMemo(
    () => [
      {
        field: 'id',
        headerName: 'Inquiry',
        minWidth: 130,
        flex: 1,
        sortable: false,
        hideable: false,
        renderCell: ({ row, tabIndex }) => (
          <Truncated full={row.id}>
            {/* A real link: middle click, Ctrl/⌘-click and "open in new tab" work as the browser makes them. */}
            <Link component={RouterLink} to={`/inquiries/${row.id}`} state={{ from }} tabIndex={tabIndex} sx={{ font: 'inherit' }}>
              {row.id}
            </Link>
          </Truncated>
        ),
      },
      {
        field: 'referenceId',
        headerName: 'Reference id',
        minWidth: 110,
        flex: 1,
        sortable: false,
        renderCell: ({ row }) => (row.referenceId ? <Truncated full={row.referenceId}>{row.referenceId}</Truncated> : <Missing />),
      },
      {
        field: 'emailMasked',
        headerName: 'Email',
        description: 'The prefilled email, masked. Search finds an inquiry by the whole address.',
        minWidth: 130,
        flex: 1,
        sortable: false,
        renderCell: ({ row }) => (row.emailMasked ? <Truncated full={row.emailMasked}>{row.emailMasked}</Truncated> : <Missing />),
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
        valueFormatter: isoForExport,
        renderCell: ({ row }) => <RelativeTime value={row.createdAt} format={(text) => text.replace(/ ago$/, '')} />,
      },
      {
        field: 'expiresAt',
        headerName: 'Expiry',
        width: 140,
        sortingOrder: ['asc', 'desc'],
        valueFormatter: isoForExport,
        renderCell: ({ row }) => <ExpiryText expiresAt={row.expiresAt} status={row.status} />,
      },
      {
        field: 'updatedAt',
        headerName: 'Updated',
        width: 110,
        sortingOrder: ['desc', 'asc'],
        valueFormatter: isoForExport,
        renderCell: ({ row }) => <RelativeTime value={row.updatedAt} />,
      },
      {
        field: 'liveSessionCount',
        headerName: 'Live sessions',
        description: 'Sessions that can still open the inquiry (each inquiry has a cap)',
        type: 'number',
        width: 110,
        sortable: false,
      },
      {
        field: ACTIONS_FIELD,
        headerName: 'Actions',
        width: 76,
        align: 'center',
        headerAlign: 'center',
        sortable: false,
        hideable: false,
        disableExport: true,
        renderCell: ({ row, hasFocus, tabIndex }) => (
          <RowActionsMenu inquiryId={row.id} hasFocus={hasFocus} tabIndex={tabIndex} onOpen={onMenuOpen} onChoose={onChooseAction} />
        ),
      },
    ],
    [from, onChooseAction, onMenuOpen],
  );
}

/** Opens a row's inquiry here (with the way back to this view) or in a new tab. */
function useOpenRow() {
  const navigate = useNavigate();
  const location = useLocation();
  const base = useHref('/inquiries');
  return useCallback(
    (id: string, intent: RowIntent) => {
      if (intent === 'here') void navigate(`/inquiries/${id}`, { state: { from: `${location.pathname}${location.search}` } });
      else if (intent === 'new-tab') openInNewTab(`${base}/${id}`);
    },
    [base, location.pathname, location.search, navigate],
  );
}

export interface InquiryGridProps {
  state: ListState;
  data: ListOutput | undefined;
  /** How many rows the view has, as the page heading says it (list/counts.ts); null until known. */
  total: { value: number; exact: boolean } | null;
  loading: boolean;
  /** The signed-in person, whose column choice and density are kept; null while unknown. */
  staffId: string | null;
  onSortChange: (sort: SortField, order: SortOrder) => void;
  onNextPage: (cursor: string) => void;
  onPreviousPage: () => void;
  onPageSizeChange: (pageSize: number) => void;
  /** An action chosen in a row's menu: the page opens its dialog. */
  onChooseAction: (inquiryId: string, action: ActionName) => void;
  /** A row menu is opening: a chance to load what its dialogs need. */
  onRowMenuOpen: () => void;
}

/**
 * The inquiry list: server-side paging (keyset cursors), sorting and filtering; the grid only shows. A row opens
 * its inquiry (click, Enter; Ctrl/⌘-click or middle click for a new tab); its ⋮ menu acts on it from here.
 */
export function InquiryGrid({
  state,
  data,
  total,
  loading,
  staffId,
  onSortChange,
  onNextPage,
  onPreviousPage,
  onPageSizeChange,
  onChooseAction,
  onRowMenuOpen,
}: InquiryGridProps) {
  const columns = useColumns(onChooseAction, onRowMenuOpen);
  const openRow = useOpenRow();
  const [preferences, setPreferences] = useListPreferences(staffId);
  const page = state.cursors.length;
  const paginationModel = useMemo(() => ({ page, pageSize: state.pageSize }), [page, state.pageSize]);
  const sortModel = useMemo(() => toSortModel(state.sort, state.order), [state.sort, state.order]);
  // Unknown (-1) until the first answer, so a bookmarked later page is not clamped back to the first.
  const rowCount = total?.exact ? total.value : -1;

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
      showToolbar
      slots={{ toolbar: ListToolbar }}
      density={preferences.density}
      onDensityChange={(density) => setPreferences({ density })}
      columnVisibilityModel={preferences.hiddenColumns}
      onColumnVisibilityModelChange={(model) => setPreferences({ hiddenColumns: toHiddenColumns(model) })}
      onRowClick={(params: GridRowParams<Row>, event: MouseEvent<HTMLElement>) => openRow(params.row.id, rowClickIntent(event))}
      onCellKeyDown={(params: GridCellParams<Row>, event: KeyboardEvent<HTMLElement>) => {
        if (params.field === ACTIONS_FIELD) return;
        const intent = rowKeyIntent(event);
        if (!intent) return;
        event.preventDefault();
        openRow(params.row.id, intent);
      }}
      paginationMode="server"
      sortingMode="server"
      filterMode="server"
      rowCount={rowCount}
      {...(total && !total.exact ? { estimatedRowCount: total.value } : {})}
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
          const all = count >= 0 ? number.format(count) : estimated ? `≈${number.format(estimated)}` : `more than ${number.format(to)}`;
          return `${number.format(from)}–${number.format(to)} of ${all}`;
        },
      }}
      slotProps={{
        loadingOverlay: { variant: 'linear-progress', noRowsVariant: 'skeleton' },
        // Middle click outside the id link (the link's own middle click is the browser's).
        row: {
          onAuxClick: (event: MouseEvent<HTMLDivElement>) => {
            const id = event.currentTarget.dataset.id;
            if (id && event.button === 1) openRow(id, rowClickIntent(event));
          },
        },
      }}
      sx={{
        bgcolor: 'background.paper',
        '& .MuiDataGrid-cell': { display: 'flex', alignItems: 'center' },
        '& .MuiDataGrid-row': { cursor: 'pointer' },
      }}
    />
  );
}

/** For React.lazy: the list page loads the grid (most of its code) beside its own first render. */
export default InquiryGrid;
