import { z } from 'zod';
import { InquiryIdSchema } from './inquiries.js';

/** The guarded actions a support agent can take on an inquiry (DESIGN §4). */
export const ACTIONS = ['resume', 'oneTimeLink', 'tokenLink', 'recreate'] as const;
export type ActionName = (typeof ACTIONS)[number];

export const ACKNOWLEDGEMENTS = ['acknowledgeExpired', 'acknowledgeOutdated', 'acknowledgeRisk'] as const;
export type Acknowledgement = (typeof ACKNOWLEDGEMENTS)[number];

export const ActionVerdictSchema = z.object({
  allowed: z.boolean(),
  /** Why it is not allowed, in words for the agent. Empty when allowed. */
  reasons: z.array(z.string()),
  /** Allowed, but think first (expired, outdated version…). */
  warnings: z.array(z.string()),
  /** Acknowledgements the action will demand. */
  requires: z.array(z.enum(ACKNOWLEDGEMENTS)),
  /**
   * Refused only by a limit that lifts by itself (cooldown, budget): the seconds until it does, as the server's
   * 429 would say. The console counts it down and asks again when it reaches zero.
   */
  retryAfterSeconds: z.number().int().nonnegative().optional(),
});
export type ActionVerdict = z.infer<typeof ActionVerdictSchema>;

/** How a one-time link reaches the end user: shown to the agent to copy, or emailed to the address on file. */
export const ONE_TIME_LINK_DELIVERIES = ['copy', 'email'] as const;
export type OneTimeLinkDelivery = (typeof ONE_TIME_LINK_DELIVERIES)[number];

/** Whether a one-time link can be emailed now (a mail server is configured, the inquiry has an address on file). */
export const EmailDeliverySchema = z.object({
  available: z.boolean(),
  /** Why not, in words for the agent; null when available. */
  reason: z.string().nullable(),
  /** The address on file, masked (j•••@example.com); null when there is none. */
  to: z.string().nullable(),
});
export type EmailDelivery = z.infer<typeof EmailDeliverySchema>;

export const ActionsForOutputSchema = z.object({
  resume: ActionVerdictSchema,
  /** `email` is always sent by inquiries.actionsFor; optional so that verdicts built elsewhere need not invent it. */
  oneTimeLink: ActionVerdictSchema.extend({ email: EmailDeliverySchema.optional() }),
  tokenLink: ActionVerdictSchema.extend({
    /** The longest lifetime a token link may have right now (policy cap and inquiry expiry). */
    maxMinutes: z.number().int(),
    /**
     * TOKEN_LINK_APPROVAL=required: asking for a token link makes a request that a second person approves
     * (docs/two-person-rule.md); the link is issued on approval. Absent or false: the link is issued at once.
     */
    approvalRequired: z.boolean().optional(),
  }),
  recreate: ActionVerdictSchema,
  limits: z.object({
    liveSessionCount: z.number().int(),
    sessionCap: z.number().int(),
    resumesInWindow: z.number().int(),
    resumeCooldownMax: z.number().int(),
    resumeCooldownMinutes: z.number().int(),
    staffActionsInWindow: z.number().int(),
    staffBudget: z.number().int(),
    staffBudgetMinutes: z.number().int(),
  }),
});
export type ActionsForOutput = z.infer<typeof ActionsForOutputSchema>;

/** Text the database stores as given: no NUL (refused by text columns) and no unpaired surrogate (not UTF-8). */
export const isStorableText = (text: string): boolean => !text.includes('\u0000') && !/[\uD800-\uDFFF]/u.test(text);
export const ReasonSchema = z
  .string()
  .trim()
  .min(5, 'must say why, in at least 5 characters')
  .max(500, 'is at most 500 characters')
  .refine(isStorableText, 'contains a character that cannot be stored (NUL or a broken surrogate)');
export const TicketSchema = z
  .string()
  .trim()
  .min(2, 'must name the support ticket')
  .max(64, 'is at most 64 characters')
  .regex(/^[A-Za-z0-9#._:/-]+$/, 'may contain letters, digits and # . _ : / - only');
export const IdempotencyKeySchema = z.string().min(8, 'is too short').max(128, 'is too long').regex(/^[A-Za-z0-9_-]+$/, 'may contain letters, digits, _ and - only');

export const ResumeInputSchema = z
  .object({
    id: InquiryIdSchema,
    reason: ReasonSchema,
    acknowledgeExpired: z.boolean().optional(),
    acknowledgeOutdated: z.boolean().optional(),
    idempotencyKey: IdempotencyKeySchema,
  })
  .strict();
export type ResumeInput = z.infer<typeof ResumeInputSchema>;

export const ResumeOutputSchema = z.object({
  sessionId: z.string(),
  /** Shown once, to the person who asked. Never logged or stored. */
  sessionToken: z.string(),
  /** Short hash prefix that identifies the token in the audit log. */
  tokenFingerprint: z.string(),
  expiresAt: z.date(),
  inquiryId: z.string(),
  status: z.string(),
  reusedSession: z.boolean(),
});
export type ResumeOutput = z.infer<typeof ResumeOutputSchema>;

export const RecreateInputSchema = z.object({ id: InquiryIdSchema, reason: ReasonSchema, idempotencyKey: IdempotencyKeySchema }).strict();
export const RecreateOutputSchema = z.object({ newInquiryId: z.string(), versionNumber: z.number().int(), expiresAt: z.date() });

export const LinkIdSchema = z.string().trim().regex(/^lnk_[A-Za-z0-9]{1,64}$/, 'must be a link id like lnk_…');

export const CreateOneTimeLinkInputSchema = z
  .object({
    inquiryId: InquiryIdSchema,
    reason: ReasonSchema,
    /** An expired inquiry is reopened by the same action: the acknowledgements resuming it would ask for. */
    acknowledgeExpired: z.boolean().optional(),
    acknowledgeOutdated: z.boolean().optional(),
    /** 'copy' (the default): the agent gets the link to send. 'email': sent to the address on file. */
    delivery: z.enum(ONE_TIME_LINK_DELIVERIES).optional(),
    idempotencyKey: IdempotencyKeySchema,
  })
  .strict();

export const TOKEN_LINK_MIN_MINUTES = 5;
export const CreateTokenLinkInputSchema = z
  .object({
    inquiryId: InquiryIdSchema,
    reason: ReasonSchema,
    ticket: TicketSchema,
    expiresInMinutes: z.number().int().min(TOKEN_LINK_MIN_MINUTES, `must be at least ${TOKEN_LINK_MIN_MINUTES} minutes`).max(43_200),
    acknowledgeRisk: z.literal(true, { error: 'must be true: confirm that anyone holding the link can open the inquiry' }),
    acknowledgeExpired: z.boolean().optional(),
    acknowledgeOutdated: z.boolean().optional(),
    idempotencyKey: IdempotencyKeySchema,
  })
  .strict();

export const LinkOutputSchema = z.object({
  linkId: z.string(),
  /** For a token link this URL contains the session token: shown once, never stored. */
  url: z.string(),
  expiresAt: z.date(),
});
export type LinkOutput = z.infer<typeof LinkOutputSchema>;

/**
 * `links.createWithToken`'s answer. `issued`: the link (DESIGN §7's `{ linkId, url, expiresAt }`, the URL shown
 * once). `pending_approval` (TOKEN_LINK_APPROVAL=required): a request a second person approves or rejects before
 * `expiresAt`; once approved, the requester collects the link once with `links.collect`.
 */
export const IssuedTokenLinkOutputSchema = LinkOutputSchema.extend({ status: z.literal('issued') });
export const PendingTokenLinkOutputSchema = z.object({
  status: z.literal('pending_approval'),
  requestId: z.string(),
  inquiryId: z.string(),
  /** When the request expires if nobody decides it. */
  expiresAt: z.date(),
});
export const TokenLinkOutputSchema = z.discriminatedUnion('status', [IssuedTokenLinkOutputSchema, PendingTokenLinkOutputSchema]);
export type TokenLinkOutput = z.infer<typeof TokenLinkOutputSchema>;

export const OneTimeLinkOutputSchema = LinkOutputSchema.extend({
  /** How it was delivered; with 'email' the agent is not meant to see `url` (the console does not show it). */
  delivery: z.enum(ONE_TIME_LINK_DELIVERIES).optional(),
  /** With 'email': the address it was sent to, masked (j•••@example.com). */
  sentTo: z.string().optional(),
});
export type OneTimeLinkOutput = z.infer<typeof OneTimeLinkOutputSchema>;

export const RevokeLinkInputSchema = z.object({ linkId: LinkIdSchema, reason: ReasonSchema }).strict();
export const RevokeLinkOutputSchema = z.object({ linkId: z.string(), revokedAt: z.date(), sessionExpired: z.boolean() });

export const ExpireSessionsInputSchema = z
  .object({ inquiryId: InquiryIdSchema, sessionId: z.string().regex(/^iqse_[A-Za-z0-9]+$/).optional(), reason: ReasonSchema })
  .strict();
export const ExpireSessionsOutputSchema = z.object({ expired: z.number().int() });

export const StaticLinkInputSchema = z
  .object({
    templateId: z.string().regex(/^itmpl_[A-Za-z0-9]+$/, 'must be a template id like itmpl_…'),
    referenceId: z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_.:-]+$/, 'may contain letters, digits and _ . : - only').optional(),
  })
  .strict();
export const StaticLinkOutputSchema = z.object({ url: z.string(), referenceId: z.string() });

export { LinkSummarySchema, type LinkSummary } from './links.js';
