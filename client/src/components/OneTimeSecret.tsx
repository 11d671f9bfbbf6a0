import Alert from '@mui/material/Alert';
import Stack from '@mui/material/Stack';
import type { ReactNode } from 'react';
import { CopyField } from './CopyField';

export interface OneTimeSecretProps {
  label: string;
  value: string;
  /** What the person must know about it; defaults to the shown-once note. */
  note?: ReactNode;
  helperText?: string;
  autoFocus?: boolean;
}

/**
 * A secret the server hands out once (a session token, a link that carries one). It lives only in the
 * component that shows it: never in the URL, storage, the query cache or a log. Closing the view loses it.
 */
export function OneTimeSecret({ label, value, note, helperText, autoFocus = false }: OneTimeSecretProps) {
  return (
    <Stack spacing={1}>
      <CopyField label={label} value={value} multiline autoFocus={autoFocus} {...(helperText ? { helperText } : {})} />
      <Alert severity="info" variant="outlined" role="note">
        {note ?? `This ${label.toLowerCase()} is shown only now. Copy it before you close this dialog: it cannot be shown again.`}
      </Alert>
    </Stack>
  );
}
