import TextField from '@mui/material/TextField';
import type { Ref } from 'react';

/** The server's rule (shared/actions.ts ReasonSchema), repeated here so the shared components stay free of zod. */
export const REASON_MIN_LENGTH = 5;
export const REASON_MAX_LENGTH = 500;

/** Why a reason is not acceptable yet, or null. */
export function reasonProblem(reason: string): string | null {
  const length = reason.trim().length;
  if (length < REASON_MIN_LENGTH) return `Say why, in at least ${REASON_MIN_LENGTH} characters.`;
  if (length > REASON_MAX_LENGTH) return `At most ${REASON_MAX_LENGTH} characters.`;
  return null;
}

export interface ReasonFieldProps {
  value: string;
  onChange: (value: string) => void;
  /** Show the problem (after a blur or a submit attempt); before that the helper text explains. */
  showProblem: boolean;
  onBlur?: () => void;
  inputRef?: Ref<HTMLInputElement>;
  label?: string;
  helperText?: string;
  disabled?: boolean;
  /** Focus it when it appears: it is the first thing to fill in. */
  autoFocus?: boolean;
}

/** A required free-text reason, recorded with the action in the audit log. */
export function ReasonField({
  value,
  onChange,
  showProblem,
  onBlur,
  inputRef,
  label = 'Reason',
  helperText = 'Recorded in the audit log with your name. At least 5 characters.',
  disabled = false,
  autoFocus = false,
}: ReasonFieldProps) {
  const problem = showProblem ? reasonProblem(value) : null;
  return (
    <TextField
      label={label}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      onBlur={onBlur}
      inputRef={inputRef}
      required
      fullWidth
      disabled={disabled}
      autoFocus={autoFocus}
      autoComplete="off"
      error={problem !== null}
      helperText={problem ?? helperText}
      slotProps={{ htmlInput: { maxLength: REASON_MAX_LENGTH + 50 } }}
    />
  );
}
