import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useState } from 'react';
import { EmailSchema } from '@shared/auth.js';
import type { Role } from '@shared/permissions.js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import type { useStaffMutations } from './hooks';
import { RoleSelect } from './RoleSelect';

type CreateResult = Awaited<ReturnType<ReturnType<typeof useStaffMutations>['create']['mutateAsync']>>;

export interface CreateStaffDialogProps {
  localPasswords: boolean;
  create: ReturnType<typeof useStaffMutations>['create'];
  onCreated: (result: CreateResult) => void;
  onClose: () => void;
}

/** Invites a member of staff: the account is created at once, with a one-time password (or SSO only). */
export function CreateStaffDialog({ localPasswords, create, onCreated, onClose }: CreateStaffDialogProps) {
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  // Least privilege first: an admin raises it on purpose.
  const [role, setRole] = useState<Role>('viewer');
  const [touched, setTouched] = useState(false);
  const emailValid = EmailSchema.safeParse(email).success;
  const ready = emailValid && displayName.trim() !== '';

  return (
    <ConfirmDialog
      title="Add a staff member"
      confirmLabel="Create account"
      canConfirm={ready}
      onClose={onClose}
      onConfirm={async (reason) => {
        const result = await create.mutateAsync({ email: email.trim(), displayName: displayName.trim(), role, reason });
        onCreated(result);
      }}
      fields={
        <>
          <TextField
            label="Email"
            type="email"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            onBlur={() => setTouched(true)}
            error={touched && email !== '' && !emailValid}
            helperText={touched && email !== '' && !emailValid ? 'Enter an email address.' : ' '}
          />
          <TextField label="Name" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} slotProps={{ htmlInput: { maxLength: 200 } }} />
          <RoleSelect value={role} onChange={setRole} />
        </>
      }
    >
      <Typography variant="body2" color="text.secondary">
        {localPasswords
          ? 'The account is created at once with a one-time password, shown to you once on the next screen. They choose their own password when they first sign in.'
          : 'Password sign-in is off: they sign in with single sign-on, using this email.'}
      </Typography>
    </ConfirmDialog>
  );
}
