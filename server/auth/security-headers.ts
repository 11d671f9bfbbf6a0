import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers. The console gets a strict Content-Security-Policy:
 * - scripts only from this origin, no inline script, no eval (Vite's build emits external module scripts);
 * - styles from this origin plus 'unsafe-inline': MUI styles through emotion, which inserts <style> elements at
 *   run time. A nonce would need a per-request nonce written into index.html and passed to emotion's cache; with
 *   scripts locked down, inline styles alone cannot run code, so the simpler policy is kept;
 * - no framing at all (frame-ancestors 'none', X-Frame-Options DENY), no plugins, no <base> tricks, forms only
 *   to this origin (and the identity provider, which the SSO start redirects to).
 * The hosted flow (/verify, /widget) is embedded by customers' apps in iframes, so it is left without the
 * framing rules and without this CSP; it sets its own.
 */
export function securityHeaders(options: { publicUrl: string; oidcIssuer: string | null }): RequestHandler {
  const https = new URL(options.publicUrl).protocol === 'https:';
  const formAction = ["'self'", ...(options.oidcIssuer ? [new URL(options.oidcIssuer).origin] : [])];
  const hsts = https ? { maxAge: 31_536_000, includeSubDomains: false } : false;

  const consoleHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'worker-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': formAction,
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    strictTransportSecurity: hsts,
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const hostedFlow = helmet({
    contentSecurityPolicy: false,
    xFrameOptions: false,
    crossOriginResourcePolicy: false,
    strictTransportSecurity: hsts,
    referrerPolicy: { policy: 'no-referrer' },
  });

  return (req, res, next) => {
    if (/^\/(verify|widget)(\/|$)/.test(req.path)) {
      hostedFlow(req, res, next);
      return;
    }
    res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
    consoleHeaders(req, res, next);
  };
}
