import Alert from '@mui/material/Alert';
import Stack from '@mui/material/Stack';
import { useEffect, useState, type ReactNode } from 'react';
import { writeClipboard } from './clipboard';
import { CopyField } from './CopyField';
import { useOptionalNotify } from './notifications';
import { useSecretCopy } from './secretCopy';

export interface OneTimeSecretProps {
  label: string;
  value: string;
  /** What the person must know about it; defaults to the shown-once note. */
  note?: ReactNode;
  helperText?: string;
  autoFocus?: boolean;
  /** Copy it to the clipboard as soon as it appears, where the browser allows it; the copy button stays as the fallback. */
  autoCopy?: boolean;
}

type CopyState = 'copying' | 'copied' | 'manual';

/**
 * A secret the server hands out once (a session token, a link that carries one). It lives only in the
 * component that shows it: never in the URL, storage, the query cache or a log. Closing the view loses it,
 * so the dialog around it (secretCopy.tsx) asks before closing over a secret that was never copied.
 */
export function OneTimeSecret({ label, value, note, helperText, autoFocus = false, autoCopy = false }: OneTimeSecretProps) {
  const tracker = useSecretCopy();
  const notify = useOptionalNotify();
  const [copy, setCopy] = useState<CopyState>(autoCopy ? 'copying' : 'manual');

  useEffect(() => tracker?.shown(label.toLowerCase()), [tracker, label]);

  useEffect(() => {
    if (!autoCopy) return;
    let live = true;
    writeClipboard(value, { apiOnly: true }).then(
      () => {
        if (!live) return;
        setCopy('copied');
        tracker?.copied();
        notify?.(`${label} copied to the clipboard`);
      },
      () => {
        if (live) setCopy('manual');
      },
    );
    return () => {
      live = false;
    };
    // Once per secret: a re-render must not copy it again over what the person copied since.
  }, [value]);

  const shownOnce = note ?? `This ${label.toLowerCase()} is shown only now. Copy it before you close this dialog: it cannot be shown again.`;
  return (
    <Stack spacing={1}>
      <CopyField label={label} value={value} multiline autoFocus={autoFocus} carriesSecret {...(helperText ? { helperText } : {})} />
      {copy === 'copied' ? (
        <Alert severity="success" variant="outlined" role="status">
          Copied to the clipboard. {shownOnce}
        </Alert>
      ) : (
        <Alert severity="info" variant="outlined" role="note">
          {autoCopy && copy === 'manual' ? 'Your browser did not let the console copy it by itself: use the copy button. ' : ''}
          {shownOnce}
        </Alert>
      )}
    </Stack>
  );
}
