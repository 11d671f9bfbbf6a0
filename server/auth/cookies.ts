import type { CookieOptions, Request, Response } from 'express';

export interface CookieSettings {
  /** PUBLIC_URL is https: cookies get Secure and the `__Host-` prefix (no Domain, Path=/, Secure enforced by browsers). */
  secure: boolean;
  /** The staff session cookie (the console's sign-in). */
  staffSession: string;
  oidcFlow: string;
}

export function cookieSettings(publicUrl: string): CookieSettings {
  const secure = new URL(publicUrl).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { secure, staffSession: `${prefix}idesk_session`, oidcFlow: `${prefix}idesk_oidc` };
}

/** The first value of each cookie in a Cookie header. Values this server sets are URL-safe and need no decoding. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export function readCookie(req: Request, name: string): string | null {
  return parseCookies(req.headers.cookie).get(name) ?? null;
}

function baseOptions(settings: CookieSettings): CookieOptions {
  return { httpOnly: true, secure: settings.secure, path: '/' };
}

/**
 * SameSite=Strict: the console is only ever used from its own pages, so the session cookie has no reason to
 * travel with a request another site starts. (The SSO callback arrives cross-site, but it only needs the
 * Lax flow cookie below; it sets the session cookie itself.)
 */
export function setStaffSessionCookie(res: Response, settings: CookieSettings, value: string, maxAgeMs: number): void {
  res.cookie(settings.staffSession, value, { ...baseOptions(settings), sameSite: 'strict', maxAge: maxAgeMs });
}

export function clearStaffSessionCookie(res: Response, settings: CookieSettings): void {
  res.clearCookie(settings.staffSession, { ...baseOptions(settings), sameSite: 'strict' });
}

/** Lax: the identity provider's redirect back to /auth/oidc/callback is a cross-site top-level GET. */
export function setOidcFlowCookie(res: Response, settings: CookieSettings, value: string, maxAgeMs: number): void {
  res.cookie(settings.oidcFlow, value, { ...baseOptions(settings), sameSite: 'lax', maxAge: maxAgeMs });
}

export function clearOidcFlowCookie(res: Response, settings: CookieSettings): void {
  res.clearCookie(settings.oidcFlow, { ...baseOptions(settings), sameSite: 'lax' });
}
