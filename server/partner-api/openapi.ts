import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { UNAUTHENTICATED_LIMIT_PER_MINUTE } from '../services/partner-api/index.js';
import { DEFAULT_KEY_RATE_LIMIT } from '../../shared/partner.js';
import { API_KEY_DESCRIPTION, ErrorsSchema, InquiryIdParamsSchema, InquiryResponseSchema, ResumeHeadersSchema, ResumeResponseSchema } from './schemas.js';

/**
 * `GET /api/v1/openapi.json`: OpenAPI 3.1, generated from the zod schemas the router validates with
 * (@asteasolutions/zod-to-openapi). Built once per process; the tests generate their client from the served copy.
 */

type Headers = Record<string, { description: string; schema: { type: 'integer' | 'string' } }>;

const rateHeaders: Headers = {
  'RateLimit-Limit': { description: `Calls allowed per minute for this key (default ${DEFAULT_KEY_RATE_LIMIT}; ${UNAUTHENTICATED_LIMIT_PER_MINUTE} per client address without a valid key).`, schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Calls left in the current one-minute window.', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
  'Request-Id': { description: 'The request id (also in the server log).', schema: { type: 'string' } },
};

function buildDocument() {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'partnerKey', { type: 'http', scheme: 'bearer', description: API_KEY_DESCRIPTION });
  const Errors = ErrorsSchema;
  const json = (schema: z.ZodType, description: string, headers: Headers = rateHeaders) => ({
    description,
    headers,
    content: { 'application/json': { schema } },
  });
  const errors = {
    400: json(Errors, 'A malformed id or header; `source` names it.'),
    401: json(Errors, 'A missing, unknown, expired or revoked key: the same answer for each.', {
      ...rateHeaders,
      'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } },
    }),
    500: json(Errors, 'A fault on this side; the `Request-Id` finds it in the server log.', {}),
    404: json(Errors, "No such inquiry for this key's customer (an inquiry of another customer is not found either)."),
    429: json(Errors, 'Over the rate limit (or, on resume, the per-inquiry resume cooldown); wait `Retry-After` seconds.', {
      ...rateHeaders,
      'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } },
    }),
  };
  const security = [{ [bearer.name]: [] }];

  registry.registerPath({
    method: 'get',
    path: '/api/v1/inquiries/{id}',
    operationId: 'getInquiry',
    summary: 'Retrieve an inquiry',
    description: 'Check an inquiry before resuming it. Prefilled fields are masked unless the key may read PII. Every call is audited.',
    security,
    request: { params: InquiryIdParamsSchema },
    responses: { 200: json(InquiryResponseSchema, 'The inquiry.'), ...errors },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/inquiries/{id}/resume',
    operationId: 'resumeInquiry',
    summary: 'Resume an inquiry',
    description:
      'Hands back a session token for a pending or expired inquiry (an expired one becomes pending again), reusing a live session nobody has used yet. ' +
      'The console\'s guards apply: at most the session cap of live sessions, and a per-inquiry resume cooldown (429). No request body. Every call, allowed or refused, is audited.',
    security,
    request: { params: InquiryIdParamsSchema, headers: ResumeHeadersSchema },
    responses: {
      200: json(ResumeResponseSchema, 'The inquiry, pending, with a session token.'),
      ...errors,
      409: json(Errors, 'The inquiry cannot be resumed (completed, failed, decided, replaced by a newer inquiry, at its session cap), or the Idempotency-Key was used for another request.'),
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Inquiry Desk partner API',
      version: '1.0.0',
      description:
        "Resume your users' identity-verification inquiries with your customer API key. Answers follow Persona's API shapes, so code written against Persona's resume endpoint works unchanged.",
    },
    servers: [{ url: '/' }],
  });
}

let cached: ReturnType<typeof buildDocument> | null = null;

export function openApiDocument(): ReturnType<typeof buildDocument> {
  cached ??= buildDocument();
  return cached;
}
