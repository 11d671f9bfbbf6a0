import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useNotify } from '../../components/notifications';
import { SIGN_IN_PATH } from '../../lib/signInPath';
import { errorMessageOf } from '../../lib/trpc';
import { signOut } from './api';
import { noticeState } from './notices';

/**
 * Signs out: POST /auth/logout (the server ends the session and clears the cookie), then the sign-in page, which
 * drops everything the session loaded. If the server could not be told, the person stays signed in and is told so.
 */
export function useSignOut() {
  const navigate = useNavigate();
  const notify = useNotify();
  const [pending, setPending] = useState(false);
  const run = async () => {
    setPending(true);
    try {
      await signOut();
    } catch (error) {
      setPending(false);
      notify({ message: `Could not sign out: ${errorMessageOf(error)}`, severity: 'error' });
      return;
    }
    await navigate(SIGN_IN_PATH, { state: noticeState('signed_out') });
  };
  return { signOut: run, pending };
}
