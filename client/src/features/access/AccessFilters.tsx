import FilterAltOffIcon from '@mui/icons-material/FilterAltOff';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControl from '@mui/material/FormControl';
import InputLabel from '@mui/material/InputLabel';
import ListItemText from '@mui/material/ListItemText';
import MenuItem from '@mui/material/MenuItem';
import OutlinedInput from '@mui/material/OutlinedInput';
import Select from '@mui/material/Select';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { ACCESS_KINDS, ACCESS_KIND_LABELS, ACCESS_STATES, type AccessKind, type AccessState } from '@shared/access.js';
import { useState } from 'react';
import { clearFilters, hasFilters, STATE_LABELS, type AccessReportState, type TicketFilter } from './accessParams';
import type { AccessStateUpdate } from './hooks';

function MultiSelect<T extends string>({ id, label, options, labels, value, onChange }: { id: string; label: string; options: readonly T[]; labels: Record<T, string>; value: T[]; onChange: (value: T[]) => void }) {
  return (
    <FormControl size="small" sx={{ minWidth: 180, maxWidth: 320 }}>
      <InputLabel id={`${id}-label`} shrink>
        {label}
      </InputLabel>
      <Select<T[]>
        labelId={`${id}-label`}
        multiple
        value={value}
        onChange={(event) => {
          const next = event.target.value;
          onChange(typeof next === 'string' ? (next.split(',') as T[]) : next);
        }}
        input={<OutlinedInput notched label={label} />}
        renderValue={(selected) => (selected.length === 0 ? 'Any' : selected.map((s) => labels[s]).join(', '))}
        displayEmpty
      >
        {options.map((option) => (
          <MenuItem key={option} value={option} dense>
            <Checkbox size="small" checked={value.includes(option)} sx={{ p: 0.5, mr: 1 }} />
            <ListItemText primary={labels[option]} />
          </MenuItem>
        ))}
      </Select>
    </FormControl>
  );
}

/**
 * A text filter applied on Enter or when the field loses focus (not on every key: each is a request). Keyed by its
 * value where used, so a change from elsewhere (a link, Reset) starts it afresh.
 */
function CommitField({ label, value, placeholder, onCommit, width }: { label: string; value: string | null; placeholder: string; onCommit: (value: string | null) => void; width: number }) {
  const [draft, setDraft] = useState(value ?? '');
  const commit = () => {
    const next = draft.trim() || null;
    if (next !== value) onCommit(next);
  };
  return (
    <TextField
      size="small"
      label={label}
      placeholder={placeholder}
      value={draft}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === 'Enter') commit();
      }}
      sx={{ width }}
      slotProps={{ inputLabel: { shrink: true } }}
    />
  );
}

export interface AccessFiltersProps {
  state: AccessReportState;
  update: (change: AccessStateUpdate, options?: { replace?: boolean }) => void;
  /** Support sees only what they issued: no issuer to choose. */
  ownOnly: boolean;
}

export function AccessFilters({ state, update, ownOnly }: AccessFiltersProps) {
  return (
    <Stack direction="row" spacing={1.5} useFlexGap sx={{ flexWrap: 'wrap', alignItems: 'center' }}>
      <MultiSelect<AccessKind> id="access-kind" label="Kind" options={ACCESS_KINDS} labels={ACCESS_KIND_LABELS} value={state.kinds} onChange={(kinds) => update({ kinds })} />
      <MultiSelect<AccessState> id="access-state" label="State" options={ACCESS_STATES} labels={STATE_LABELS} value={state.states} onChange={(states) => update({ states })} />
      {ownOnly ? null : <CommitField key={`issuer:${state.issuer ?? ''}`} label="Issued by" placeholder="email or stf_… / key_…" value={state.issuer} onCommit={(issuer) => update({ issuer })} width={240} />}
      <CommitField key={`inquiry:${state.inquiryId ?? ''}`} label="Inquiry" placeholder="inq_…" value={state.inquiryId} onCommit={(inquiryId) => update({ inquiryId })} width={200} />
      <TextField
        select
        size="small"
        label="Ticket"
        value={state.ticket ?? ''}
        onChange={(event) => update({ ticket: (event.target.value || null) as TicketFilter | null })}
        sx={{ minWidth: 150 }}
        slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}
      >
        <MenuItem value="">Any</MenuItem>
        <MenuItem value="with">With a ticket</MenuItem>
        <MenuItem value="without">Without a ticket</MenuItem>
      </TextField>
      <TextField
        type="date"
        size="small"
        label="Issued from"
        value={state.issuedAfter ?? ''}
        onChange={(event) => update({ issuedAfter: event.target.value || null }, { replace: true })}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { max: state.issuedBefore ?? undefined } }}
      />
      <TextField
        type="date"
        size="small"
        label="Issued to"
        value={state.issuedBefore ?? ''}
        onChange={(event) => update({ issuedBefore: event.target.value || null }, { replace: true })}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { min: state.issuedAfter ?? undefined } }}
      />
      <Box sx={{ flexGrow: 1 }} />
      {hasFilters(state) ? (
        <Button size="small" startIcon={<FilterAltOffIcon />} onClick={() => update(clearFilters)}>
          Reset filters
        </Button>
      ) : null}
    </Stack>
  );
}
