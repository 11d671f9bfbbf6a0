import { z } from 'zod';
import { FIND_KINDS, FIND_LIMIT, findQueryProblem } from './find-query.js';

/** `inquiries.find`: "search anywhere" (the top bar and the command palette). How text is read: find-query.ts. */
export const FindInquiriesInputSchema = z
  .object({
    /** An inquiry id, reference id, email, hosted-flow URL or one-time link, as pasted; trimmed. */
    q: z
      .string()
      .trim()
      .superRefine((value, ctx) => {
        const problem = findQueryProblem(value);
        // The message never repeats the input: it may be a one-time link.
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  })
  .strict();
export type FindInquiriesInput = z.input<typeof FindInquiriesInputSchema>;

export const FindKindSchema = z.enum(FIND_KINDS);

export const FoundInquirySchema = z.object({
  id: z.string(),
  status: z.string(), // not the enum: a status the vendor adds tomorrow must still show
  referenceId: z.string().nullable(),
  templateName: z.string(),
  versionNumber: z.number().int(),
  createdAt: z.date(),
  expiresAt: z.date(),
  /** The prefilled email, masked (`a•••@example.com`); null when there is none. */
  emailMasked: z.string().nullable(),
});
export type FoundInquiry = z.infer<typeof FoundInquirySchema>;

export const FindInquiriesOutputSchema = z.object({
  /** How the text was read: it decides the words of "no match" and which column was searched. */
  kind: FindKindSchema,
  /**
   * What was searched, normalised (the inquiry id, the reference id, the lower-cased email); null for a one-time
   * link, whose code is never sent back, and for a link that carries nothing to search by.
   */
  term: z.string().nullable(),
  /** Newest first, at most FIND_LIMIT. */
  items: z.array(FoundInquirySchema).max(FIND_LIMIT),
  /** More inquiries matched than are listed: the list's search shows them all. */
  more: z.boolean(),
});
export type FindInquiriesOutput = z.infer<typeof FindInquiriesOutputSchema>;
