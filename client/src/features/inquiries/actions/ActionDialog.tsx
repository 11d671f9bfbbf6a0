import Alert from '@mui/material/Alert';
import Button, { type ButtonProps } from '@mui/material/Button';
import type { ReactNode } from 'react';
import { DialogFrame } from '../../../components/DialogFrame';

export interface ActionDialogProps {
  title: string;
  submitLabel: string;
  submitColor?: ButtonProps['color'];
  /** What the action does, before the fields. */
  intro?: ReactNode;
  /** The server's warnings for this action. */
  warnings?: readonly string[];
  /** The form's fields; the first one takes focus. */
  children: ReactNode;
  /** Every field is valid and every acknowledgement ticked. */
  canSubmit: boolean;
  pending: boolean;
  error: unknown;
  /** More about the error: a link to a successor, when to retry. */
  errorDetail?: ReactNode;
  onSubmit: () => void;
  /** Once the action succeeded: what it produced, shown instead of the form. */
  result?: ReactNode;
  onClose: () => void;
}

/**
 * The frame every guarded action shares: a form that Enter submits once it is valid, Escape cancels, and
 * that cannot be closed while its request is on its way (its answer may be a token shown only once). The
 * dialog is mounted for one session of the action: its parent unmounts it on close, and with it the result.
 */
export function ActionDialog({
  title,
  submitLabel,
  submitColor = 'primary',
  intro,
  warnings = [],
  children,
  canSubmit,
  pending,
  error,
  errorDetail,
  onSubmit,
  result,
  onClose,
}: ActionDialogProps) {
  const showingResult = result !== undefined && result !== null;
  return (
    <DialogFrame
      title={title}
      busy={pending}
      // A stray click beside the dialog must not throw away a token that is shown only once.
      keepOnBackdropClick={showingResult}
      error={showingResult ? null : error}
      errorDetail={errorDetail}
      onSubmit={() => {
        if (!showingResult && !pending && canSubmit) onSubmit();
      }}
      onClose={onClose}
      actions={
        showingResult ? (
          <Button onClick={onClose} variant="contained">
            Done
          </Button>
        ) : (
          <>
            <Button onClick={onClose} disabled={pending}>
              Cancel
            </Button>
            <Button type="submit" variant="contained" color={submitColor} disabled={!canSubmit || pending} loading={pending}>
              {submitLabel}
            </Button>
          </>
        )
      }
    >
      {showingResult ? (
        result
      ) : (
        <>
          {intro}
          {warnings.map((warning) => (
            <Alert key={warning} severity="warning" role="note">
              {warning}
            </Alert>
          ))}
          {children}
        </>
      )}
    </DialogFrame>
  );
}
