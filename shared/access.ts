import { z } from 'zod';
import { FilterDateSchema } from './dates.js';
import { IdempotencyKeySchema, ReasonSchema } from './actions.js';
import { InquiryIdSchema } from './inquiries.js';

/**
 * The session-bearing access report (`access.list`, docs/access-report.md): every session token and link ever
 * issued, one row per issue. A reused session handed out again is one row per hand-out (each receiver holds its
 * token), marked `reusedSession`.
 */

export const ACCESS_KINDS = ['console_resume', 'partner_resume', 'system_resume', 'one_time_link', 'token_link', 'bare_id_start', 'token_link_request'] as const;
export const AccessKindSchema = z.enum(ACCESS_KINDS);
export type AccessKind = z.infer<typeof AccessKindSchema>;

export const ACCESS_KIND_LABELS: Readonly<Record<AccessKind, string>> = {
  console_resume: 'Console resume',
  partner_resume: 'Partner API resume',
  system_resume: 'Backend resume',
  one_time_link: 'One-time link',
  token_link: 'Token link',
  bare_id_start: 'Bare-id start',
  token_link_request: 'Token link request',
};

/**
 * live: it still opens the inquiry; used: a one-time link's code was redeemed; expired: past its own expiry (or its
 * session ended with the inquiry); revoked: a person ended it. Token link requests under the two-person rule
 * (docs/two-person-rule.md) grant nothing themselves: pending (waiting for a second person), approved (the link was
 * issued: its own row), rejected, or expired (nobody decided in time).
 */
export const ACCESS_STATES = ['live', 'used', 'expired', 'revoked', 'pending', 'approved', 'rejected'] as const;
export const AccessStateSchema = z.enum(ACCESS_STATES);
export type AccessState = z.infer<typeof AccessStateSchema>;

/** Who a row was issued by: a staff id (stf_…), a partner key id (key_…), `backend-api`, `hosted-flow`; or a staff email. */
export const IssuerSchema = z
  .string()
  .trim()
  .min(1)
  .max(200, 'is at most 200 characters')
  .regex(/^(?:[A-Za-z0-9_-]+|[^\s@]+@[^\s@]+)$/, 'must be an issuer id (stf_…, key_…) or a staff email');
export const ISSUER_TYPES = ['staff', 'partner', 'system'] as const;

/** The report's filters: the URL's, the list's, and what a bulk revocation names. */
export const AccessFilterSchema = z
  .object({
    kind: z.array(AccessKindSchema).max(ACCESS_KINDS.length).optional(),
    state: z.array(AccessStateSchema).max(ACCESS_STATES.length).optional(),
    issuer: IssuerSchema.optional(),
    issuerType: z.enum(ISSUER_TYPES).optional(),
    inquiryId: InquiryIdSchema.optional(),
    issuedAfter: FilterDateSchema.optional(),
    issuedBefore: FilterDateSchema.optional(),
    /** true: only rows with a ticket reference; false: only rows without one. */
    hasTicket: z.boolean().optional(),
  })
  .strict();
export type AccessFilter = z.infer<typeof AccessFilterSchema>;

const periodInOrder = (v: { issuedAfter?: Date | undefined; issuedBefore?: Date | undefined }) =>
  !(v.issuedAfter && v.issuedBefore) || v.issuedAfter <= v.issuedBefore;
const PERIOD_ORDER = { message: 'issuedAfter must not be later than issuedBefore', path: ['issuedAfter'] };

export const ACCESS_LIMIT_MAX = 100;
export const ACCESS_LIMIT_DEFAULT = 50;

export const AccessListInputSchema = AccessFilterSchema.extend({
  cursor: z.string().max(512, 'cursor is malformed').optional(),
  limit: z.number().int().min(1).max(ACCESS_LIMIT_MAX).default(ACCESS_LIMIT_DEFAULT),
})
  .strict()
  .refine(periodInOrder, PERIOD_ORDER);
export type AccessListInput = z.input<typeof AccessListInputSchema>;
export type AccessListQuery = z.output<typeof AccessListInputSchema>;

export const AccessRowSchema = z.object({
  /** The row's own id: the session (iqse_…), the link (lnk_…), or a hand-out (hnd_…). */
  id: z.string(),
  kind: AccessKindSchema,
  inquiryId: z.string(),
  /** Who issued it, as the audit log names them (staff email, partner key's customer and name). */
  issuedBy: z.string().nullable(),
  issuer: z.object({ type: z.string(), id: z.string().nullable(), display: z.string().nullable() }),
  issuedAt: z.date(),
  reason: z.string().nullable(),
  ticket: z.string().nullable(),
  /** Identifies the session token in the audit log; never the token. Null for a one-time link (a code, not a token). */
  fingerprint: z.string().nullable(),
  expiresAt: z.date(),
  state: AccessStateSchema,
  /** When the hosted flow first and last saw it used (a session's first and latest request; a link's redemptions). */
  firstUsedAt: z.date().nullable(),
  lastUsedAt: z.date().nullable(),
  /** Links only: how often the link itself was opened. */
  useCount: z.number().int().nullable(),
  revokedAt: z.date().nullable(),
  sessionId: z.string().nullable(),
  linkId: z.string().nullable(),
  /** A live session nobody had used yet, handed out again: this row is that later hand-out. */
  reusedSession: z.boolean(),
  /** Links: the inquiry's version and its template's latest when issued (null on links issued before this was kept). */
  versionNumber: z.number().int().nullable(),
  latestVersionNumber: z.number().int().nullable(),
  versionGap: z.number().int().nullable(),
  /** Bare-id starts: how it was opened (`/verify` or `/widget`). */
  note: z.string().nullable(),
  /** Revoking it now would end access (live, or a redeemed one-time link whose session is still live). */
  revocable: z.boolean(),
  /** The two-person rule: who approved a token link (on the link's row and its approved request's row); else null. */
  approvedBy: z.string().nullable().optional(),
});
export type AccessRow = z.infer<typeof AccessRowSchema>;

export const AccessListOutputSchema = z.object({
  items: z.array(AccessRowSchema),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
  /** False when more rows match than are counted exactly: `total` is then a lower bound ("at least"). */
  totalExact: z.boolean(),
  /** Support sees only what was issued or handed to them. */
  scope: z.enum(['all', 'own']),
});
export type AccessListOutput = z.infer<typeof AccessListOutputSchema>;

// Outliers: issues per agent per day or week, beside the team's median.

export const OutliersInputSchema = z.object({ granularity: z.enum(['day', 'week']).default('day') }).strict();
export type OutliersInput = z.input<typeof OutliersInputSchema>;

export const OUTLIER_RATIO = 2;
export const OUTLIER_MINIMUM = 5;

export const OutliersOutputSchema = z.object({
  granularity: z.enum(['day', 'week']),
  from: z.date(),
  to: z.date(),
  buckets: z.array(z.object({ start: z.date(), teamMedian: z.number(), agents: z.number().int() })),
  agents: z.array(
    z.object({
      issuerId: z.string(),
      issuerDisplay: z.string().nullable(),
      total: z.number().int(),
      /** The agent's busiest day or week in the window, and the team's median then. */
      peak: z.object({ start: z.date(), count: z.number().int(), teamMedian: z.number() }),
      /** Issued at least OUTLIER_RATIO × the team's median (and at least OUTLIER_MINIMUM) in some day or week. */
      outlier: z.boolean(),
      counts: z.array(z.object({ start: z.date(), count: z.number().int() })),
    }),
  ),
  threshold: z.object({ ratio: z.number(), minimum: z.number().int() }),
  scope: z.enum(['all', 'own']),
});
export type OutliersOutput = z.infer<typeof OutliersOutputSchema>;

// Bulk revocation of a filtered set: preview the exact count, then confirm it.

/** The most a bulk revocation takes at once: narrow the filter for more. */
export const BULK_REVOKE_MAX = 5000;

export const RevokePreviewInputSchema = AccessFilterSchema.refine(periodInOrder, PERIOD_ORDER);
export const RevokePreviewOutputSchema = z.object({
  /** Rows matching the filter that revoking would end now (exact up to BULK_REVOKE_MAX + 1). */
  count: z.number().int(),
  tooMany: z.boolean(),
  max: z.number().int(),
  byKind: z.array(z.object({ kind: AccessKindSchema, count: z.number().int() })),
  scope: z.enum(['all', 'own']),
});
export type RevokePreviewOutput = z.infer<typeof RevokePreviewOutputSchema>;

export const RevokeMatchingInputSchema = AccessFilterSchema.extend({
  /** The count the person confirmed: refused if the set has changed since. */
  expectedCount: z.number().int().min(1).max(BULK_REVOKE_MAX),
  reason: ReasonSchema,
  idempotencyKey: IdempotencyKeySchema,
})
  .strict()
  .refine(periodInOrder, PERIOD_ORDER);
export type RevokeMatchingInput = z.input<typeof RevokeMatchingInputSchema>;

export const RevokeMatchingOutputSchema = z.object({
  bulkId: z.string(),
  /** The count confirmed and audited. */
  count: z.number().int(),
  /** Rows this run ended; rows that had ended by themselves (or by someone else) before their batch came are skipped. */
  revoked: z.number().int().nullable(),
  skipped: z.number().int().nullable(),
  batches: z.number().int().nullable(),
  /**
   * `running`: not finished yet — a run longer than a request goes on in the background of the server that took it
   * (waiting out Persona's rate limit), and `access.revokeStatus` tells how far it is; `failed`: stopped on an error
   * after `batches` batches; `interrupted`: stopped by a shutdown, or its server went away (no progress for two minutes).
   * After `failed` or `interrupted`, preview again to revoke what is left.
   */
  status: z.enum(['done', 'running', 'failed', 'interrupted']),
});
export type RevokeMatchingOutput = z.infer<typeof RevokeMatchingOutputSchema>;

/** A bulk revocation of one's own, by the idempotency key its request carried. */
export const RevokeStatusInputSchema = z.object({ idempotencyKey: IdempotencyKeySchema }).strict();
export type RevokeStatusInput = z.input<typeof RevokeStatusInputSchema>;
