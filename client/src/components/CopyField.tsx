import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import { MONOSPACE } from '../theme/theme';
import { CopyButton } from './CopyButton';
import { useSecretCopy } from './secretCopy';

export interface CopyFieldProps {
  /** The field's label; also names the copy button ("Copy session token"). */
  label: string;
  value: string;
  helperText?: string;
  /** Long values (tokens, URLs) wrap over several lines instead of scrolling sideways. */
  multiline?: boolean;
  /** Focus (and select) it when it appears, ready for Ctrl+C. */
  autoFocus?: boolean;
  /** The copy button's accessible name, when lower-casing the label would spoil it ("Copy iOS hand-off"). */
  copyLabel?: string;
  /** The value is (or carries) a secret shown once: copying it tells the dialog around it that it left. */
  carriesSecret?: boolean;
}

/** A read-only value with a copy button: select it by hand, or copy it in one click. */
export function CopyField({ label, value, helperText, multiline = false, autoFocus = false, copyLabel, carriesSecret = false }: CopyFieldProps) {
  const tracker = useSecretCopy();
  const copied = carriesSecret && tracker ? tracker.copied : undefined;
  return (
    <TextField
      label={label}
      value={value}
      fullWidth
      multiline={multiline}
      autoFocus={autoFocus}
      helperText={helperText}
      onFocus={(event) => event.target.select()}
      // Ctrl+C of the selected value counts as much as the button.
      {...(copied ? { onCopy: copied } : {})}
      slotProps={{
        htmlInput: { readOnly: true, spellCheck: false, autoComplete: 'off', style: { fontFamily: MONOSPACE, fontSize: 13, wordBreak: 'break-all' } },
        input: {
          endAdornment: (
            <InputAdornment position="end">
              <CopyButton value={value} label={copyLabel ?? label.toLowerCase()} {...(copied ? { onCopied: copied } : {})} />
            </InputAdornment>
          ),
        },
      }}
    />
  );
}
