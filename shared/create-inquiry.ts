import { z } from 'zod';
import { IdempotencyKeySchema, ReasonSchema } from './actions.js';
import { EmailSchema } from './auth.js';
import { isOneLineText } from './text.js';
import { TemplateIdSchema } from './templates.js';

/**
 * The seed's Option 2, from the console: support creates a new inquiry on a template's latest version for a user
 * they know (reference id, email, name), then hands it off like any other (`inquiries.create`, `inquiry:act`).
 */
/** Non-empty, one line, no control character (shared/text.ts). */
const printable = (text: string) => text.length > 0 && isOneLineText(text);
const name = z.string().trim().max(100, 'is at most 100 characters').refine(printable, 'must be printable text');

export const CreateInquiryInputSchema = z
  .object({
    templateId: TemplateIdSchema,
    /** The end user's id in the customer's system (opaque to us). */
    referenceId: z.string().trim().min(1, 'must not be empty').max(255, 'is at most 255 characters').refine(printable, 'must be printable text'),
    /** Prefilled for the flow; PII, masked everywhere as the other prefilled fields. */
    email: EmailSchema.optional(),
    nameFirst: name.optional(),
    nameLast: name.optional(),
    reason: ReasonSchema,
    idempotencyKey: IdempotencyKeySchema,
  })
  .strict();
export type CreateInquiryInput = z.input<typeof CreateInquiryInputSchema>;

export const CreateInquiryOutputSchema = z.object({
  inquiryId: z.string(),
  versionNumber: z.number().int(),
  expiresAt: z.date(),
});
