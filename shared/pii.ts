import { z } from 'zod';
import { ReasonSchema } from './actions.js';
import { InquiryIdSchema } from './inquiries.js';

/** A prefilled field's name, as Persona spells them: `name-first`, `email-address`, `address-street-1`. */
export const PiiFieldNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a prefilled field name like name-first');

/**
 * `inquiries.revealPii`: the inquiry's prefilled values in the clear, for the view that asked (permission
 * pii:reveal, audited as `pii.revealed` with the field names, never the values). Without `fields`, all of them.
 */
export const RevealPiiInputSchema = z
  .object({
    id: InquiryIdSchema,
    reason: ReasonSchema,
    fields: z.array(PiiFieldNameSchema).min(1, 'name at least one field, or leave fields out to reveal all').max(50).optional(),
  })
  .strict();
export type RevealPiiInput = z.infer<typeof RevealPiiInputSchema>;

export const RevealedFieldSchema = z.object({ name: z.string(), label: z.string(), value: z.string() });
export type RevealedField = z.infer<typeof RevealedFieldSchema>;

export const RevealPiiOutputSchema = z.object({
  inquiryId: z.string(),
  /** In the order the masked fields are listed (inquiries.get `fields`). */
  fields: z.array(RevealedFieldSchema),
  revealedAt: z.date(),
});
export type RevealPiiOutput = z.infer<typeof RevealPiiOutputSchema>;
