import Button, { type ButtonProps } from '@mui/material/Button';
import { useRef, useState, type ReactNode } from 'react';
import { DialogFrame } from './DialogFrame';
import { reasonProblem, ReasonField } from './ReasonField';

export interface ConfirmDialogProps {
  title: string;
  /** What will happen, in full: the consequences are the point of asking. */
  children: ReactNode;
  confirmLabel: string;
  /** 'error' for what takes something away (revoke, disable, end sessions). */
  confirmColor?: ButtonProps['color'];
  /** Fields between the description and the reason (a role picker); one of them takes the focus. */
  fields?: ReactNode;
  /** False while the extra fields are not ready. */
  canConfirm?: boolean;
  /**
   * Called with the reason, trimmed. Resolves when done (the caller then closes the dialog or opens the next
   * one); a rejection's message is shown and the dialog stays open for another try.
   */
  onConfirm: (reason: string) => Promise<unknown>;
  onClose: () => void;
}

/**
 * Asks before a consequential change, with the reason the audit log records. Enter confirms once the form is
 * valid, Escape cancels; nothing can be confirmed twice while the first request is on its way. Rendered only
 * while open (the caller mounts it), so every opening starts blank.
 */
export function ConfirmDialog({ title, children, confirmLabel, confirmColor = 'primary', fields, canConfirm = true, onConfirm, onClose }: ConfirmDialogProps) {
  const [reason, setReason] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // A second Enter can arrive before React re-renders the button as disabled.
  const inFlight = useRef(false);
  const ready = canConfirm && reasonProblem(reason) === null;

  const submit = async () => {
    setAttempted(true);
    if (!ready || inFlight.current) return;
    inFlight.current = true;
    setPending(true);
    setError(null);
    try {
      await onConfirm(reason.trim());
    } catch (err) {
      setError(err);
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  };

  return (
    <DialogFrame
      title={title}
      busy={pending}
      error={error}
      onSubmit={() => void submit()}
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" color={confirmColor} disabled={!ready} loading={pending}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      {children}
      {fields}
      <ReasonField
        value={reason}
        onChange={setReason}
        showProblem={attempted}
        onBlur={() => setAttempted((a) => a || reason.length > 0)}
        autoFocus={fields === undefined}
      />
    </DialogFrame>
  );
}
