import { z } from 'zod';

export const TemplateVersionSummarySchema = z.object({
  id: z.string(),
  versionNumber: z.number().int(),
  publishedAt: z.date(),
  isLatest: z.boolean(),
  /** Open (created or pending) inquiries pinned to this version. */
  openInquiryCount: z.number().int(),
});

export const PolicySchema = z.object({
  revisionId: z.number().int(),
  afterCreateMinutes: z.number().int(),
  afterStartMinutes: z.number().int().nullable(),
  afterResumeMinutes: z.number().int(),
  oneTimeLinkMinutes: z.number().int(),
  createdAt: z.date(),
});
export type Policy = z.infer<typeof PolicySchema>;

export const TemplateSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  latestVersionId: z.string().nullable(),
  latestVersionNumber: z.number().int(),
  versions: z.array(TemplateVersionSummarySchema),
  policy: PolicySchema.nullable(),
  openInquiryCount: z.number().int(),
  openOnOutdatedCount: z.number().int(),
});
export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;

export const TemplateListOutputSchema = z.object({ items: z.array(TemplateSummarySchema) });
export type TemplateListOutput = z.infer<typeof TemplateListOutputSchema>;
