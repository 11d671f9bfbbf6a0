import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import { MONOSPACE } from '../theme/theme';
import { CopyButton } from './CopyButton';

export interface CopyFieldProps {
  /** The field's label; also names the copy button ("Copy session token"). */
  label: string;
  value: string;
  helperText?: string;
  /** Long values (tokens, URLs) wrap over several lines instead of scrolling sideways. */
  multiline?: boolean;
  /** Focus (and select) it when it appears, ready for Ctrl+C. */
  autoFocus?: boolean;
}

/** A read-only value with a copy button: select it by hand, or copy it in one click. */
export function CopyField({ label, value, helperText, multiline = false, autoFocus = false }: CopyFieldProps) {
  return (
    <TextField
      label={label}
      value={value}
      fullWidth
      multiline={multiline}
      autoFocus={autoFocus}
      helperText={helperText}
      onFocus={(event) => event.target.select()}
      slotProps={{
        htmlInput: { readOnly: true, spellCheck: false, autoComplete: 'off', style: { fontFamily: MONOSPACE, fontSize: 13, wordBreak: 'break-all' } },
        input: {
          endAdornment: (
            <InputAdornment position="end">
              <CopyButton value={value} label={label.toLowerCase()} />
            </InputAdornment>
          ),
        },
      }}
    />
  );
}
