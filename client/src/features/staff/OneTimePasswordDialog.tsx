import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';
import { useId } from 'react';
import { CopyButton } from '../../components/CopyButton';
import { DialogFrame } from '../../components/DialogFrame';
import { MONOSPACE } from '../../theme/theme';

export interface OneTimePasswordDialogProps {
  title: string;
  person: { displayName: string; email: string };
  password: string;
  onClose: () => void;
}

/**
 * The one-time password, shown once: the server keeps only its hash, and this dialog forgets it when closed.
 * A click outside does not close it, so it cannot be lost by accident.
 */
export function OneTimePasswordDialog({ title, person, password, onClose }: OneTimePasswordDialogProps) {
  const valueId = useId();
  return (
    <DialogFrame
      title={title}
      keepOnBackdropClick
      onClose={onClose}
      actions={
        <Button variant="contained" onClick={onClose}>
          I have copied it
        </Button>
      }
    >
      <Alert severity="warning">
        This one-time password is shown only now. Copy it and hand it to {person.displayName} through a channel you trust; nobody can show it
        again. They must choose their own password when they first sign in.
      </Alert>
      <Box>
        <Typography id={valueId} variant="body2" color="text.secondary" gutterBottom>
          One-time password for {person.email}
        </Typography>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', p: 1.5, border: 1, borderColor: 'divider', borderRadius: 1, bgcolor: 'action.hover' }}>
          <Typography component="output" aria-labelledby={valueId} sx={{ fontFamily: MONOSPACE, fontSize: 16, flexGrow: 1, overflowWrap: 'anywhere', userSelect: 'all' }}>
            {password}
          </Typography>
          <CopyButton value={password} label="one-time password" size="medium" />
        </Stack>
      </Box>
    </DialogFrame>
  );
}
