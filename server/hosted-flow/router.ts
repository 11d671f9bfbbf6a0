import fs from 'node:fs';
import { unavailableMessage } from '../db/faults.js';
import express, { type Request, type Response, type Router } from 'express';
import { requestInfo, requestLog } from '../context.js';
import type { AppDeps } from '../deps.js';
import { once } from '../once.js';
import { projectPath } from '../paths.js';
import { FormTokens } from './form-token.js';
import { containerIdOf, INQUIRY_ID, Params, parseOrigin, referenceIdOf, SessionCookies, setPageHeaders, TEMPLATE_ID } from './http.js';
import { confirmPage, noticePage, noticeStatus, submitPage, thankYouPage, type Notice, type PageContext, type WidgetContext } from './pages.js';
import { countFlowRequest, type FlowLimit } from './rate-limits.js';
import { openInquiry, openStaticLink, redeemOneTimeCode, takeStep, type FlowEngine, type FlowResult, type FlowVisit } from './service.js';

const ASSETS: Record<string, { file: string; type: string }> = {
  'flow.mjs': { file: projectPath('server', 'hosted-flow', 'assets', 'flow.mjs'), type: 'text/javascript; charset=utf-8' },
  'flow.css': { file: projectPath('server', 'hosted-flow', 'assets', 'flow.css'), type: 'text/css; charset=utf-8' },
};

interface Flow {
  engine: FlowEngine;
  forms: FormTokens;
}

/**
 * The local engine's hosted flow (DESIGN §2/§3), so that links the console issues really work:
 * - GET /verify?inquiry-id=…[&session-token=…] | ?code=… | ?inquiry-template-id=…&reference-id=…  (full page;
 *   the session lives in an HttpOnly cookie and a token in the URL is moved into it by a redirect)
 * - GET /widget?…  the same for the official `persona` SDK's iframe (the token travels in the form instead)
 * - POST /verify|/widget/confirm and /submit: the two steps, each needing the session and a form token
 * - GET /verify/assets/flow.css|flow.mjs
 * Every page and step counts against its client address's per-minute limits (rate-limits.ts); a bare inquiry id
 * starts a created inquiry only masked and recorded, or not at all with HOSTED_FLOW_REQUIRE_CREDENTIAL=on (service.ts).
 */
export function createHostedFlowRouter(deps: AppDeps): Router {
  const router = express.Router();
  const cookies = new SessionCookies(deps.config.publicUrl);
  const assets = Object.fromEntries(Object.entries(ASSETS).map(([name, a]) => [name, { body: fs.readFileSync(a.file), type: a.type }]));
  const formBody = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });

  // Built on first use (the provider resolves its token keys then); a failure is retried on the next request.
  const flowOf = once(async (): Promise<Flow> => {
    const keys = deps.provider.hostedFlow;
    if (!keys) throw new Error(`the ${deps.provider.name} provider hosts its own flow: this server has none to serve`);
    // Resolved here, before any transaction of the flow: resolving the token keys reads the database once.
    await deps.provider.ready();
    return { engine: { db: deps.database.db, provider: deps.provider, keys }, forms: new FormTokens(await keys.formSecrets()) };
  });

  /** Runs a page handler; anything unexpected is logged (never with a token: none is in the error) and answered with a page. */
  const page =
    (handler: (req: Request, res: Response, flow: Flow) => Promise<void>) =>
    async (req: Request, res: Response): Promise<void> => {
      try {
        await handler(req, res, await flowOf());
      } catch (err) {
        // A lost database connection or a statement over its time limit passes: a retryable 503, not a 500.
        const passing = unavailableMessage(err) !== null;
        if (passing) requestLog(req, deps.log).warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'hosted flow: database unavailable');
        else requestLog(req, deps.log).error({ err }, 'hosted flow request failed');
        if (res.headersSent) return;
        setPageHeaders(res, "'none'");
        if (passing) res.setHeader('Retry-After', '1');
        send(res, passing ? 'busy' : 'server_error', { widget: null, inquiryId: null });
      }
    };

  function send(res: Response, notice: Notice, context: PageContext, options: { status?: number; event?: 'load' | 'page' } = {}): void {
    res.status(options.status ?? noticeStatus(notice)).type('html').send(noticePage(context, notice, options.event));
  }

  const { requireCredential, requestsPerMinute, staticLinksPerMinute } = deps.config.hostedFlow;

  /**
   * Counts this request against the client address's limit (rate-limits.ts) and, over it, answers 429 with
   * Retry-After and a page (the page's headers are already set, so it shows in the SDK's iframe too).
   */
  async function overLimit(req: Request, res: Response, limit: FlowLimit, context: PageContext, event: 'load' | 'page' = 'load'): Promise<boolean> {
    const perMinute = limit === 'static_link' ? staticLinksPerMinute : requestsPerMinute;
    const rate = await countFlowRequest(deps.database.db, limit, perMinute, req.ip ?? null, deps.now());
    if (!rate.exceeded) return false;
    // Once per window and address: a flood must not become a flood of log lines. No address: it is personal data.
    if (rate.firstExceeded) requestLog(req, deps.log).warn({ limit, perMinute }, 'hosted flow rate limit reached');
    res.setHeader('Retry-After', String(rate.retryAfterSeconds));
    send(res, 'rate_limited', context, { event });
    return true;
  }

  const visitOf = (req: Request, via: FlowVisit['via']): FlowVisit => ({ via, request: requestInfo(req) });

  router.get('/verify/assets/:file', (req, res) => {
    const asset = assets[req.params.file];
    if (!asset) {
      res.status(404).type('text').send('Not found');
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(asset.type).send(asset.body);
  });

  // Link scanners and previews send HEAD: answer without starting anything or spending a one-time code.
  router.head(['/verify', '/widget'], (_req, res) => {
    setPageHeaders(res, "'none'");
    res.status(200).type('html').end();
  });

  router.get(
    '/verify',
    page(async (req, res, { engine, forms }) => {
      setPageHeaders(res, "'self'");
      const params = Params.ofQuery(req);
      const context: PageContext = { widget: null, inquiryId: null };
      if (await overLimit(req, res, 'request', context)) return;
      const now = deps.now();

      /** A link that brings its own access (code, static link, token): keep the session in the cookie and drop the secret from the URL. */
      const enter = (result: FlowResult) => {
        if (!result.ok) return send(res, result.denial, context);
        cookies.set(res, result.inquiry.id, result.session.token, result.session.expiresAt, now);
        res.redirect(303, `/verify?inquiry-id=${encodeURIComponent(result.inquiry.id)}`);
      };

      const code = params.get('code');
      if (code !== null) return enter(await redeemOneTimeCode(engine, code, now));
      const templateId = params.get('inquiry-template-id');
      if (templateId !== null) {
        const referenceId = referenceIdOf(params);
        if (referenceId === undefined) return send(res, 'bad_request', context);
        if (!TEMPLATE_ID.test(templateId)) return send(res, 'template_not_found', context);
        const fields = params.prefill();
        if (fields === null) return send(res, 'prefill_refused', context);
        if (await overLimit(req, res, 'static_link', context)) return;
        return enter(await openStaticLink(engine, { templateId, referenceId, fields }, now));
      }
      const inquiryId = params.get('inquiry-id');
      if (inquiryId === null) return send(res, 'bad_request', context);
      if (!INQUIRY_ID.test(inquiryId)) return send(res, 'not_found', context);
      const linkToken = params.get('session-token');
      const visit = visitOf(req, '/verify');
      if (linkToken !== null) return enter(await openInquiry(engine, inquiryId, linkToken, now, { countLinkUse: true, requireCredential, visit }));

      const cookieToken = cookies.read(req, inquiryId);
      const result = await openInquiry(engine, inquiryId, cookieToken, now, { countLinkUse: false, requireCredential, visit });
      if (!result.ok) {
        if (cookieToken !== null && (result.denial === 'session_expired' || result.denial === 'link_revoked')) cookies.clear(res, inquiryId);
        return send(res, result.denial, context);
      }
      if (result.session.token !== cookieToken) cookies.set(res, inquiryId, result.session.token, result.session.expiresAt, now);
      const formToken = forms.forSession(result.session.id);
      res.type('html').send(confirmPage({ ...context, inquiryId }, result.inquiry, { inquiryId, formToken, sessionToken: null }, result.started ? 'start' : 'load'));
    }),
  );

  router.get(
    '/widget',
    page(async (req, res, { engine, forms }) => {
      const params = Params.ofQuery(req);
      const iframeOrigin = parseOrigin(params.get('iframe-origin'));
      if (!iframeOrigin) {
        setPageHeaders(res, "'none'");
        return send(res, 'not_embedded', { widget: null, inquiryId: null });
      }
      setPageHeaders(res, iframeOrigin);
      const templateId = params.get('inquiry-template-id');
      const widget: WidgetContext = { iframeOrigin, containerId: containerIdOf(params), templateId };
      if (await overLimit(req, res, 'request', { widget, inquiryId: null })) return;
      const now = deps.now();

      let result: FlowResult;
      if (templateId !== null) {
        const referenceId = referenceIdOf(params);
        if (referenceId === undefined) return send(res, 'bad_request', { widget, inquiryId: null });
        if (!TEMPLATE_ID.test(templateId)) return send(res, 'template_not_found', { widget, inquiryId: null });
        const fields = params.prefill();
        if (fields === null) return send(res, 'prefill_refused', { widget, inquiryId: null });
        if (await overLimit(req, res, 'static_link', { widget, inquiryId: null })) return;
        result = await openStaticLink(engine, { templateId, referenceId, fields }, now);
      } else {
        const inquiryId = params.get('inquiry-id');
        if (inquiryId === null) return send(res, 'bad_request', { widget, inquiryId: null });
        if (!INQUIRY_ID.test(inquiryId)) return send(res, 'not_found', { widget, inquiryId: null });
        const token = params.get('session-token');
        result = await openInquiry(engine, inquiryId, token, now, { countLinkUse: token !== null, requireCredential, visit: visitOf(req, '/widget') });
        if (!result.ok) return send(res, result.denial, { widget, inquiryId });
      }
      if (!result.ok) return send(res, result.denial, { widget, inquiryId: null });
      const { inquiry, session } = result;
      const form = { inquiryId: inquiry.id, formToken: forms.forSession(session.id), sessionToken: session.token };
      res.type('html').send(confirmPage({ widget, inquiryId: inquiry.id }, inquiry, form, result.started ? 'start' : 'load'));
    }),
  );

  for (const mode of ['verify', 'widget'] as const) {
    for (const step of ['confirm', 'submit'] as const) {
      router.post(
        `/${mode}/${step}`,
        formBody,
        page(async (req, res, { engine, forms }) => {
          const params = Params.ofBody(req);
          let widget: WidgetContext | null = null;
          if (mode === 'widget') {
            const iframeOrigin = parseOrigin(params.get('iframe-origin'));
            if (!iframeOrigin) {
              setPageHeaders(res, "'none'");
              return send(res, 'not_embedded', { widget: null, inquiryId: null });
            }
            widget = { iframeOrigin, containerId: containerIdOf(params), templateId: params.get('inquiry-template-id') };
            setPageHeaders(res, iframeOrigin);
          } else {
            setPageHeaders(res, "'self'");
          }
          if (await overLimit(req, res, 'request', { widget, inquiryId: null }, 'page')) return;
          const inquiryId = params.get('inquiry-id');
          if (inquiryId === null || !INQUIRY_ID.test(inquiryId)) return send(res, 'bad_request', { widget, inquiryId: null }, { event: 'page' });
          const context: PageContext = { widget, inquiryId };
          const token = widget ? params.get('session-token') : cookies.read(req, inquiryId);
          const formToken = params.get('form-token');
          const result = await takeStep(engine, step, { inquiryId, token, formTokenMatches: (sessionId) => forms.matches(sessionId, formToken) }, deps.now());
          if (!result.ok) {
            // Losing a race to complete (a double click, two tabs) is a conflict, not a normal page view.
            const status = result.denial === 'already_submitted' ? 409 : noticeStatus(result.denial);
            return send(res, result.denial, context, { status, event: 'page' });
          }
          if (step === 'submit') {
            res.type('html').send(thankYouPage(context, result.inquiry));
            return;
          }
          const next = { inquiryId, formToken: forms.forSession(result.session.id), sessionToken: widget ? result.session.token : null };
          res.type('html').send(submitPage(context, next));
        }),
      );
    }
  }

  return router;
}
