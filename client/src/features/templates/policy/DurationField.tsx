import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import { UNITS, type DurationInput, type FieldCheck, type PolicyFieldSpec, type Unit } from '../policyForm';

export interface DurationFieldProps {
  spec: PolicyFieldSpec;
  value: DurationInput;
  check: FieldCheck;
  onChange: (next: DurationInput) => void;
  /** What an inherited value stands for now, e.g. "24 h" (after start, same as after creation). */
  inheritedValue?: string | undefined;
  disabled?: boolean;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function isUnit(value: string): value is Unit {
  return (UNITS as readonly string[]).includes(value);
}

/**
 * One duration of the policy: a number and a unit (minutes, hours, days), with its problem or warning right
 * under it; optionally left to an inherited value (after start: same as after creation; a cap: the server's).
 */
export function DurationField({ spec, value, check, onChange, inheritedValue, disabled = false }: DurationFieldProps) {
  const helperId = useId();
  const inherited = spec.inherit !== null && value.inherit;
  let helper: string = spec.help;
  let tone: 'help' | 'error' | 'warning' = 'help';
  if (inherited) helper = inheritedValue ? `${capitalize(spec.inherit?.reads ?? '')} (${inheritedValue}).` : `${capitalize(spec.inherit?.reads ?? '')}.`;
  else if (check.problem !== null) {
    helper = check.problem;
    tone = 'error';
  } else if (check.warning !== null) {
    helper = check.warning;
    tone = 'warning';
  }

  return (
    <Stack role="group" aria-label={spec.label} spacing={0}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
        <TextField
          label={spec.label}
          type="number"
          size="small"
          value={value.amount}
          disabled={disabled || inherited}
          onChange={(event) => onChange({ ...value, amount: event.target.value })}
          error={!inherited && check.problem !== null}
          sx={{ flex: 1, minWidth: 0 }}
          slotProps={{ htmlInput: { min: 0, step: 'any', inputMode: 'decimal', 'aria-describedby': helperId } }}
        />
        <TextField
          select
          label="Unit"
          size="small"
          value={value.unit}
          disabled={disabled || inherited}
          onChange={(event) => {
            if (isUnit(event.target.value)) onChange({ ...value, unit: event.target.value });
          }}
          sx={{ width: 120, flexShrink: 0 }}
          slotProps={{ select: { native: true }, htmlInput: { 'aria-label': `${spec.label} unit` } }}
        >
          {UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {unit}
            </option>
          ))}
        </TextField>
      </Stack>
      <FormHelperText id={helperId} error={tone === 'error'} sx={{ mx: 1.75, ...(tone === 'warning' ? { color: 'warning.main', fontWeight: 500 } : {}) }}>
        {helper}
      </FormHelperText>
      {spec.inherit ? (
        <FormControlLabel
          sx={{ ml: 0 }}
          control={<Checkbox size="small" checked={value.inherit} disabled={disabled} onChange={(event) => onChange({ ...value, inherit: event.target.checked })} />}
          label={<Typography variant="body2">{spec.inherit.label}</Typography>}
        />
      ) : null}
    </Stack>
  );
}
