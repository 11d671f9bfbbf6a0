import express, { type Request, type Router } from 'express';
import { requestInfo, requestLog } from '../context.js';
import type { AppDeps, RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { signInWithPassword } from '../services/auth/sign-in.js';
import { beginOidcSignIn, completeOidcSignIn, OIDC_FLOW_MS, safeReturnTo } from '../services/auth/sso.js';
import { signOut, STAFF_SESSION_ABSOLUTE_MS } from '../services/auth/staff-sessions.js';
import { LoginInputSchema, SIGN_IN_PATH, type SsoErrorCode } from '../../shared/auth.js';
import { clearOidcFlowCookie, clearStaffSessionCookie, cookieSettings, readCookie, setOidcFlowCookie, setStaffSessionCookie } from './cookies.js';
import { createOidcClient, OIDC_CALLBACK_PATH } from './oidc.js';

/**
 * /auth: password sign-in and sign-out (JSON, behind the CSRF check in app.ts) and the SSO redirects.
 * Errors go to the app's error handler, which answers `{ errors: [{ title }] }` with the AppError's status.
 */
export function authRoutes(deps: AppDeps): Router {
  const router = express.Router();
  const cookies = cookieSettings(deps.config.publicUrl);
  const oidc = deps.config.auth.oidc ? createOidcClient(deps.config.auth.oidc, deps.config.publicUrl) : null;
  const contextOf = (req: Request): RequestDeps => ({ ...deps, log: requestLog(req, deps.log), ...requestInfo(req) });
  const signInPage = (code: SsoErrorCode) => `${SIGN_IN_PATH}?error=${code}`;

  router.use((_req, res, next) => {
    // Answers here carry sessions and who is signed in: never cached, by the browser or a proxy.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.post('/login', express.json({ limit: '8kb' }), async (req, res) => {
    const parsed = LoginInputSchema.safeParse(req.body);
    if (!parsed.success) throw new AppError('BAD_REQUEST', 'Send {"email": "…", "password": "…"} as JSON.');
    try {
      const session = await signInWithPassword(contextOf(req), parsed.data);
      setStaffSessionCookie(res, cookies, session.sessionSecret, STAFF_SESSION_ABSOLUTE_MS);
      res.json({ staff: session.staff });
    } catch (err) {
      if (err instanceof AppError && err.code === 'TOO_MANY_REQUESTS') {
        const seconds = err.details?.retryAfterSeconds;
        res.setHeader('Retry-After', String(typeof seconds === 'number' ? seconds : 60));
      }
      throw err;
    }
  });

  router.post('/logout', async (req, res) => {
    const secret = readCookie(req, cookies.staffSession);
    if (secret) await signOut(contextOf(req), secret);
    clearStaffSessionCookie(res, cookies);
    res.status(204).end();
  });

  router.get('/oidc/start', async (req, res) => {
    if (!oidc) {
      res.redirect(signInPage('sso_disabled'));
      return;
    }
    const ctx = contextOf(req);
    try {
      const { authorizationUrl, flowSecret } = await beginOidcSignIn(ctx, oidc, safeReturnTo(req.query.returnTo));
      setOidcFlowCookie(res, cookies, flowSecret, OIDC_FLOW_MS);
      res.redirect(authorizationUrl.href);
    } catch (err) {
      ctx.log.error({ err }, 'SSO start failed (is the identity provider reachable?)');
      res.redirect(signInPage('sso_failed'));
    }
  });

  router.get('/oidc/callback', async (req, res) => {
    const flowSecret = readCookie(req, cookies.oidcFlow);
    clearOidcFlowCookie(res, cookies);
    if (!oidc) {
      res.redirect(signInPage('sso_disabled'));
      return;
    }
    // The URL the provider redirected to, as registered: PUBLIC_URL + callback path + the provider's parameters.
    const callbackUrl = new URL(`${deps.config.publicUrl}${OIDC_CALLBACK_PATH}`);
    callbackUrl.search = new URL(req.originalUrl, 'http://placeholder').search;
    const ctx = contextOf(req);
    try {
      const { session, returnTo } = await completeOidcSignIn(ctx, oidc, flowSecret, callbackUrl);
      setStaffSessionCookie(res, cookies, session.sessionSecret, STAFF_SESSION_ABSOLUTE_MS);
      res.redirect(returnTo);
    } catch (err) {
      const code = err instanceof AppError && typeof err.details?.ssoError === 'string' ? (err.details.ssoError as SsoErrorCode) : 'sso_failed';
      if (!(err instanceof AppError)) ctx.log.error({ err }, 'SSO callback failed');
      res.redirect(signInPage(code));
    }
  });

  return router;
}
