import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { DialogFrame } from './DialogFrame';

/**
 * Asked when a show-once result is closed (Escape, Done, the close button) before anything was copied from it.
 * The safe answer — keep it open — is the default: Enter and Escape both keep it.
 */
export function CloseUncopiedDialog({ what, onKeep, onDiscard }: { what: string; onKeep: () => void; onDiscard: () => void }) {
  return (
    <DialogFrame
      title={`Close without copying the ${what}?`}
      onSubmit={onKeep}
      onClose={onKeep}
      actions={
        <>
          <Button color="error" onClick={onDiscard}>
            Close without copying
          </Button>
          <Button type="submit" variant="contained" autoFocus>
            Keep it open
          </Button>
        </>
      }
    >
      <Typography>
        The {what} is shown only now and was not copied. Once this dialog closes it cannot be shown again: you would have to issue a new one.
      </Typography>
    </DialogFrame>
  );
}
