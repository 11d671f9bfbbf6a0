import { z } from 'zod';
import { API_KEY_PREFIX } from '../../shared/partner.js';

/**
 * The partner API's wire contract as zod schemas. The router validates requests with them and the OpenAPI
 * document (openapi.ts) is generated from them, so the two cannot drift; the tests parse responses with them.
 */

export const InquiryIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^inq_[A-Za-z0-9]{1,64}$/, 'must be an inquiry id (inq_…)')
    .describe('The inquiry id (`inq_…`).'),
});

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

export const ResumeHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .min(8, 'must be 8 to 128 characters')
    .max(128, 'must be 8 to 128 characters')
    .regex(PRINTABLE, 'must be printable text')
    .optional()
    .describe('Replays the stored response of an earlier call with the same key for 24 hours; the same key for another inquiry is refused.'),
});

const Timestamp = z.iso.datetime().describe('ISO 8601, UTC');
const NullableTimestamp = Timestamp.nullable();

export const InquiryResourceSchema = z
  .object({
    type: z.literal('inquiry'),
    id: z.string().describe('`inq_…`'),
    attributes: z.object({
      status: z.string().describe('created, pending, completed, failed, expired, approved, declined, needs_review (not a closed list)'),
      'reference-id': z.string().nullable(),
      note: z.null(),
      tags: z.array(z.string()),
      'created-at': Timestamp,
      'updated-at': Timestamp,
      'started-at': NullableTimestamp,
      'completed-at': NullableTimestamp,
      'failed-at': NullableTimestamp,
      'decisioned-at': NullableTimestamp,
      'expired-at': NullableTimestamp,
      'expires-at': Timestamp,
      'redacted-at': z.null(),
      fields: z
        .record(z.string(), z.object({ type: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }))
        .describe('Prefilled fields; values are masked unless the key may read PII.'),
    }),
    relationships: z.object({
      account: z.object({ data: z.object({ type: z.literal('account'), id: z.string() }).nullable() }),
      'inquiry-template': z.object({ data: z.object({ type: z.literal('inquiry-template'), id: z.string() }) }),
      'inquiry-template-version': z.object({ data: z.object({ type: z.literal('inquiry-template-version'), id: z.string() }) }),
      sessions: z.object({ data: z.array(z.object({ type: z.literal('inquiry-session'), id: z.string() })) }),
    }),
  })
  .meta({ id: 'Inquiry', description: "An inquiry in Persona's shape (kebab-case attributes)." });

export const InquiryResponseSchema = z.object({ data: InquiryResourceSchema });

export const ResumeResponseSchema = z.object({
  data: InquiryResourceSchema,
  meta: z.object({
    'session-token': z.string().describe('Load it into the embedded flow with the inquiry id. Shown in this answer only.'),
  }),
});

export const ErrorsSchema = z
  .object({
    errors: z.array(
      z.object({
        title: z.string(),
        details: z.string().optional(),
        source: z.object({ parameter: z.string().optional(), header: z.string().optional() }).optional(),
      }),
    ),
  })
  .meta({ id: 'Errors', description: "Persona's error shape (note `details`, not `detail`)." });

export const API_KEY_DESCRIPTION = `A customer's partner API key (\`${API_KEY_PREFIX}…\`), created by an admin on the console's Customers page.`;
