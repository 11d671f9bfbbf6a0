import { z } from 'zod';

/** A one-time link or a token link, as the inquiry page and the access report show it (never the code or token). */
export const LinkSummarySchema = z.object({
  id: z.string(),
  kind: z.enum(['one_time', 'token']),
  createdAt: z.date(),
  expiresAt: z.date(),
  firstUsedAt: z.date().nullable(),
  useCount: z.number().int(),
  revokedAt: z.date().nullable(),
  issuedBy: z.string().nullable(),
  issuedById: z.string().nullable(),
  reason: z.string().nullable(),
  ticket: z.string().nullable(),
  tokenFingerprint: z.string().nullable(),
  /** A one-time link emailed to the address on file: that address, masked (j•••@example.com). */
  emailedTo: z.string().nullable().optional(),
  state: z.enum(['live', 'used', 'expired', 'revoked']),
});
export type LinkSummary = z.infer<typeof LinkSummarySchema>;
