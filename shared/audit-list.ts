import { z } from 'zod';
import { FilterDateSchema } from './dates.js';
import { AUDIT_QUERY_MAX_LENGTH } from './audit-query.js';

/**
 * `audit.list` (DESIGN §7; `audit:read`): the audit explorer's page of events, newest first. The filter comes as
 * the search box's text (`q`, shared/audit-query.ts) and/or field by field; both are read by the same parser on the
 * server, and anything it does not understand is a 400 carrying the parser's message.
 */

export const AUDIT_LIST_LIMIT_MAX = 100;
export const AUDIT_LIST_LIMIT_DEFAULT = 50;

/** Which events a role's `audit:read` reaches: everything, the person's own actions, or policy and template events. */
export const AUDIT_READ_SCOPES = ['all', 'own', 'policy'] as const;
export type AuditReadScope = (typeof AUDIT_READ_SCOPES)[number];

/** The action families a manager's `policy` scope shows (`policy.updated`, `template.version_published`, …). */
export const POLICY_SCOPE_FAMILIES = ['policy', 'template'] as const;

export const AuditListInputSchema = z
  .object({
    /** The search box: `actor:… action:… inquiry:… target:… ticket:… has:ticket after:… before:…`. */
    q: z.string().max(AUDIT_QUERY_MAX_LENGTH, `q: at most ${AUDIT_QUERY_MAX_LENGTH} characters`).optional(),
    // Field by field: checked exactly as the same terms typed in q would be (lengths here only bound the input).
    actor: z.string().max(254).optional(),
    action: z.string().max(100).optional(),
    inquiryId: z.string().max(100).optional(),
    target: z.object({ type: z.string().max(64), id: z.string().max(200) }).strict().optional(),
    ticket: z.string().max(200).optional(),
    hasTicket: z.boolean().optional(),
    after: FilterDateSchema.optional(),
    before: FilterDateSchema.optional(),
    /** From the previous page's nextCursor: later pages of the same search only. */
    cursor: z.string().max(512, 'cursor is malformed').optional(),
    /** Sent by tRPC's infinite queries with every page; only forward (older events) is served. */
    direction: z.literal('forward').optional(),
    limit: z.number().int().min(1).max(AUDIT_LIST_LIMIT_MAX).default(AUDIT_LIST_LIMIT_DEFAULT),
  })
  .strict();
export type AuditListInput = z.input<typeof AuditListInputSchema>;
export type AuditListQuery = z.output<typeof AuditListInputSchema>;

export const AuditFilterSchema = z.object({
  actor: z.string().optional(),
  action: z.string().optional(),
  inquiryId: z.string().optional(),
  target: z.object({ type: z.string(), id: z.string() }).optional(),
  ticket: z.string().optional(),
  hasTicket: z.boolean().optional(),
  after: z.string().optional(),
  before: z.string().optional(),
});

export const AuditEventItemSchema = z.object({
  seq: z.number().int(),
  occurredAt: z.date(),
  actor: z.object({ type: z.enum(['staff', 'partner', 'system']), id: z.string().nullable(), display: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  /** The inquiry the event is about: its target, or the inquiry of the link it targets (metadata.inquiryId). */
  inquiryId: z.string().nullable(),
  reason: z.string().nullable(),
  ticket: z.string().nullable(),
  request: z.object({ ip: z.string().nullable(), userAgent: z.string().nullable(), requestId: z.string().nullable() }),
  /** Secret-free by construction (server/audit/metadata.ts): fingerprints, ids, before/after of a change. */
  metadata: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type AuditEventItem = z.infer<typeof AuditEventItemSchema>;

export const AuditListOutputSchema = z.object({
  items: z.array(AuditEventItemSchema),
  /** Pass as `cursor` with the same search for the next (older) page; null on the last page. */
  nextCursor: z.string().nullable(),
  /** The search as the server read it, and as the search box would write it. */
  filter: AuditFilterSchema,
  query: z.string(),
  /** What the caller's role lets them see (their own actions, policy and template events, or everything). */
  scope: z.enum(AUDIT_READ_SCOPES),
});
export type AuditListOutput = z.infer<typeof AuditListOutputSchema>;
