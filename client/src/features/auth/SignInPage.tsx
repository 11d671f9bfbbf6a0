import LoginIcon from '@mui/icons-material/Login';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import Skeleton from '@mui/material/Skeleton';
import Stack from '@mui/material/Stack';
import TextField from '@mui/material/TextField';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { SSO_ERROR_CODES, SSO_ERROR_MESSAGES, type SsoErrorCode } from '@shared/auth.js';
import { ErrorState } from '../../components/states';
import { HOME_PATH, safeReturnTo } from '../../lib/signInPath';
import { useTRPC } from '../../lib/trpc';
import { signIn } from './api';
import { AuthLayout } from './AuthLayout';
import { noticeOf, SIGN_IN_NOTICES } from './notices';
import { isAuthQueryKey } from './useMe';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

function ssoErrorOf(value: string | null): SsoErrorCode | null {
  return (SSO_ERROR_CODES as readonly string[]).includes(value ?? '') ? (value as SsoErrorCode) : null;
}

interface Failure {
  message: string;
  retryAt: Date | null;
}

function PasswordForm({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    if (email.trim() === '' || password === '') {
      setFailure({ message: 'Enter your email and password.', retryAt: null });
      return;
    }
    setSubmitting(true);
    setFailure(null);
    const result = await signIn(email.trim(), password);
    if (result.ok) {
      await onSignedIn();
      return;
    }
    setSubmitting(false);
    setFailure({ message: result.message, retryAt: result.retryAt });
    setPassword('');
    passwordRef.current?.focus();
  };

  return (
    <Stack component="form" spacing={2} noValidate onSubmit={(event) => void submit(event)} aria-label="Sign in with email and password">
      {failure ? (
        <Alert severity="error" role="alert">
          {failure.message}
          {failure.retryAt ? ` You can try again at ${timeFormat.format(failure.retryAt)}.` : null}
        </Alert>
      ) : null}
      <TextField
        label="Email"
        type="email"
        name="email"
        autoComplete="username"
        autoFocus
        required
        fullWidth
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <TextField
        label="Password"
        type="password"
        name="password"
        autoComplete="current-password"
        required
        fullWidth
        inputRef={passwordRef}
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <Button type="submit" variant="contained" size="large" loading={submitting}>
        Sign in
      </Button>
    </Stack>
  );
}

/**
 * /sign-in. Arriving here means no session's data may stay in memory: everything but the sign-in state is
 * dropped. After signing in, back to `?returnTo=` (same-origin paths only) or the inquiries.
 */
export default function SignInPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const returnTo = safeReturnTo(params.get('returnTo')) ?? HOME_PATH;
  const ssoError = ssoErrorOf(params.get('error'));
  const notice = noticeOf(location.state);
  const [cookieProblem, setCookieProblem] = useState(false);

  const options = useQuery(trpc.auth.signInOptions.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  // Never trust a cached answer here: the page may be showing because that answer went stale.
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: 0, refetchOnMount: 'always' }));

  useEffect(() => {
    document.title = 'Sign in · Inquiry Desk';
    queryClient.removeQueries({ predicate: (query) => !isAuthQueryKey(query.queryKey) });
    return () => {
      document.title = 'Inquiry Desk';
    };
  }, [queryClient]);

  const onSignedIn = async () => {
    queryClient.removeQueries({ predicate: (query) => !isAuthQueryKey(query.queryKey) });
    const signedIn = await queryClient.fetchQuery({ ...trpc.auth.me.queryOptions(), staleTime: 0 });
    if (!signedIn) {
      // The server accepted the password but the browser sent no cookie back (blocked cookies, http vs https).
      setCookieProblem(true);
      return;
    }
    await navigate(returnTo, { replace: true });
  };

  // Already signed in (a bookmark to /sign-in, or SSO came back): carry on.
  if (me.isFetchedAfterMount && !me.isFetching && me.data) return <Navigate to={returnTo} replace />;

  let methods;
  if (options.isPending) {
    methods = <Skeleton variant="rounded" height={200} aria-label="Loading sign-in options" />;
  } else if (options.isError) {
    methods = <ErrorState title="Could not load the sign-in options" error={options.error} onRetry={() => void options.refetch()} />;
  } else {
    const { password, sso } = options.data;
    const ssoHref = sso ? `${sso.startUrl}?${new URLSearchParams({ returnTo }).toString()}` : null;
    methods = (
      <Stack spacing={2}>
        {password ? <PasswordForm onSignedIn={onSignedIn} /> : null}
        {password && ssoHref ? <Divider>or</Divider> : null}
        {ssoHref ? (
          <Button href={ssoHref} variant={password ? 'outlined' : 'contained'} size="large" startIcon={<LoginIcon />}>
            Sign in with SSO
          </Button>
        ) : null}
        {!password && !ssoHref ? <Alert severity="warning">No way to sign in is configured. Ask the console&apos;s administrator.</Alert> : null}
      </Stack>
    );
  }

  return (
    <AuthLayout title="Sign in">
      <Stack spacing={2}>
        {notice ? (
          <Alert severity={notice === 'session_ended' ? 'warning' : 'info'} role="status">
            {SIGN_IN_NOTICES[notice]}
          </Alert>
        ) : null}
        {ssoError ? (
          <Alert severity="error" role="alert">
            {SSO_ERROR_MESSAGES[ssoError]}
          </Alert>
        ) : null}
        {cookieProblem ? (
          <Alert severity="error" role="alert">
            Your password was accepted, but this browser did not keep the session cookie. Allow cookies for this site (and use the
            console&apos;s https address), then sign in again.
          </Alert>
        ) : null}
        {methods}
      </Stack>
    </AuthLayout>
  );
}
