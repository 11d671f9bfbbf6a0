import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { NewPasswordSchema } from '@shared/auth.js';
import { useNotify } from '../../components/notifications';
import { errorMessageOf, useTRPC } from '../../lib/trpc';
import { AuthLayout } from './AuthLayout';
import type { Me } from './useMe';
import { useSignOut } from './useSignOut';

/** What is wrong with the new password before asking the server, or null. */
function problemWith(current: string, next: string, repeated: string): string | null {
  if (current === '') return 'Enter the one-time password you signed in with.';
  const rules = NewPasswordSchema.safeParse(next);
  if (!rules.success) return `The new password ${rules.error.issues[0]?.message ?? 'is not allowed'}.`;
  if (next === current) return 'Choose a password different from the one-time password.';
  if (next !== repeated) return 'The two new passwords do not match.';
  return null;
}

/**
 * Shown instead of the console while the person still uses a one-time password (from an admin's invitation or
 * reset): the server refuses everything else until they choose their own.
 */
export default function ChangePasswordPage({ me }: { me: Me }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const notify = useNotify();
  const { signOut, pending: signingOut } = useSignOut();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeated, setRepeated] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  const change = useMutation(
    trpc.auth.changePassword.mutationOptions({
      onSuccess: async () => {
        notify('Password changed. Your other sessions were signed out.');
        await queryClient.invalidateQueries({ queryKey: trpc.auth.me.queryKey() });
      },
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = problemWith(current, next, repeated);
    setProblem(found);
    if (found) return;
    change.mutate({ currentPassword: current, newPassword: next });
  };

  const error = problem ?? (change.isError ? errorMessageOf(change.error) : null);
  return (
    <AuthLayout title="Choose a new password">
      <Stack component="form" spacing={2} noValidate onSubmit={submit} aria-label="Choose a new password">
        <Typography variant="body2" color="text.secondary">
          {me.staff.displayName} ({me.staff.email}), you signed in with a one-time password. Choose your own to continue: at least 12
          characters; a few unrelated words make a good one.
        </Typography>
        {error ? (
          <Alert severity="error" role="alert">
            {error}
          </Alert>
        ) : null}
        <TextField
          label="One-time password"
          type="password"
          autoComplete="current-password"
          autoFocus
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.target.value)}
          helperText="At least 12 characters."
        />
        <TextField
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          required
          value={repeated}
          onChange={(e) => setRepeated(e.target.value)}
        />
        <Button type="submit" variant="contained" size="large" loading={change.isPending}>
          Save password and continue
        </Button>
        <Button onClick={() => void signOut()} disabled={signingOut}>
          Sign out
        </Button>
      </Stack>
    </AuthLayout>
  );
}
