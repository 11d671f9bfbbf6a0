import { createHash, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Request, RequestHandler } from 'express';
import { countGuardedAction, type AppMetrics } from './index.js';

/** Where a request without a matched route was mounted; anything else is `other` (never the raw path). */
const MOUNTS = ['/trpc', '/api/v1', '/api', '/auth', '/verify', '/widget', '/assets', '/webhooks'];

/** Guarded actions that arrive as plain HTTP routes (route pattern, method) → action. */
const GUARDED_ROUTES: ReadonlyMap<string, string> = new Map([['POST /api/v1/inquiries/:id/resume', 'partner_resume']]);

/** The status a refusal answered with, as a reason label. */
const STATUS_REASONS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  429: 'too_many_requests',
};

/**
 * The route a request matched, as a pattern: Express's own (`/api/v1/inquiries/:id`) when a route answered,
 * else the mount point it fell into, else `other`. Read when the answer ends, so the route is known by then.
 */
export function routeLabel(req: Request): string {
  const route: unknown = req.route;
  // A router's base is one of the fixed mounts (none is mounted at a pattern with parameters, whose base would be the raw path).
  const base = req.baseUrl === '' || MOUNTS.includes(req.baseUrl) ? req.baseUrl : null;
  if (base !== null && typeof route === 'object' && route !== null && 'path' in route && typeof route.path === 'string') return `${base}${route.path}`;
  const path = req.originalUrl.split('?', 1)[0] ?? '';
  return MOUNTS.find((mount) => path === mount || path.startsWith(`${mount}/`)) ?? 'other';
}

/** Counts every answer by route pattern, method and status, and times it. Registers one `finish` listener per request. */
export function httpMetrics(metrics: AppMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const route = routeLabel(req);
      const method = req.method;
      const status = res.statusCode;
      metrics.httpRequests.inc({ route, method, status: String(status) });
      metrics.httpDuration.observe({ route, method }, (performance.now() - started) / 1000);
      const action = GUARDED_ROUTES.get(`${method} ${route}`);
      if (action) {
        const outcome = status < 400 ? 'ok' : status < 500 ? 'refused' : 'error';
        countGuardedAction(metrics, action, outcome, STATUS_REASONS[status] ?? 'other');
      }
    });
    next();
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics. Off (404) unless METRICS_TOKEN is set; then only `Authorization: Bearer <METRICS_TOKEN>` gets the
 * metrics (compared in constant time), anything else 401.
 */
export function metricsEndpoint(metrics: AppMetrics, token: string | null): RequestHandler {
  const expected = token === null ? null : digest(token);
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (expected === null) {
      res.status(404).json({ errors: [{ title: 'Not found' }] });
      return;
    }
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      res.status(401).json({ errors: [{ title: 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.' }] });
      return;
    }
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  };
}
