import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Snackbar from '@mui/material/Snackbar';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { pathOf, signInPath } from '../../lib/signInPath';
import { formatSpan } from '../../lib/time';
import { useNow } from '../../lib/useNow';
import { noticeState } from './notices';
import { useMe, type Me } from './useMe';

/** Warn this long before the session ends. */
const WARN_BEFORE_MS = 5 * 60_000;
/** Count answered requests as activity at most this often (each one re-renders the warning). */
const ACTIVITY_RESOLUTION_MS = 15_000;
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/**
 * When the person last talked to the server. Every answered request keeps the session alive there, so the idle
 * deadline moves with the last answer, not with the last auth.me.
 */
function useLastActivity(since: number): number {
  const queryClient = useQueryClient();
  const [last, setLast] = useState(since);
  const lastRef = useRef(since);
  useEffect(() => {
    const seen = () => {
      const now = Date.now();
      if (now - lastRef.current < ACTIVITY_RESOLUTION_MS) return;
      lastRef.current = now;
      setLast(now);
    };
    const stopQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'success') seen();
    });
    const stopMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'success') seen();
    });
    return () => {
      stopQueries();
      stopMutations();
    };
  }, [queryClient]);
  return Math.max(last, since);
}

function Warning({ session, fetchedAt }: { session: NonNullable<Me['session']>; fetchedAt: number }) {
  const now = useNow();
  const lastActivity = useLastActivity(fetchedAt);
  const me = useMe();
  const navigate = useNavigate();
  const location = useLocation();
  const [dismissedFor, setDismissedFor] = useState<number | null>(null);

  // The server said how long this session may idle when auth.me answered; the same window runs from every later answer.
  const idleWindow = Math.max(0, session.idleExpiresAt.getTime() - fetchedAt);
  const hardEnd = session.expiresAt.getTime();
  const idleEnd = lastActivity + idleWindow;
  const endsAt = Math.min(idleEnd, hardEnd);
  const remaining = endsAt - now;
  const byIdle = idleEnd < hardEnd;

  if (remaining > WARN_BEFORE_MS || dismissedFor === endsAt) return null;

  let message: string;
  let action;
  if (remaining <= 0) {
    message = byIdle ? 'Your session has probably ended after a while without activity.' : 'Your session has reached its time limit.';
    action = (
      <Button color="inherit" size="small" onClick={() => void navigate(signInPath(pathOf(location)), { state: noticeState('session_ended') })}>
        Sign in again
      </Button>
    );
  } else if (byIdle) {
    message = `You will be signed out in ${formatSpan(remaining)} unless you keep working.`;
    action = (
      <Button color="inherit" size="small" disabled={me.isFetching} onClick={() => void me.refetch()}>
        Stay signed in
      </Button>
    );
  } else {
    message = `Your session ends at ${timeFormat.format(new Date(hardEnd))} (in ${formatSpan(remaining)}): finish what you are doing, then sign in again.`;
    action = (
      <Button color="inherit" size="small" onClick={() => setDismissedFor(endsAt)}>
        Dismiss
      </Button>
    );
  }
  return (
    <Snackbar open anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}>
      <Alert severity="warning" variant="filled" action={action} sx={{ alignItems: 'center' }}>
        {message}
      </Alert>
    </Snackbar>
  );
}

/** Warns before the session ends (idle timeout or absolute limit), from the expiry auth.me reports. */
export function SessionExpiryWarning({ me, fetchedAt }: { me: Me; fetchedAt: number }) {
  if (!me.session) return null;
  return <Warning session={me.session} fetchedAt={fetchedAt} />;
}
