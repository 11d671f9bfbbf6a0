import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import compression from 'compression';
import express, { type ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import { pinoHttp } from 'pino-http';
import { csrfProtection } from './auth/csrf.js';
import { authRoutes } from './auth/routes.js';
import { securityHeaders } from './auth/security-headers.js';
import { createContextFactory } from './context.js';
import type { AppDeps } from './deps.js';
import { AppError, HTTP_STATUS } from './errors.js';
import { createHostedFlowRouter } from './hosted-flow/index.js';
import { createPartnerApiRouter } from './partner-api/router.js';
import { exportRoutes } from './routers/exports.js';
import { appRouter } from './routers/_app.js';
import { MAX_BATCH_SIZE } from './trpc.js';
import { unavailableMessage } from './db/faults.js';
import { pendingMigrations } from './db/migrate.js';
import { requestDeadline } from './deadline.js';
import { httpMetrics, metricsEndpoint } from './metrics/http.js';
import { projectPath } from './paths.js';
import { createPersonaWebhookRouter } from './webhooks/persona.js';

export const CLIENT_DIST = projectPath('dist', 'client');

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the Express app without listening, so tests can mount it on an ephemeral port. */
export function createApp(deps: AppDeps, options: { serveClient?: boolean } = {}) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  app.use(
    pinoHttp({
      logger: deps.log,
      // Reuse a well-formed upstream request id so a request can be followed across the load balancer.
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Only the path: query strings may carry search terms (emails) or, on the hosted flow, tokens.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  // Request counts and latencies by route pattern (server/metrics): one `finish` listener per request.
  app.use(httpMetrics(deps.metrics));

  app.use(securityHeaders({ publicUrl: deps.config.publicUrl, oidcIssuer: deps.config.auth.oidc?.issuer ?? null }));
  // No request runs longer than REQUEST_DEADLINE_MS: past it the person gets a 503 and the late answer is dropped.
  if (deps.config.limits.requestDeadlineMs > 0) app.use(requestDeadline(deps.config.limits.requestDeadlineMs));
  // gzip/deflate/brotli as the browser accepts; small answers (under 1 KB) go as they are.
  app.use(
    compression({
      // JSONL exports too (application/x-ndjson is not in the compressible list): they shrink about tenfold.
      filter: (req, res) => compression.filter(req, res) || String(res.getHeader('Content-Type') ?? '').startsWith('application/x-ndjson'),
    }),
  );
  // Cross-site request forgery: state-changing requests must come from the console itself (server/auth/csrf.ts).
  const csrf = csrfProtection(deps.config.publicUrl);
  app.use('/trpc', csrf, (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/auth', csrf, authRoutes(deps));
  app.use('/auth', (_req, res) => {
    res.status(404).json({ errors: [{ title: 'Not found' }] });
  });
  // Persona's webhooks (INQUIRY_PROVIDER=persona): authenticated by their signature, no cookies, so no CSRF check.
  if (deps.config.inquiryProvider === 'persona') app.use('/webhooks/persona', createPersonaWebhookRouter(deps));
  app.use('/webhooks', (_req, res) => {
    res.status(404).json({ errors: [{ title: 'Not found' }] });
  });

  // Liveness: the process answers. It never touches the database, so a database outage does not get a healthy
  // instance restarted.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', database: deps.database.kind, provider: deps.config.inquiryProvider });
  });
  // Readiness: the database answers (within 2 s) and its schema is at least this code's. A load balancer sends
  // traffic only to an instance that answers 200 here.
  app.get('/readyz', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref());
    try {
      const pending = await Promise.race([pendingMigrations(deps.database), timeout]);
      if (pending === 'timeout') {
        res.status(503).json({ status: 'unavailable', database: deps.database.kind, reason: 'The database did not answer within 2 s.' });
      } else if (pending.length > 0) {
        res.status(503).json({ status: 'unavailable', database: deps.database.kind, reason: `${pending.length} migration(s) not applied: run npm run db:migrate.`, pendingMigrations: pending });
      } else {
        res.json({ status: 'ready', database: deps.database.kind });
      }
    } catch (err) {
      req.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', database: deps.database.kind, reason: 'The database cannot be reached.' });
    }
  });
  // Prometheus metrics (docs/operations.md#metrics): off unless METRICS_TOKEN is set, then only with that bearer token.
  app.get('/metrics', metricsEndpoint(deps.metrics, deps.config.metricsToken));
  // The local engine's hosted flow; with Persona the end user goes to Persona's (PERSONA_HOSTED_FLOW_URL).
  if (deps.provider.hostedFlow) app.use(createHostedFlowRouter(deps));

  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: createContextFactory(deps),
      maxBodySize: 256 * 1024,
      // One GET once carried ~700 procedures and held the server for 5 s.
      maxBatchSize: MAX_BATCH_SIZE,
      // A query may come as a POST (the console sends inquiries.find so: a pasted link's code stays out of URLs).
      allowMethodOverride: true,
      onError: ({ error, path: procedure, ctx }) => {
        if (error.code === 'SERVICE_UNAVAILABLE') {
          // A lost database connection or a mail server that failed: retryable, already worded for the person.
          (ctx?.log ?? deps.log).warn({ procedure, reason: error.message }, 'dependency unavailable');
        } else if (error.code === 'INTERNAL_SERVER_ERROR') {
          (ctx?.log ?? deps.log).error({ err: error.cause ?? error, procedure }, 'procedure failed');
        } else if (error.code === 'PARSE_ERROR' || (error.code === 'BAD_REQUEST' && error.cause && !(error.cause instanceof AppError) && !(error.cause instanceof ZodError))) {
          // The client got a generic 400. Only the error's name is logged: a parser's message quotes the input (PII).
          (ctx?.log ?? deps.log).warn({ err: { name: error.cause?.name }, procedure }, 'malformed request');
        }
      },
    }),
  );

  // The partner resume API (B2B2C): bearer keys, no cookies, Persona's shapes.
  app.use('/api/v1', createPartnerApiRouter(deps));

  // Exports of the audit log and the access report, streamed (server/routers/exports.ts): staff session, audit:export.
  app.use(exportRoutes(deps));

  app.use('/api', (_req, res) => {
    res.status(404).json({ errors: [{ title: 'Not found' }] });
  });

  if (options.serveClient !== false && fs.existsSync(path.join(CLIENT_DIST, 'index.html'))) {
    // Vite names every built asset by its content hash: a year, immutable. Everything else (favicons) an hour;
    // index.html (below) never, so a new release is picked up at the next load.
    app.use('/assets', express.static(path.join(CLIENT_DIST, 'assets'), { index: false, immutable: true, maxAge: '365d', fallthrough: false }));
    app.use(express.static(CLIENT_DIST, { index: false, maxAge: '1h' }));
    // Client-side routes: every other GET gets the single page.
    app.get('/{*splat}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(path.join(CLIENT_DIST, 'index.html'));
    });
  }

  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    if (err instanceof AppError) {
      res.status(HTTP_STATUS[err.code]).json({ errors: [{ title: err.message }] });
      return;
    }
    const unavailable = unavailableMessage(err);
    if (unavailable) {
      req.log.warn({ err: { name: (err as Error).name, code: (err as { code?: unknown }).code } }, 'dependency unavailable');
      res.status(503).setHeader('Retry-After', '1').json({ errors: [{ title: unavailable }] });
      return;
    }
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    res.status(status).json({ errors: [{ title: status >= 500 ? 'Internal error' : status === 404 ? 'Not found' : 'Bad request' }] });
  };
  app.use(onError);
  return app;
}
