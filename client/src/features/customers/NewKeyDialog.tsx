import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { DialogFrame } from '../../components/DialogFrame';
import { OneTimeSecret } from '../../components/OneTimeSecret';
import { formatAbsolute } from '../../lib/time';
import { MONOSPACE } from '../../theme/theme';

export interface NewKey {
  customerName: string;
  name: string;
  secret: string;
  prefix: string;
  expiresAt: Date | null;
}

/**
 * A new key's secret, shown once: the server keeps only its hash, and this dialog forgets it when closed.
 * A click outside does not close it, so it cannot be lost by accident.
 */
export function NewKeyDialog({ created, onClose }: { created: NewKey; onClose: () => void }) {
  return (
    <DialogFrame
      title={`API key “${created.name}” for ${created.customerName}`}
      keepOnBackdropClick
      onClose={onClose}
      actions={
        <Button variant="contained" onClick={onClose}>
          I have copied it
        </Button>
      }
    >
      <Alert severity="success" role="status">
        The key works from now{created.expiresAt ? ` until ${formatAbsolute(created.expiresAt)}` : ' until it is revoked'}. Hand it to {created.customerName} over a
        secure channel, for their backend to call the partner API with.
      </Alert>
      <OneTimeSecret
        label="API key"
        value={created.secret}
        autoFocus
        note="Copy this key now: you will not see it again. The server keeps only its hash, so nobody can show it later; if it is lost, revoke it and create a new one."
      />
      <Typography variant="body2" color="text.secondary">
        Lists show it by its prefix,{' '}
        <Typography component="span" variant="body2" sx={{ fontFamily: MONOSPACE }}>
          {created.prefix}…
        </Typography>
      </Typography>
    </DialogFrame>
  );
}
