import Alert from '@mui/material/Alert';
import Button, { type ButtonProps } from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import { useState, type FormEvent, type ReactNode } from 'react';
import { errorMessageOf } from '../lib/trpc';
import { reasonProblem, ReasonField } from './ReasonField';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** What will happen, in a sentence or two. */
  children?: ReactNode;
  confirmLabel: string;
  confirmColor?: ButtonProps['color'];
  /** Ask for a reason (recorded in the audit log); on by default. */
  requireReason?: boolean;
  pending?: boolean;
  /** The server's refusal, shown as it wrote it. */
  error?: unknown;
  onConfirm: (reason: string) => void;
  onClose: () => void;
}

/**
 * Confirm a consequential action, with a reason when the audit log needs one. Enter confirms once the form is
 * valid, Escape cancels; nothing can be confirmed twice while the first request is on its way.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, pending = false, onClose } = props;
  return (
    <Dialog
      open={open}
      onClose={() => {
        if (!pending) onClose();
      }}
      fullWidth
      maxWidth="sm"
    >
      {/* Its own component: the dialog unmounts it when closed, so every opening starts blank. */}
      <ConfirmForm {...props} />
    </Dialog>
  );
}

function ConfirmForm({ title, children, confirmLabel, confirmColor = 'primary', requireReason = true, pending = false, error, onConfirm, onClose }: ConfirmDialogProps) {
  const [reason, setReason] = useState('');
  const [attempted, setAttempted] = useState(false);
  const valid = !requireReason || reasonProblem(reason) === null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setAttempted(true);
    if (!valid || pending) return;
    onConfirm(reason.trim());
  };

  return (
    <form onSubmit={submit} noValidate>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          {children}
          {requireReason ? (
            <ReasonField value={reason} onChange={setReason} showProblem={attempted} onBlur={() => setAttempted((a) => a || reason.length > 0)} autoFocus />
          ) : null}
          {error ? (
            <Alert severity="error" role="alert">
              {errorMessageOf(error)}
            </Alert>
          ) : null}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="contained" color={confirmColor} disabled={!valid || pending} loading={pending}>
          {confirmLabel}
        </Button>
      </DialogActions>
    </form>
  );
}
