import { z } from 'zod';
import { ReasonSchema } from './actions.js';

/**
 * The two-person rule for token links (TOKEN_LINK_APPROVAL=required; docs/two-person-rule.md): asking for a token
 * link makes a request; a second person holding `access:revoke` on all records (compliance, admin) approves or
 * rejects it with a reason; on approval the link is issued to the requester, who collects it once.
 */

export const TOKEN_LINK_REQUEST_STATES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type TokenLinkRequestState = (typeof TOKEN_LINK_REQUEST_STATES)[number];

export const TokenLinkRequestIdSchema = z.string().trim().regex(/^tlr_[A-Za-z0-9]{1,64}$/, 'must be a request id like tlr_…');

export const TokenLinkRequestSchema = z.object({
  id: z.string(),
  inquiryId: z.string(),
  state: z.enum(TOKEN_LINK_REQUEST_STATES),
  requestedBy: z.object({ id: z.string(), display: z.string() }),
  reason: z.string(),
  ticket: z.string(),
  /** The lifetime asked for; the link lives this long from approval (shorter if the inquiry expires sooner then). */
  expiresInMinutes: z.number().int(),
  acknowledgedExpired: z.boolean(),
  acknowledgedOutdated: z.boolean(),
  createdAt: z.date(),
  /** A pending request expires, undecided, at this time. */
  expiresAt: z.date(),
  decidedBy: z.string().nullable(),
  decidedAt: z.date().nullable(),
  decisionReason: z.string().nullable(),
  /** Approved: the link issued to the requester, its expiry, and whether it still opens the inquiry. */
  linkId: z.string().nullable(),
  linkExpiresAt: z.date().nullable(),
  linkLive: z.boolean(),
  /** When the requester collected the link (it is shown once). */
  collectedAt: z.date().nullable(),
});
export type TokenLinkRequest = z.infer<typeof TokenLinkRequestSchema>;

/** `links.approvals`: pending requests, for the people who decide them. */
export const ApprovalsInputSchema = z.object({ limit: z.number().int().min(1).max(200).default(100) }).strict().optional();
export const ApprovalsOutputSchema = z.object({
  /** TOKEN_LINK_APPROVAL as configured: new token links need a second person only with 'required'. */
  mode: z.enum(['off', 'required']),
  /** all: everyone's requests (and this person may decide those of others); own: only this person's, read-only. */
  scope: z.enum(['all', 'own']),
  items: z.array(TokenLinkRequestSchema.extend({ canDecide: z.boolean(), cannotDecideBecause: z.string().nullable() })),
});
export type ApprovalsOutput = z.infer<typeof ApprovalsOutputSchema>;

/** `links.myRequests`: the signed-in person's own requests, newest first (pending, decided, expired). */
export const MyRequestsInputSchema = z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict().optional();
export const MyRequestsOutputSchema = z.object({
  mode: z.enum(['off', 'required']),
  items: z.array(TokenLinkRequestSchema.extend({ collectable: z.boolean() })),
});
export type MyRequestsOutput = z.infer<typeof MyRequestsOutputSchema>;

export const DecideRequestInputSchema = z.object({ requestId: TokenLinkRequestIdSchema, reason: ReasonSchema }).strict();

export const ApproveOutputSchema = z.object({
  requestId: z.string(),
  state: z.literal('approved'),
  /** The link issued to the requester. Never its URL: only the requester collects that, once. */
  linkId: z.string(),
  linkExpiresAt: z.date(),
  /** The requested lifetime was shortened to what the inquiry allowed at approval. */
  lifetimeShortened: z.boolean(),
});
export const RejectOutputSchema = z.object({ requestId: z.string(), state: z.literal('rejected') });

export const CollectInputSchema = z.object({ requestId: TokenLinkRequestIdSchema }).strict();
/** The approved link, shown once: a second collect is refused. */
export const CollectOutputSchema = z.object({ requestId: z.string(), linkId: z.string(), url: z.string(), expiresAt: z.date() });
export type CollectOutput = z.infer<typeof CollectOutputSchema>;
