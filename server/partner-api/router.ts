import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { ZodError } from 'zod';
import { requestInfo, requestLog } from '../context.js';
import type { AppDeps } from '../deps.js';
import { AppError, HTTP_STATUS } from '../errors.js';
import { auditRequestContext } from '../services/audit.js';
import * as partner from '../services/partner-api/index.js';
import { openApiDocument } from './openapi.js';
import { referencePage } from './reference.js';
import { InquiryIdParamsSchema, ResumeHeadersSchema } from './schemas.js';

/**
 * /api/v1: the partner resume API (B2B2C) in Persona's shapes — `{ data, meta }` answers and
 * `{ errors: [{ title, details }] }` errors — authenticated by a customer's API key (server/services/partner-api).
 * No cookies, so no CSRF check; rate-limit headers on every answer of an endpoint.
 */

const UNAUTHENTICATED = 'Must be authenticated to access this endpoint';

interface ProblemBody {
  errors: { title: string; details?: string; source?: { parameter?: string; header?: string } }[];
}

function problem(res: Response, status: number, body: ProblemBody): void {
  res.status(status).json(body);
}

function invalid(res: Response, error: ZodError, where: 'parameter' | 'header'): void {
  const issue = error.issues[0];
  const name = String(issue?.path[0] ?? '');
  problem(res, 400, { errors: [{ title: 'Bad request', details: `${name}: ${issue?.message ?? 'is invalid'}`, source: { [where]: name } }] });
}

function setRateHeaders(res: Response, rate: partner.RateState): void {
  res.setHeader('RateLimit-Limit', String(rate.limit));
  res.setHeader('RateLimit-Remaining', String(rate.remaining));
  res.setHeader('RateLimit-Reset', String(rate.resetSeconds));
}

function tooMany(res: Response, retryAfterSeconds: number, details: string): void {
  res.setHeader('Retry-After', String(retryAfterSeconds));
  problem(res, 429, { errors: [{ title: 'Rate limit exceeded', details }] });
}

/**
 * The AppError a service threw, in Persona's words. Only the refusals the API documents reach the partner with
 * their message; anything else is this server's fault (say, an audit event it could not write) and answers 500.
 */
function answerError(req: Request, res: Response, error: AppError, log: AppDeps['log']): void {
  if (error.code === 'NOT_FOUND') return problem(res, 404, { errors: [{ title: 'Record not found' }] });
  if (error.code === 'TOO_MANY_REQUESTS') {
    const retry = typeof error.details?.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : 60;
    return tooMany(res, retry, error.message);
  }
  if (error.code === 'CONFLICT') return problem(res, 409, { errors: [{ title: 'Conflict', details: error.message }] });
  requestLog(req, log).error({ err: error, status: HTTP_STATUS[error.code] }, 'partner API call failed');
  problem(res, 500, { errors: [{ title: 'Internal error' }] });
}

type Endpoint = (ctx: partner.PartnerContext, req: Request, res: Response) => Promise<void>;

export function createPartnerApiRouter(deps: AppDeps) {
  const api = express.Router();

  api.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Request-Id', requestInfo(req).requestId);
    next();
  });

  api.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  api.get('/docs', (_req, res) => {
    res.type('html').send(referencePage(openApiDocument()));
  });

  /** Authenticates and counts the call, answers 401/429 itself, then runs the endpoint with the key's context. */
  const authenticated =
    (name: string, endpoint: Endpoint) =>
    async (req: Request, res: Response): Promise<void> => {
      const request = auditRequestContext(requestInfo(req));
      const auth = await partner.authenticate(deps, req.get('authorization'), req.ip ?? null, deps.now());
      setRateHeaders(res, auth.rate);
      // Only a well-formed id names an audit target: anything else is the caller's text, not an inquiry.
      const inquiryId = InquiryIdParamsSchema.safeParse(req.params).data?.id ?? null;
      if (!auth.ok) {
        if (auth.rate.exceeded) return tooMany(res, auth.rate.resetSeconds, `You have hit the rate limit of ${auth.rate.limit} requests / min for calls without a valid key.`);
        if (auth.refusedKey) {
          if (auth.refusedKey.firstInWindow) {
            await partner.auditAccessRefused(deps, auth.refusedKey, request, { reason: `API key ${auth.refusedKey.state}`, endpoint: name, inquiryId: null });
          }
        } else {
          // No actor to record and no event per probe (anyone could grow the log): a warning, without the header.
          requestLog(req, deps.log).warn({ endpoint: name, hasAuthorization: req.get('authorization') !== undefined }, 'partner API call without a valid key');
        }
        res.setHeader('WWW-Authenticate', 'Bearer');
        return problem(res, 401, { errors: [{ title: UNAUTHENTICATED }] });
      }
      if (auth.rate.exceeded) {
        // The first refused call of a window is audited; the rest of the window's refusals would only flood the log.
        if (auth.rate.firstExceeded) {
          await partner.auditAccessRefused(deps, auth.key, request, { reason: 'rate limit exceeded', endpoint: name, inquiryId, metadata: { limitPerMinute: auth.rate.limit } });
        }
        return tooMany(res, auth.rate.resetSeconds, `You have hit your rate limit of ${auth.rate.limit} requests / min.`);
      }
      const ctx: partner.PartnerContext = { ...deps, log: requestLog(req, deps.log), key: auth.key, request };
      try {
        await endpoint(ctx, req, res);
      } catch (error) {
        if (error instanceof AppError) return answerError(req, res, error, deps.log);
        throw error;
      }
    };

  api.get(
    '/inquiries/:id',
    authenticated('inquiries.get', async (ctx, req, res) => {
      const params = InquiryIdParamsSchema.safeParse(req.params);
      if (!params.success) return invalid(res, params.error, 'parameter');
      res.json(await partner.getInquiry(ctx, params.data.id));
    }),
  );

  api.post(
    '/inquiries/:id/resume',
    authenticated('inquiries.resume', async (ctx, req, res) => {
      const params = InquiryIdParamsSchema.safeParse(req.params);
      if (!params.success) return invalid(res, params.error, 'parameter');
      const headers = ResumeHeadersSchema.safeParse({ 'idempotency-key': req.get('idempotency-key') });
      if (!headers.success) return invalid(res, headers.error, 'header');
      res.json(await partner.resumeInquiry(ctx, params.data.id, headers.data['idempotency-key']));
    }),
  );

  api.use((_req, res) => {
    problem(res, 404, { errors: [{ title: 'Not found' }] });
  });
  // Whatever failed before or inside a handler (a malformed %-escape in the path, a database fault): Persona's
  // shape, never the console's HTML or a stack trace.
  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' && err.status < 500 ? err.status : 500;
    if (status >= 500) requestLog(req, deps.log).error({ err }, 'partner API call failed');
    problem(res, status, { errors: [{ title: status >= 500 ? 'Internal error' : 'Bad request' }] });
  };
  api.use(onError);
  return api;
}
