import { z } from 'zod';
import { ReasonSchema } from './actions.js';

/**
 * B2B2C customers and their partner API keys (admin, `apikey:manage`). The keys authenticate the partner resume
 * API at /api/v1 (server/partner-api); the console only creates, lists and revokes them.
 */

export const API_KEY_PREFIX = 'idk_live_';
/** Persona's own default, per key: 300 requests a minute. */
export const DEFAULT_KEY_RATE_LIMIT = 300;
export const MAX_KEY_RATE_LIMIT = 100_000;
/** The longest a key may be created for; a key without an expiry lasts until it is revoked. */
export const MAX_KEY_LIFETIME_DAYS = 730;

export const CustomerIdSchema = z.string().max(100).regex(/^cust_[A-Za-z0-9]+$/, 'must be a customer id (cust_…)');
export const ApiKeyIdSchema = z.string().max(100).regex(/^key_[A-Za-z0-9]+$/, 'must be an API key id (key_…)');

export const CustomerSchema = z.object({
  id: z.string(),
  name: z.string(),
  accountId: z.string().nullable(),
  createdAt: z.date(),
  inquiryCount: z.number().int(),
  openInquiryCount: z.number().int(),
  activeKeyCount: z.number().int(),
});
export type Customer = z.infer<typeof CustomerSchema>;
export const CustomerListOutputSchema = z.object({ items: z.array(CustomerSchema) });

export const API_KEY_STATES = ['active', 'expired', 'revoked'] as const;
export type ApiKeyState = (typeof API_KEY_STATES)[number];

export const ApiKeySchema = z.object({
  id: z.string(),
  customerId: z.string(),
  customerName: z.string(),
  name: z.string(),
  /** The secret's first characters (`idk_live_AbCd`), enough to recognise it; never the secret. */
  prefix: z.string(),
  rateLimitPerMinute: z.number().int(),
  canReadPii: z.boolean(),
  state: z.enum(API_KEY_STATES),
  createdAt: z.date(),
  createdBy: z.string().nullable(),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  revokedBy: z.string().nullable(),
  revokeReason: z.string().nullable(),
  lastUsedAt: z.date().nullable(),
  /** Calls in the last seven UTC days, today included. */
  callsThisWeek: z.number().int(),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const ApiKeyListInputSchema = z.object({ customerId: CustomerIdSchema.optional() }).strict();
export const ApiKeyListOutputSchema = z.object({ items: z.array(ApiKeySchema) });

export const ApiKeyCreateInputSchema = z
  .object({
    customerId: CustomerIdSchema,
    name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    /** Null or absent: the key lasts until it is revoked. */
    expiresAt: z.date().nullable().optional(),
    rateLimitPerMinute: z.number().int().min(1).max(MAX_KEY_RATE_LIMIT).default(DEFAULT_KEY_RATE_LIMIT),
    /** May `GET /api/v1/inquiries/{id}` return the prefilled fields unmasked? */
    canReadPii: z.boolean().default(false),
    /** Optional for the DESIGN §7 contract (`{ customerId, name }`); the console always asks for one. */
    reason: ReasonSchema.optional(),
  })
  .strict();
export type ApiKeyCreateInput = z.input<typeof ApiKeyCreateInputSchema>;

export const ApiKeyCreateOutputSchema = z.object({
  id: z.string(),
  /** Shown once; the server keeps only its hash. */
  secret: z.string(),
  prefix: z.string(),
  expiresAt: z.date().nullable(),
});

export const ApiKeyRevokeInputSchema = z.object({ id: ApiKeyIdSchema, reason: ReasonSchema }).strict();
