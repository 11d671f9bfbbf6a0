import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { errorMessageOf } from '../../lib/trpc';

export interface ConfirmDialogProps {
  title: string;
  /** What will happen, in full: the consequences are the point of asking. */
  children: ReactNode;
  confirmLabel: string;
  /** 'error' for what takes something away (disable, end sessions). */
  tone?: 'primary' | 'error';
  /** Extra fields between the description and the reason (a role picker). */
  fields?: ReactNode;
  /** Resolves when done (the caller closes the dialog); a rejection's message is shown and the dialog stays. */
  onConfirm: (reason: string | undefined) => Promise<unknown>;
  onClose: () => void;
  /** False while the extra fields are not ready. */
  canConfirm?: boolean;
}

/**
 * Asks before a consequential change. The optional reason goes to the audit log with the change. Rendered only
 * while open (the caller mounts it), so every opening starts blank.
 */
export function ConfirmDialog({ title, children, confirmLabel, tone = 'primary', fields, onConfirm, onClose, canConfirm = true }: ConfirmDialogProps) {
  const titleId = useId();
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (pending || !canConfirm) return;
    setPending(true);
    setError(null);
    try {
      await onConfirm(reason.trim() === '' ? undefined : reason.trim());
    } catch (err) {
      setError(errorMessageOf(err));
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog
      open
      onClose={pending ? undefined : onClose}
      aria-labelledby={titleId}
      fullWidth
      maxWidth="sm"
      slotProps={{ paper: { component: 'form', onSubmit: (event: FormEvent) => void submit(event) } }}
    >
      <DialogTitle id={titleId}>{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 0.5 }}>
          {children}
          {fields}
          <TextField label="Reason (optional, for the audit log)" value={reason} onChange={(e) => setReason(e.target.value)} slotProps={{ htmlInput: { maxLength: 500 } }} multiline minRows={1} />
          {error ? (
            <Alert severity="error" role="alert">
              {error}
            </Alert>
          ) : null}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" variant="contained" color={tone} loading={pending} disabled={!canConfirm}>
          {confirmLabel}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
