import type * as SharedAuth from '@shared/auth.js';

// Copied rather than imported, like the CSRF header in lib/trpc.ts: shared/auth.ts carries zod, which the first
// page load should not download. The literal type fails the build if the server's path ever changes.
export const SIGN_IN_PATH: typeof SharedAuth.SIGN_IN_PATH = '/sign-in';

/** Where the console goes when there is nowhere better to go. */
export const HOME_PATH = '/inquiries';

/**
 * A `returnTo` the console may follow: a path on this origin (never `//host` or `/\host`, which browsers read as
 * another origin), no whitespace, not the sign-in page itself and not the server's /auth routes. The same rule
 * as the server's safeReturnTo for SSO, plus the sign-in page. Anything else is dropped.
 */
export function safeReturnTo(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return null;
  if (!/^\/(?![/\\])[^\s\\]*$/.test(value)) return null;
  if (value.startsWith('/auth/') || value === SIGN_IN_PATH || value.startsWith(`${SIGN_IN_PATH}?`) || value.startsWith(`${SIGN_IN_PATH}/`)) {
    return null;
  }
  return value;
}

/** The sign-in page, remembering where the person was going (unless that is just the start page). */
export function signInPath(returnTo?: string | null): string {
  const safe = safeReturnTo(returnTo);
  if (!safe || safe === '/' || safe === HOME_PATH) return SIGN_IN_PATH;
  return `${SIGN_IN_PATH}?${new URLSearchParams({ returnTo: safe }).toString()}`;
}

/** The path, query and hash of a router location, as one returnTo value. */
export function pathOf(location: { pathname: string; search: string; hash: string }): string {
  return `${location.pathname}${location.search}${location.hash}`;
}
