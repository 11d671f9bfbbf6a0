import type { Request, Response } from 'express';
import { isOneLineText } from '../../shared/text.js';
import { parseCookies } from '../auth/cookies.js';

/** Request parsing, headers and the session cookie of the hosted flow. */

export const INQUIRY_ID = /^inq_[A-Za-z0-9]{1,64}$/;
export const TEMPLATE_ID = /^itmpl_[A-Za-z0-9]{1,64}$/;
const CONTAINER_ID = /^[A-Za-z0-9_-]{1,100}$/;
const FIELD_NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** Non-empty, one line, no control character (shared/text.ts). */
const printable = (value: string) => value.length > 0 && isOneLineText(value);

/**
 * The query exactly as sent. Express's parser would turn `fields[name-first]` into nested objects or arrays
 * depending on settings; the SDK's parameters are flat, so they are read one by one. Blank values count as absent.
 */
export class Params {
  private readonly search: URLSearchParams;
  constructor(search: URLSearchParams) {
    this.search = search;
  }

  static ofQuery(req: Request): Params {
    const at = req.originalUrl.indexOf('?');
    return new Params(new URLSearchParams(at >= 0 ? req.originalUrl.slice(at + 1) : ''));
  }

  /** A urlencoded form body as parsed by express.urlencoded({ extended: false }): first value of each name. */
  static ofBody(req: Request): Params {
    const search = new URLSearchParams();
    const body: unknown = req.body;
    if (typeof body === 'object' && body !== null) {
      for (const [name, value] of Object.entries(body)) {
        const first: unknown = Array.isArray(value) ? value[0] : value;
        if (typeof first === 'string') search.set(name, first);
      }
    }
    return new Params(search);
  }

  get(name: string): string | null {
    const value = this.search.get(name);
    return value === null || value === '' ? null : value;
  }

  /**
   * `fields[name]=value` pairs (the SDK's prefill). Within PREFILL_LIMITS or refused whole (null): a static link
   * needs no sign-in, so what it may store is bounded. Blank values and nested or odd names are ignored, but
   * count towards the total size.
   */
  prefill(): Record<string, string> | null {
    const fields: Record<string, string> = {};
    let count = 0;
    let total = 0;
    for (const [key, value] of this.search) {
      if (!key.startsWith('fields[')) continue;
      total += key.length - 'fields[]'.length + value.length;
      if (total > PREFILL_LIMITS.totalChars) return null;
      if (value === '') continue;
      if (value.length > PREFILL_LIMITS.valueChars || !printable(value)) return null;
      const name = /^fields\[([^\]]*)\]$/.exec(key)?.[1];
      if (!name || !FIELD_NAME.test(name)) continue;
      if (!(name in fields) && ++count > PREFILL_LIMITS.fields) return null;
      fields[name] = value;
    }
    return fields;
  }
}

/**
 * What a static link may prefill: Persona's prefill fields (names, email, phone, birthdate, address: about a
 * dozen) with room to spare, each value the length of a long street line, and 4 KB in all (names included).
 */
export const PREFILL_LIMITS = { fields: 20, valueChars: 256, totalChars: 4096 } as const;

/** A reference id as given, or null; undefined when it is unusable (too long, control characters). */
export function referenceIdOf(params: Params): string | null | undefined {
  const value = params.get('reference-id') ?? params.get('reference_id');
  if (value === null) return null;
  return value.length <= 255 && printable(value) ? value : undefined;
}

/** `iframe-origin` must be exactly an http(s) origin: it goes into the CSP and is the only target of postMessage. */
export function parseOrigin(value: string | null): string | null {
  if (!value || value.length > 255) return null;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin === value ? url.origin : null;
  } catch {
    return null;
  }
}

export function containerIdOf(params: Params): string | null {
  const value = params.get('container-id');
  return value !== null && CONTAINER_ID.test(value) ? value : null;
}

/**
 * Headers of every flow page. The app's console CSP does not apply here (server/auth/security-headers.ts leaves
 * /verify and /widget to this router); these pages get their own: scripts and styles only from this origin, no
 * inline code, forms only back to this origin, and framing only by `frameAncestors` — `'self'` for the
 * full-page flow, the SDK's `iframe-origin` for the widget, `'none'` when that origin is unusable.
 */
export function setPageHeaders(res: Response, frameAncestors: string): void {
  res.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      `frame-ancestors ${frameAncestors}`,
    ].join('; '),
  );
  res.removeHeader('X-Frame-Options');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}

/** One cookie per inquiry, only sent to /verify, never readable by script, not sent on cross-site subrequests. */
export class SessionCookies {
  private readonly secure: boolean;
  constructor(publicUrl: string) {
    this.secure = new URL(publicUrl).protocol === 'https:';
  }

  name(inquiryId: string): string {
    return `${this.secure ? '__Secure-' : ''}idv_${inquiryId}`;
  }

  read(req: Request, inquiryId: string): string | null {
    return parseCookies(req.headers.cookie).get(this.name(inquiryId)) ?? null;
  }

  set(res: Response, inquiryId: string, token: string, expiresAt: Date, now: Date): void {
    const maxAge = Math.max(1000, expiresAt.getTime() - now.getTime());
    res.cookie(this.name(inquiryId), token, { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/verify', maxAge });
  }

  clear(res: Response, inquiryId: string): void {
    res.clearCookie(this.name(inquiryId), { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/verify' });
  }
}
