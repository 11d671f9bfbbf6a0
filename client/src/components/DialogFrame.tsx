import Alert from '@mui/material/Alert';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import { useId, type FormEvent, type ReactNode } from 'react';
import { errorMessageOf } from '../lib/trpc';

export interface DialogFrameProps {
  title: ReactNode;
  /** The body, stacked; the error area follows it. */
  children: ReactNode;
  /** The buttons at the bottom; a `type="submit"` one submits the form. */
  actions: ReactNode;
  /** Makes the dialog a form: Enter in a field and the submit button call this (the caller checks validity). */
  onSubmit?: () => void;
  /** A request is on its way: Escape and a click beside the dialog do nothing, so its answer cannot be lost. */
  busy?: boolean;
  /** What went wrong, as the server wrote it, at the end of the body. */
  error?: unknown;
  /** More about the error: a link to a successor, when to retry. */
  errorDetail?: ReactNode;
  /** A click beside the dialog does not close it (it shows something that cannot be shown again); Escape still does. */
  keepOnBackdropClick?: boolean;
  maxWidth?: 'sm' | 'md';
  onClose: () => void;
}

/**
 * The frame every console dialog shares: a titled dialog (the title names it for assistive technology), a body,
 * an error area and the actions. The caller mounts it for one session of the dialog and unmounts it on close,
 * so every opening starts blank and nothing it showed outlives it.
 */
export function DialogFrame({ title, children, actions, onSubmit, busy = false, error, errorDetail, keepOnBackdropClick = false, maxWidth = 'sm', onClose }: DialogFrameProps) {
  const titleId = useId();
  // The paper itself is the form, so the title and actions stay put while a long body scrolls. noValidate: the
  // fields say what is missing in their own words, not the browser's.
  const form = {
    component: 'form' as const,
    noValidate: true,
    onSubmit: (event: FormEvent) => {
      event.preventDefault();
      onSubmit?.();
    },
  };
  return (
    <Dialog
      open
      fullWidth
      maxWidth={maxWidth}
      aria-labelledby={titleId}
      onClose={(_event, reason) => {
        if (busy) return;
        if (keepOnBackdropClick && reason === 'backdropClick') return;
        onClose();
      }}
      slotProps={{ paper: onSubmit ? form : {} }}
    >
      <DialogTitle id={titleId}>{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          {children}
          {error ? (
            <Alert severity="error" role="alert">
              {errorMessageOf(error)}
              {errorDetail ? <div>{errorDetail}</div> : null}
            </Alert>
          ) : null}
        </Stack>
      </DialogContent>
      <DialogActions>{actions}</DialogActions>
    </Dialog>
  );
}
