import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../lib/trpc';

/**
 * Signing in and out are plain HTTP on the server (POST /auth/login, /auth/logout), not tRPC: they set and clear
 * the HttpOnly session cookie. Both carry the CSRF header like every state-changing request.
 */

export type SignInResult =
  | { ok: true }
  | {
      ok: false;
      /** HTTP status; 0 when the server could not be reached. */
      status: number;
      /** The server's own sentence (the same for an unknown email and a wrong password). */
      message: string;
      /** Locked out (429): when another attempt may go through. */
      retryAt: Date | null;
    };

const UNREACHABLE = 'Could not reach the server. Check your connection and try again.';

function post(path: string, body?: unknown): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    credentials: 'include',
    headers: { [CSRF_HEADER]: CSRF_HEADER_VALUE, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The `{ errors: [{ title }] }` the server answers with, or a plain sentence for the status. */
async function messageOf(response: Response, what: string): Promise<string> {
  try {
    const body = (await response.json()) as { errors?: { title?: unknown }[] };
    const title = body.errors?.[0]?.title;
    if (typeof title === 'string' && title.length > 0) return title;
  } catch {
    // Not JSON (a proxy's error page): fall through.
  }
  return response.status >= 500 ? `The server could not ${what} right now. Try again in a moment.` : `Could not ${what} (HTTP ${response.status}).`;
}

export async function signIn(email: string, password: string, now: () => number = Date.now): Promise<SignInResult> {
  let response: Response;
  try {
    response = await post('/auth/login', { email, password });
  } catch {
    return { ok: false, status: 0, message: UNREACHABLE, retryAt: null };
  }
  if (response.ok) return { ok: true };
  const retryAfter = Number(response.headers.get('Retry-After'));
  const retryAt = response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0 ? new Date(now() + retryAfter * 1000) : null;
  return { ok: false, status: response.status, message: await messageOf(response, 'sign you in'), retryAt };
}

/** Ends the session on the server. Throws (with a readable message) when that did not happen. */
export async function signOut(): Promise<void> {
  let response: Response;
  try {
    response = await post('/auth/logout');
  } catch {
    throw new Error(UNREACHABLE);
  }
  if (!response.ok) throw new Error(await messageOf(response, 'sign you out'));
}
