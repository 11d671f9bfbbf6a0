import CancelIcon from '@mui/icons-material/Cancel';
import FilterAltOffIcon from '@mui/icons-material/FilterAltOff';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControl from '@mui/material/FormControl';
import InputLabel from '@mui/material/InputLabel';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import OutlinedInput from '@mui/material/OutlinedInput';
import Select from '@mui/material/Select';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Tooltip from '@mui/material/Tooltip';
import { EXPIRY_FILTERS, QUICK_VIEWS, VERSION_STATES, type ExpiryFilter, type QuickView, type VersionState } from '@shared/inquiries.js';
import { STATUSES, statusLabel, type Status } from '@shared/statuses.js';
import type { RouterOutputs } from '../../lib/trpc';
import type { ListStateUpdate } from './hooks';
import { EXPIRY_LABELS, VERSION_STATE_LABELS, clearFilters, hasFilters, type ListState } from './listParams';
import { QUICK_VIEW_TEXT } from './quickViews';
import { SearchBox } from './SearchBox';

type Template = RouterOutputs['templates']['list']['items'][number];

const ANY = '';

export interface InquiryFiltersProps {
  state: ListState;
  update: (change: ListStateUpdate, options?: { replace?: boolean }) => void;
  templates: readonly Template[];
  /** The filtered customer's name, when the person may know it (admins); else the chip shows the id. */
  customerName: string | null;
}

/** The customer filter (set by a link from the Customers page), as a chip that removes it. */
function CustomerFilterChip({ customerId, customerName, onRemove }: { customerId: string; customerName: string | null; onRemove: () => void }) {
  return (
    <Chip
      color="primary"
      variant="outlined"
      label={`Customer: ${customerName ?? customerId}`}
      onDelete={onRemove}
      deleteIcon={<CancelIcon titleAccess="Remove the customer filter" />}
    />
  );
}

export function QuickViewButtons({ value, onChange }: { value: QuickView | null; onChange: (view: QuickView | null) => void }) {
  return (
    <ToggleButtonGroup
      exclusive
      size="small"
      color="primary"
      aria-label="Quick views"
      value={value}
      onChange={(_event, next: QuickView | null) => onChange(next)}
      sx={{ flexWrap: 'wrap' }}
    >
      {QUICK_VIEWS.map((view) => (
        <Tooltip key={view} title={QUICK_VIEW_TEXT[view].hint} describeChild>
          <ToggleButton value={view} sx={{ textTransform: 'none', px: 1.5 }}>
            {QUICK_VIEW_TEXT[view].label}
          </ToggleButton>
        </Tooltip>
      ))}
    </ToggleButtonGroup>
  );
}

export function InquiryFilters({ state, update, templates, customerName }: InquiryFiltersProps) {
  const selectWidth = { minWidth: 160 };
  return (
    <Stack spacing={1.5}>
      <Stack direction="row" spacing={1.5} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
        <SearchBox value={state.search} onSearch={(search) => update({ search })} />
        <QuickViewButtons value={state.quickView} onChange={(quickView) => update({ quickView })} />
        {state.customerId ? <CustomerFilterChip customerId={state.customerId} customerName={customerName} onRemove={() => update({ customerId: null })} /> : null}
        <Box sx={{ flexGrow: 1 }} />
        {hasFilters(state) ? (
          <Button size="small" startIcon={<FilterAltOffIcon />} onClick={() => update(clearFilters)}>
            Reset filters
          </Button>
        ) : null}
      </Stack>

      <Stack direction="row" spacing={1.5} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
        <FormControl size="small" sx={{ minWidth: 200, maxWidth: 320 }}>
          <InputLabel id="filter-status-label" shrink>
            Status
          </InputLabel>
          <Select<Status[]>
            labelId="filter-status-label"
            multiple
            value={state.statuses}
            onChange={(event) => {
              const value = event.target.value;
              update({ statuses: typeof value === 'string' ? (value.split(',') as Status[]) : value });
            }}
            input={<OutlinedInput notched label="Status" />}
            renderValue={(selected) => (selected.length === 0 ? 'Any' : selected.map(statusLabel).join(', '))}
            displayEmpty
          >
            {STATUSES.map((status) => (
              <MenuItem key={status} value={status} dense>
                <Checkbox size="small" checked={state.statuses.includes(status)} sx={{ p: 0.5, mr: 1 }} />
                <ListItemText primary={statusLabel(status)} />
              </MenuItem>
            ))}
          </Select>
        </FormControl>

        <TextField
          select
          size="small"
          label="Template"
          value={state.templateId ?? ANY}
          onChange={(event) => update({ templateId: event.target.value || null })}
          sx={{ minWidth: 200 }}
          slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
        >
          <MenuItem value={ANY}>Any template</MenuItem>
          {templates.map((template) => (
            <MenuItem key={template.id} value={template.id}>
              {template.name}
            </MenuItem>
          ))}
          {/* A template id from a shared URL that this list does not have (yet): keep it selectable. */}
          {state.templateId && !templates.some((t) => t.id === state.templateId) ? (
            <MenuItem value={state.templateId}>{state.templateId}</MenuItem>
          ) : null}
        </TextField>

        <TextField
          select
          size="small"
          label="Version"
          value={state.versionState ?? ANY}
          onChange={(event) => update({ versionState: (event.target.value || null) as VersionState | null })}
          sx={selectWidth}
          slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
        >
          <MenuItem value={ANY}>Any version</MenuItem>
          {VERSION_STATES.map((v) => (
            <MenuItem key={v} value={v}>
              {VERSION_STATE_LABELS[v]}
            </MenuItem>
          ))}
        </TextField>

        <TextField
          select
          size="small"
          label="Expiry"
          value={state.expiry ?? ANY}
          onChange={(event) => update({ expiry: (event.target.value || null) as ExpiryFilter | null })}
          sx={selectWidth}
          slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
        >
          <MenuItem value={ANY}>Any expiry</MenuItem>
          {EXPIRY_FILTERS.map((e) => (
            <MenuItem key={e} value={e}>
              {EXPIRY_LABELS[e]}
            </MenuItem>
          ))}
        </TextField>

        <TextField
          type="date"
          size="small"
          label="Created after"
          value={state.createdAfter ?? ''}
          // Replace, not push: typing a date fires a change per complete value, and back should skip those.
          onChange={(event) => update({ createdAfter: event.target.value || null }, { replace: true })}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { max: state.createdBefore ?? undefined } }}
        />
        <TextField
          type="date"
          size="small"
          label="Created before"
          value={state.createdBefore ?? ''}
          onChange={(event) => update({ createdBefore: event.target.value || null }, { replace: true })}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: state.createdAfter ?? undefined } }}
        />

      </Stack>
    </Stack>
  );
}
