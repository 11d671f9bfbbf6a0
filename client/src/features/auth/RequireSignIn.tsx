import Box from '@mui/material/Box';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { ErrorState, LoadingState } from '../../components/states';
import { pathOf, signInPath } from '../../lib/signInPath';
import { errorCodeOf } from '../../lib/trpc';
import { noticeState } from './notices';
import { SessionExpiryWarning } from './SessionExpiryWarning';
import { useMe } from './useMe';

const ChangePasswordPage = lazy(() => import('./ChangePasswordPage'));

/**
 * Any request refused with UNAUTHORIZED (the session ended elsewhere, idled out, or an admin ended it) sends the
 * person to sign in, with a notice and the way back. Watches every query and mutation, so no page has to.
 */
function useSignInWhenSessionEnds() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const here = useRef(pathOf(location));
  useEffect(() => {
    here.current = pathOf(location);
  }, [location]);

  useEffect(() => {
    let sent = false;
    const onError = (error: unknown) => {
      if (sent || errorCodeOf(error) !== 'UNAUTHORIZED') return;
      sent = true;
      void navigate(signInPath(here.current), { replace: true, state: noticeState('session_ended') });
    };
    const stopQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') onError(event.action.error);
    });
    const stopMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') onError(event.action.error);
    });
    return () => {
      stopQueries();
      stopMutations();
    };
  }, [queryClient, navigate]);
}

function FullPage({ children }: { children: ReactNode }) {
  return <Box sx={{ p: 3, maxWidth: 720, mx: 'auto' }}>{children}</Box>;
}

/**
 * The auth gate around the whole console: auth.me decides. Signed out → the sign-in page (remembering where the
 * person was going); a one-time password still in use → "Choose a new password" before anything else.
 */
export function RequireSignIn() {
  const me = useMe();
  const location = useLocation();
  const wasSignedIn = useRef(false);
  useSignInWhenSessionEnds();
  useEffect(() => {
    if (me.data) wasSignedIn.current = true;
  }, [me.data]);

  if (me.data === undefined) {
    if (me.isError) {
      return (
        <FullPage>
          <ErrorState title="Could not check your sign-in" error={me.error} onRetry={() => void me.refetch()} />
        </FullPage>
      );
    }
    return <LoadingState label="Checking your sign-in…" />;
  }
  if (me.data === null) {
    // Signed in a moment ago and now not: the session ended (idle, expired, ended by an admin).
    return <Navigate to={signInPath(pathOf(location))} replace state={wasSignedIn.current ? noticeState('session_ended') : null} />;
  }
  if (me.data.staff.mustChangePassword) {
    return (
      <Suspense fallback={<LoadingState />}>
        <ChangePasswordPage me={me.data} />
      </Suspense>
    );
  }
  return (
    <>
      <Outlet />
      <SessionExpiryWarning me={me.data} fetchedAt={me.dataUpdatedAt} />
    </>
  );
}
