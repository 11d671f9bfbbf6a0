import express, { type Request, type Response } from 'express';
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

/** The AppError a service threw, in Persona's words. */
function answerError(res: Response, error: AppError): void {
  const status = HTTP_STATUS[error.code];
  if (error.code === 'NOT_FOUND') return problem(res, 404, { errors: [{ title: 'Record not found' }] });
  if (error.code === 'TOO_MANY_REQUESTS') {
    const retry = typeof error.details?.retryAfterSeconds === 'number' ? error.details.retryAfterSeconds : 60;
    return tooMany(res, retry, error.message);
  }
  if (error.code === 'CONFLICT') return problem(res, 409, { errors: [{ title: 'Conflict', details: error.message }] });
  problem(res, status, { errors: [{ title: error.message }] });
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
      const inquiryId = typeof req.params.id === 'string' ? req.params.id : null;
      if (!auth.ok) {
        if (auth.rate.exceeded) return tooMany(res, auth.rate.resetSeconds, `You have hit the rate limit of ${auth.rate.limit} requests / min for calls without a valid key.`);
        if (auth.refusedKey) {
          await partner.auditAccessRefused(deps, auth.refusedKey, request, { reason: `API key ${auth.refusedKey.state}`, endpoint: name, inquiryId: null });
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
        if (error instanceof AppError) return answerError(res, error);
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
  return api;
}
