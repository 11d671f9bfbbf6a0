import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Skeleton from '@mui/material/Skeleton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { DialogFrame } from '../../components/DialogFrame';
import { RelativeTime } from '../../components/RelativeTime';
import { VisuallyHidden } from '../../components/VisuallyHidden';
import { ErrorState } from '../../components/states';
import { ReasonTooltip } from '../auth/PermissionTooltip';
import { useStaffSessions, type StaffMember, type StaffSession } from './hooks';

const END_REASONS: Readonly<Record<string, string>> = {
  logout: 'Signed out',
  idle: 'Idle timeout',
  expired: 'Time limit reached',
  disabled: 'Account disabled',
  role_changed: 'Role changed',
  password_reset: 'Password reset',
  password_changed: 'Password changed',
  ended_by_admin: 'Ended by an admin',
};

function SessionState({ session }: { session: StaffSession }) {
  if (session.active) return <Chip size="small" color="success" variant="outlined" label={session.current ? 'Active — this session' : 'Active'} />;
  const label = session.endReason ? (END_REASONS[session.endReason] ?? session.endReason) : 'Expired';
  return <Chip size="small" variant="outlined" label={label} />;
}

/** A browser's user agent, shortened to what identifies it at a glance. */
export function deviceOf(userAgent: string | null): string {
  if (!userAgent) return '—';
  const browser = /(Edg|Firefox|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[0]?.replace('Edg', 'Edge') ?? null;
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent)?.[0] ?? null;
  return [browser, os].filter(Boolean).join(', ') || userAgent.slice(0, 40);
}


export interface SessionsDialogProps {
  person: StaffMember;
  /** Opens the confirmation to end every live session (the dialog itself changes nothing). */
  onEndAll: () => void;
  /** Opens the confirmation to end this one session. */
  onEnd: (session: StaffSession) => void;
  onClose: () => void;
}

/** A person's console sessions, newest first: where and when they signed in, and whether each is still live. */
export function SessionsDialog({ person, onEndAll, onEnd, onClose }: SessionsDialogProps) {
  const sessions = useStaffSessions(person.id);
  const activeCount = sessions.data?.items.filter((s) => s.active).length ?? 0;

  let body;
  if (sessions.isPending) body = <Skeleton variant="rounded" height={120} aria-label="Loading sessions" />;
  else if (sessions.isError) body = <ErrorState title="Could not load the sessions" error={sessions.error} onRetry={() => void sessions.refetch()} />;
  else if (sessions.data.items.length === 0) body = <Typography color="text.secondary">No sessions in the last 90 days.</Typography>;
  else
    body = (
      <Table size="small" aria-label={`Sessions of ${person.email}`}>
        <TableHead>
          <TableRow>
            <TableCell>Signed in</TableCell>
            <TableCell>Last seen</TableCell>
            <TableCell>Method</TableCell>
            <TableCell>Device</TableCell>
            <TableCell>Address</TableCell>
            <TableCell>State</TableCell>
            <TableCell align="right">
              <VisuallyHidden>Actions</VisuallyHidden>
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {sessions.data.items.map((s) => (
            <TableRow key={s.id}>
              <TableCell>
                <RelativeTime value={s.createdAt} />
              </TableCell>
              <TableCell>
                <RelativeTime value={s.endedAt ?? s.lastSeenAt} />
              </TableCell>
              <TableCell>{s.method === 'oidc' ? 'SSO' : 'Password'}</TableCell>
              <TableCell title={s.userAgent ?? undefined}>{deviceOf(s.userAgent)}</TableCell>
              <TableCell>{s.ip ?? '—'}</TableCell>
              <TableCell>
                <SessionState session={s} />
              </TableCell>
              <TableCell align="right">
                <ReasonTooltip reason={s.active ? null : s.endedAt ? 'This session has already ended' : 'This session has expired'}>
                  <Button size="small" color="error" disabled={!s.active} onClick={() => onEnd(s)}>
                    End
                  </Button>
                </ReasonTooltip>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );

  return (
    <DialogFrame
      title={`Sessions of ${person.displayName}`}
      maxWidth="md"
      onClose={onClose}
      actions={
        <>
          <Button onClick={onClose}>Close</Button>
          <Button color="error" variant="contained" onClick={onEndAll} disabled={activeCount === 0}>
            End all sessions
          </Button>
        </>
      }
    >
      {sessions.data && activeCount === 0 ? <Alert severity="info">No live session: {person.displayName} is not signed in anywhere.</Alert> : null}
      {body}
    </DialogFrame>
  );
}
