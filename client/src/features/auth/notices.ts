/** Why the sign-in page is showing, passed in the router's location state (not the URL: a reload keeps it, a shared link does not). */
export type SignInNotice = 'session_ended' | 'signed_out';

export const SIGN_IN_NOTICES: Readonly<Record<SignInNotice, string>> = {
  session_ended: 'Your session ended — sign in again.',
  signed_out: 'You signed out.',
};

export function noticeState(notice: SignInNotice): { signInNotice: SignInNotice } {
  return { signInNotice: notice };
}

export function noticeOf(state: unknown): SignInNotice | null {
  if (typeof state !== 'object' || state === null || !('signInNotice' in state)) return null;
  const notice = (state as { signInNotice?: unknown }).signInNotice;
  return notice === 'session_ended' || notice === 'signed_out' ? notice : null;
}
