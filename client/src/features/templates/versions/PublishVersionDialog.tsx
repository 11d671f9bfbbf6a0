import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { formatCount } from '../charts/buckets';

export const NOTES_MAX_LENGTH = 2000;

export function notesProblem(notes: string): string | null {
  const length = notes.trim().length;
  if (length === 0) return 'Say what changed in this version.';
  if (length > NOTES_MAX_LENGTH) return `At most ${NOTES_MAX_LENGTH} characters.`;
  return null;
}

export interface PublishVersionDialogProps {
  templateName: string;
  /** The version live now (0: none yet). */
  latestVersionNumber: number;
  /** Open inquiries on the live version: they become outdated when the new one is published. */
  openOnLatest: number;
  onConfirm: (notes: string, reason: string) => Promise<unknown>;
  onClose: () => void;
}

/** Publishing a version: its notes, the reason, and first of all how many open inquiries it leaves behind. */
export function PublishVersionDialog({ templateName, latestVersionNumber, openOnLatest, onConfirm, onClose }: PublishVersionDialogProps) {
  const [notes, setNotes] = useState('');
  const [touched, setTouched] = useState(false);
  const problem = notesProblem(notes);
  const next = latestVersionNumber + 1;
  return (
    <ConfirmDialog
      title={`Publish v${next} of ${templateName}?`}
      confirmLabel={`Publish v${next}`}
      canConfirm={problem === null}
      onConfirm={(reason) => onConfirm(notes.trim(), reason)}
      onClose={onClose}
      fields={
        <TextField
          label="Notes"
          required
          multiline
          minRows={3}
          autoFocus
          value={notes}
          onChange={(e) => setNotes(e.target.value)}
          // Opening the dialog moves the focus around: only a blur after typing counts.
          onBlur={() => setTouched((t) => t || notes.length > 0)}
          error={touched && problem !== null}
          helperText={touched && problem !== null ? problem : 'What changed in the flow. Shown in the versions table.'}
          slotProps={{ htmlInput: { maxLength: NOTES_MAX_LENGTH + 50 } }}
        />
      }
    >
      <Typography variant="body2">
        New inquiries are created on v{next} from now on.{' '}
        {latestVersionNumber > 0 ? (
          <>
            <strong>
              {formatCount(openOnLatest)} open {openOnLatest === 1 ? 'inquiry' : 'inquiries'} on v{latestVersionNumber}
            </strong>{' '}
            {openOnLatest === 1 ? 'becomes' : 'become'} outdated: they finish on v{latestVersionNumber} unless you recreate them on v{next} afterwards.
          </>
        ) : null}
      </Typography>
    </ConfirmDialog>
  );
}
