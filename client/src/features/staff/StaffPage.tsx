import PersonAddAlt1OutlinedIcon from '@mui/icons-material/PersonAddAlt1Outlined';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Paper from '@mui/material/Paper';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useEffect, useMemo, useState } from 'react';
import { ROLE_LABELS, type Role } from '@shared/permissions.js';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { EmptyState, ErrorState } from '../../components/states';
import { RelativeTime } from '../../components/RelativeTime';
import { useNotify } from '../../components/notifications';
import { usePermissions } from '../auth/usePermissions';
import { CreateStaffDialog } from './CreateStaffDialog';
import { useLocalPasswords, useStaffList, useStaffMutations, type StaffMember, type StaffSession } from './hooks';
import { OneTimePasswordDialog } from './OneTimePasswordDialog';
import { RoleSelect } from './RoleSelect';
import { deviceOf, SessionsDialog } from './SessionsDialog';
import type { StaffAction } from './StaffTable';
import { StaffTable } from './StaffTable';

type Open =
  | { kind: 'create' }
  | { kind: StaffAction; person: StaffMember }
  | { kind: 'end-sessions'; person: StaffMember }
  | { kind: 'end-session'; person: StaffMember; session: StaffSession }
  | { kind: 'password'; title: string; person: StaffMember; password: string };

function ChangeRoleDialog({ person, isSelf, onConfirm, onClose }: { person: StaffMember; isSelf: boolean; onConfirm: (role: Role, reason: string) => Promise<void>; onClose: () => void }) {
  const [role, setRole] = useState<Role>(person.role);
  return (
    <ConfirmDialog
      title={`Change the role of ${person.displayName}`}
      confirmLabel="Change role"
      canConfirm={role !== person.role}
      onConfirm={(reason) => onConfirm(role, reason)}
      onClose={onClose}
      fields={<RoleSelect label="New role" value={role} onChange={setRole} autoFocus />}
    >
      <Typography variant="body2">
        {person.email} is {ROLE_LABELS[person.role]} now. Changing the role signs them out everywhere at once; they sign in again with the new role.
      </Typography>
      {isSelf ? <Alert severity="warning">This is your own account: you will be signed out, and without the Admin role you cannot manage staff.</Alert> : null}
    </ConfirmDialog>
  );
}

/** /staff (admin): staff accounts, roles and sessions. Every change asks first and is audited by the server. */
export default function StaffPage() {
  const list = useStaffList();
  const mutations = useStaffMutations();
  const localPasswords = useLocalPasswords();
  const { staffId } = usePermissions();
  const notify = useNotify();
  const [open, setOpen] = useState<Open | null>(null);
  const [filter, setFilter] = useState('');
  const close = () => setOpen(null);

  useEffect(() => {
    document.title = 'Staff · Inquiry Desk';
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, []);

  const items = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const all = list.data?.items ?? [];
    return needle ? all.filter((p) => p.email.includes(needle) || p.displayName.toLowerCase().includes(needle)) : all;
  }, [list.data, filter]);

  let dialog = null;
  if (open) {
    switch (open.kind) {
      case 'create':
        dialog = (
          <CreateStaffDialog
            localPasswords={localPasswords}
            create={mutations.create}
            onClose={close}
            onCreated={({ staff, oneTimePassword }) => {
              notify(`Account created for ${staff.email} (${ROLE_LABELS[staff.role]}).`);
              setOpen(oneTimePassword ? { kind: 'password', title: `${staff.displayName} can now sign in`, person: staff, password: oneTimePassword } : null);
            }}
          />
        );
        break;
      case 'role': {
        const { person } = open;
        dialog = (
          <ChangeRoleDialog
            person={person}
            isSelf={person.id === staffId}
            onClose={close}
            onConfirm={async (role, reason) => {
              const updated = await mutations.changeRole.mutateAsync({ id: person.id, role, reason });
              close();
              notify(`${updated.displayName} is now ${ROLE_LABELS[updated.role]}; their sessions were ended.`);
            }}
          />
        );
        break;
      }
      case 'disable': {
        const { person } = open;
        dialog = (
          <ConfirmDialog
            title={`Disable ${person.displayName}?`}
            confirmLabel="Disable account"
            confirmColor="error"
            onClose={close}
            onConfirm={async (reason) => {
              await mutations.disable.mutateAsync({ id: person.id, reason });
              close();
              notify(`${person.displayName} is disabled and signed out everywhere.`);
            }}
          >
            <Typography variant="body2">
              {person.email} is signed out everywhere at once and cannot sign in again until an admin enables the account. Their audit history
              stays.
            </Typography>
          </ConfirmDialog>
        );
        break;
      }
      case 'enable': {
        const { person } = open;
        dialog = (
          <ConfirmDialog
            title={`Enable ${person.displayName}?`}
            confirmLabel="Enable account"
            onClose={close}
            onConfirm={async (reason) => {
              await mutations.enable.mutateAsync({ id: person.id, reason });
              close();
              notify(`${person.displayName} can sign in again.`);
            }}
          >
            <Typography variant="body2">
              {person.email} can sign in again as {ROLE_LABELS[person.role]}, with their existing password or single sign-on.
            </Typography>
          </ConfirmDialog>
        );
        break;
      }
      case 'reset': {
        const { person } = open;
        dialog = (
          <ConfirmDialog
            title={`Reset the password of ${person.displayName}?`}
            confirmLabel="Reset password"
            confirmColor="error"
            onClose={close}
            onConfirm={async (reason) => {
              const { oneTimePassword } = await mutations.resetPassword.mutateAsync({ id: person.id, reason });
              notify(`Password reset for ${person.email}; their sessions were ended.`);
              setOpen({ kind: 'password', title: `New one-time password for ${person.displayName}`, person, password: oneTimePassword });
            }}
          >
            <Typography variant="body2">
              Their current password stops working and they are signed out everywhere. You get a one-time password to hand over; they choose
              their own when they sign in with it.
            </Typography>
          </ConfirmDialog>
        );
        break;
      }
      case 'unlock': {
        const { person } = open;
        dialog = (
          <ConfirmDialog
            title={`Unlock sign-in for ${person.displayName}?`}
            confirmLabel="Unlock sign-in"
            onClose={close}
            onConfirm={async (reason) => {
              const { unlockedAddresses } = await mutations.unlockSignIn.mutateAsync({ id: person.id, reason });
              close();
              notify(unlockedAddresses > 0 ? `${person.displayName} can sign in again from every address.` : `Sign-in for ${person.displayName} was no longer locked.`);
            }}
          >
            <Typography variant="body2">
              After repeated wrong passwords, {person.email} cannot sign in with a password from some address
              {person.signInLockedUntil ? (
                <>
                  {' '}(the lock lifts on its own <RelativeTime value={person.signInLockedUntil} />)
                </>
              ) : null}
              . Signing in from elsewhere still works. Unlock once you know it is them asking: every lock on their account lifts at once.
            </Typography>
          </ConfirmDialog>
        );
        break;
      }
      case 'sessions': {
        const { person } = open;
        dialog = (
          <SessionsDialog
            person={person}
            onClose={close}
            onEndAll={() => setOpen({ kind: 'end-sessions', person })}
            onEnd={(session) => setOpen({ kind: 'end-session', person, session })}
          />
        );
        break;
      }
      case 'end-session': {
        const { person, session } = open;
        const device = session.userAgent ? deviceOf(session.userAgent) : 'an unknown device';
        const where = session.ip ? `${device} (${session.ip})` : device;
        dialog = (
          <ConfirmDialog
            title={`End this session of ${person.displayName}?`}
            confirmLabel="End session"
            confirmColor="error"
            onClose={() => setOpen({ kind: 'sessions', person })}
            onConfirm={async (reason) => {
              const ended = await mutations.endSession.mutateAsync({ id: person.id, sessionId: session.id, reason });
              if (ended.current) {
                // The next request answers 401 and the console sends the person to sign in.
                close();
                notify('You ended your own session; sign in again to continue.');
                return;
              }
              notify(`Ended a session of ${person.displayName}.`);
              setOpen({ kind: 'sessions', person });
            }}
          >
            <Typography variant="body2">
              The session from {where} is signed out at once. Their other sessions keep working, and they can sign in again.
            </Typography>
            {session.current ? <Alert severity="warning">This is the session you are using: you will be signed out.</Alert> : null}
          </ConfirmDialog>
        );
        break;
      }
      case 'end-sessions': {
        const { person } = open;
        const isSelf = person.id === staffId;
        dialog = (
          <ConfirmDialog
            title={`End every session of ${person.displayName}?`}
            confirmLabel="End sessions"
            confirmColor="error"
            onClose={() => setOpen({ kind: 'sessions', person })}
            onConfirm={async (reason) => {
              const { ended } = await mutations.endSessions.mutateAsync({ id: person.id, reason });
              notify(`Ended ${ended} ${ended === 1 ? 'session' : 'sessions'} of ${person.displayName}.`);
              setOpen({ kind: 'sessions', person });
            }}
          >
            <Typography variant="body2">
              {person.email} is signed out on every device at once. Their account stays as it is: they can sign in again.
            </Typography>
            {isSelf ? <Alert severity="warning">This includes the session you are using: you will be signed out.</Alert> : null}
          </ConfirmDialog>
        );
        break;
      }
      case 'password':
        dialog = <OneTimePasswordDialog title={open.title} person={open.person} password={open.password} onClose={close} />;
        break;
    }
  }

  let body;
  if (list.isPending) body = <Skeleton variant="rounded" height={240} aria-label="Loading staff" />;
  else if (list.isError) body = <ErrorState title="Could not load staff" error={list.error} onRetry={() => void list.refetch()} />;
  else if (items.length === 0)
    body = <EmptyState title={filter ? 'Nobody matches' : 'No staff yet'} description={filter ? `No name or email contains “${filter}”.` : undefined} />;
  else body = <StaffTable items={items} selfId={staffId} localPasswords={localPasswords} onAction={(person, kind) => setOpen({ kind, person })} />;

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="h1" sx={{ flexGrow: 1 }}>
          Staff
        </Typography>
        <Button variant="contained" startIcon={<PersonAddAlt1OutlinedIcon />} onClick={() => setOpen({ kind: 'create' })}>
          Add staff member
        </Button>
      </Stack>
      <TextField
        size="small"
        label="Filter by name or email"
        type="search"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        sx={{ maxWidth: 360 }}
      />
      <Paper variant="outlined">{body}</Paper>
      {dialog}
    </Stack>
  );
}
