import { z } from 'zod';
import { isStorableText, ReasonSchema } from './actions.js';

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
  /** Open inquiries whose expiry falls in the next 24 hours. */
  expiringNext24h: z.number().int(),
});
export type TemplateSummary = z.infer<typeof TemplateSummarySchema>;

export const TemplateListOutputSchema = z.object({ items: z.array(TemplateSummarySchema) });
export type TemplateListOutput = z.infer<typeof TemplateListOutputSchema>;

// ---- Managers: expiration policy, versions, charts (issue 11). Names per DESIGN §7. ----

export const POLICY_MIN_MINUTES = 10;
export const POLICY_MAX_MINUTES = 30 * 24 * 60;
/** Persona recommends at most 15 days; above it the editor warns. */
export const VENDOR_RECOMMENDED_MAX_MINUTES = 15 * 24 * 60;
/** Applying a policy to open inquiries never brings an expiry closer than this (the preview counts those it holds back). */
export const APPLY_GRACE_MINUTES = 10;
/** The finished inquiries the impact preview looks back over. */
export const PREVIEW_WINDOW_DAYS = 90;

/** Messages without the field's name: the error formatter puts the path in front ("afterCreateMinutes: at least 10 minutes"). */
const interval = () =>
  z
    .number({ error: 'must be a number of minutes' })
    .int('must be whole minutes')
    .min(POLICY_MIN_MINUTES, 'at least 10 minutes')
    .max(POLICY_MAX_MINUTES, 'at most 30 days');

export const TemplateIdSchema = z.string().max(100).regex(/^itmpl_[A-Za-z0-9]+$/, 'must be a template id (itmpl_…)');

/** The four intervals (DESIGN §7 field names) and the console's own caps for the template. */
export const PolicyFieldsSchema = z.object({
  afterCreateMinutes: interval(),
  /** Null: the same as after creation (Persona's "blank"). */
  afterStartMinutes: interval().nullable(),
  afterResumeMinutes: interval(),
  oneTimeLinkMinutes: interval(),
  /** The longest token link for this template; null/absent: the server's TOKEN_LINK_MAX_MINUTES. */
  tokenLinkMaxMinutes: z.number().int().min(5, 'at least 5 minutes').max(POLICY_MAX_MINUTES, 'at most 30 days').nullable().optional(),
  /** The resume cooldown window for this template; null/absent: the server's RESUME_COOLDOWN_MINUTES. */
  resumeCooldownMinutes: z.number().int().min(1, 'at least 1 minute').max(1440, 'at most 24 hours').nullable().optional(),
});
export type PolicyFields = z.infer<typeof PolicyFieldsSchema>;

export const PreviewPolicyInputSchema = PolicyFieldsSchema.extend({ templateId: TemplateIdSchema }).strict();
export type PreviewPolicyInput = z.infer<typeof PreviewPolicyInputSchema>;

export const UpdatePolicyInputSchema = PolicyFieldsSchema.extend({
  templateId: TemplateIdSchema,
  /** The revision the editor started from (null: the template had none): a save against a stale one is refused. */
  expectedRevisionId: z.number().int().nullable().optional(),
  reason: ReasonSchema,
}).strict();
export type UpdatePolicyInput = z.infer<typeof UpdatePolicyInputSchema>;

export const PolicyRevisionSchema = z.object({
  revisionId: z.number().int(),
  templateId: z.string(),
  afterCreateMinutes: z.number().int(),
  afterStartMinutes: z.number().int().nullable(),
  afterResumeMinutes: z.number().int(),
  oneTimeLinkMinutes: z.number().int(),
  tokenLinkMaxMinutes: z.number().int().nullable(),
  resumeCooldownMinutes: z.number().int().nullable(),
  reason: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  /** When the revision's intervals were applied to the open inquiries of the time, and to how many. */
  appliedToOpenAt: z.date().nullable(),
  appliedToOpenCount: z.number().int().nullable(),
});
export type PolicyRevision = z.infer<typeof PolicyRevisionSchema>;

/** One bar of a duration histogram: [fromMinutes, toMinutes) — the last bar has no upper end. */
export const DurationBucketSchema = z.object({ fromMinutes: z.number().int(), toMinutes: z.number().int().nullable(), count: z.number().int() });
export type DurationBucket = z.infer<typeof DurationBucketSchema>;

const ExpiredShareSchema = z.object({
  /** Finished inquiries that would have expired before they were started (the after-creation interval). */
  expiredBeforeStart: z.number().int(),
  /** … or after they were started, before they completed (the after-start interval). */
  expiredBeforeCompletion: z.number().int(),
  /** Both together, as a share of all finished inquiries (0–1). */
  share: z.number(),
});

export const PolicyPreviewSchema = z.object({
  templateId: z.string(),
  current: PolicyRevisionSchema.nullable(),
  finished: z.object({
    windowDays: z.number().int(),
    total: z.number().int(),
    current: ExpiredShareSchema,
    proposed: ExpiredShareSchema,
  }),
  histograms: z.object({
    creationToCompletion: z.array(DurationBucketSchema),
    startToCompletion: z.array(DurationBucketSchema),
  }),
  open: z.object({
    total: z.number().int(),
    /** Open inquiries whose expiry the proposed policy would change if applied to them. */
    changed: z.number().int(),
    gainTime: z.number().int(),
    loseTime: z.number().int(),
    /** Of those losing time: would be past their new expiry now — held at now + APPLY_GRACE_MINUTES instead. */
    expireAtOnce: z.number().int(),
  }),
  warnings: z.array(z.string()),
});
export type PolicyPreview = z.infer<typeof PolicyPreviewSchema>;

export const TemplateTargetInputSchema = z.object({ templateId: TemplateIdSchema }).strict();

export const PolicyHistoryOutputSchema = z.object({ items: z.array(PolicyRevisionSchema) });

export const ApplyPolicyInputSchema = z
  .object({
    templateId: TemplateIdSchema,
    /** The revision to apply: it must still be the one in force. */
    revisionId: z.number().int(),
    reason: ReasonSchema,
  })
  .strict();
export const ApplyPolicyOutputSchema = z.object({ updated: z.number().int(), heldAtGrace: z.number().int() });

export const PublishVersionInputSchema = z
  .object({ templateId: TemplateIdSchema, notes: z.string().trim().min(1, 'say what changed').max(2000).refine(isStorableText, 'contains a character that cannot be stored (NUL or a broken surrogate)'), reason: ReasonSchema })
  .strict();
export const PublishVersionOutputSchema = z.object({ versionId: z.string(), versionNumber: z.number().int(), outdatedOpenCount: z.number().int() });

export const RecreateOutdatedInputSchema = z
  .object({
    templateId: TemplateIdSchema,
    reason: ReasonSchema,
    /** The count the manager confirmed; refused if the set has grown past it (someone published or created meanwhile). */
    expectedCount: z.number().int().min(0),
  })
  .strict();
export const RecreateOutdatedOutputSchema = z.object({ recreated: z.number().int(), skipped: z.number().int() });

export const TemplateVersionDetailSchema = TemplateVersionSummarySchema.extend({
  notes: z.string().nullable(),
  createdCount: z.number().int(),
  pendingCount: z.number().int(),
});

/** A template's page: everything the summary has, the versions' notes and open inquiries by status, and the charts' data. */
export const TemplateDetailSchema = TemplateSummarySchema.extend({
  versions: z.array(TemplateVersionDetailSchema),
  revision: PolicyRevisionSchema.nullable(),
  /** Age of open inquiries (now − created_at). */
  openAge: z.array(DurationBucketSchema),
  /** Last PREVIEW_WINDOW_DAYS days of finished inquiries, the same histograms as the preview's. */
  histograms: PolicyPreviewSchema.shape.histograms,
  finishedTotal: z.number().int(),
  /**
   * Who owns expiry and versions: 'console' (the local engine: apply a policy, publish a version here), or 'persona'
   * (Persona's dashboard; the console mirrors them and refuses to change its copy).
   */
  managedBy: z.enum(['console', 'persona']).default('console'),
});
export type TemplateDetail = z.infer<typeof TemplateDetailSchema>;
