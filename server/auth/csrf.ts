import type { RequestHandler } from 'express';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/auth.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a page on another site could have made with the user's cookies. Two
 * independent checks, both required:
 * - a custom header (`x-inquiry-desk: 1`): an HTML form cannot send one, and a cross-origin fetch that does
 *   needs a CORS preflight, which this server never answers with permission;
 * - the request comes from the console's own origin: `Origin` equals PUBLIC_URL's origin or, where a browser
 *   sends no Origin, `Sec-Fetch-Site: same-origin`.
 * SameSite=Strict on the session cookie is a third line behind these.
 */
export function csrfProtection(publicUrl: string): RequestHandler {
  const expectedOrigin = new URL(publicUrl).origin;
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.get('origin');
    const sameOrigin = origin !== undefined ? origin === expectedOrigin : req.get('sec-fetch-site') === 'same-origin';
    if (req.get(CSRF_HEADER) !== CSRF_HEADER_VALUE || !sameOrigin) {
      req.log.warn({ method: req.method, origin: origin ?? null, secFetchSite: req.get('sec-fetch-site') ?? null }, 'cross-site request refused');
      res.status(403).json({ errors: [{ title: 'Request refused: it did not come from the Inquiry Desk console.' }] });
      return;
    }
    next();
  };
}
