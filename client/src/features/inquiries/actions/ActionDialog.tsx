import Alert from '@mui/material/Alert';
import Button, { type ButtonProps } from '@mui/material/Button';
import { useState, type ReactNode } from 'react';
import { CloseUncopiedDialog } from '../../../components/CloseUncopiedDialog';
import { DialogFrame } from '../../../components/DialogFrame';
import { SecretCopyProvider, useSecretCopyState } from '../../../components/secretCopy';

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
  /** Another way to submit, beside the submit button (e.g. "Email one-time link"); it handles its own click. */
  secondaryAction?: ReactNode;
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
  secondaryAction,
  result,
  onClose,
}: ActionDialogProps) {
  const showingResult = result !== undefined && result !== null;
  // A show-once secret in the result that was never copied: closing asks first (Escape, Done, the close button).
  const secret = useSecretCopyState();
  const [askingToClose, setAskingToClose] = useState<string | null>(null);
  const requestClose = () => {
    if (showingResult && secret.uncopied) setAskingToClose(secret.uncopied);
    else onClose();
  };
  return (
    <>
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
        onClose={requestClose}
        actions={
          showingResult ? (
            <Button onClick={requestClose} variant="contained">
              Done
            </Button>
          ) : (
            <>
              <Button onClick={onClose} disabled={pending}>
                Cancel
              </Button>
              {secondaryAction}
              <Button type="submit" variant="contained" color={submitColor} disabled={!canSubmit || pending} loading={pending}>
                {submitLabel}
              </Button>
            </>
          )
        }
      >
        {showingResult ? (
          <SecretCopyProvider tracker={secret.tracker}>{result}</SecretCopyProvider>
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
      {askingToClose ? <CloseUncopiedDialog what={askingToClose} onKeep={() => setAskingToClose(null)} onDiscard={onClose} /> : null}
    </>
  );
}
