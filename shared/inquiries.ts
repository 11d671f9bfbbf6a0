import { z } from 'zod';
import { FilterDateSchema } from './dates.js';
import { LinkSummarySchema } from './links.js';
import { StatusSchema } from './statuses.js';

export const INQUIRY_ID_PATTERN = /^inq_[A-Za-z0-9]{1,64}$/;
export const InquiryIdSchema = z.string().trim().regex(INQUIRY_ID_PATTERN, 'must be an inquiry id like inq_…');

export const SORT_FIELDS = ['createdAt', 'expiresAt', 'updatedAt'] as const;
export const SortFieldSchema = z.enum(SORT_FIELDS);
export type SortField = z.infer<typeof SortFieldSchema>;

export const EXPIRY_FILTERS = ['expired', 'within_1h', 'within_24h', 'within_7d', 'live'] as const;
export const ExpiryFilterSchema = z.enum(EXPIRY_FILTERS);
export type ExpiryFilter = z.infer<typeof ExpiryFilterSchema>;

export const VERSION_STATES = ['latest', 'outdated'] as const;
export const VersionStateSchema = z.enum(VERSION_STATES);
export type VersionState = z.infer<typeof VersionStateSchema>;

/** Named views the console offers as one click; each is a preset of filters the server understands. */
export const QUICK_VIEWS = ['stuck', 'expiring_24h', 'outdated', 'expired_resumable'] as const;
export const QuickViewSchema = z.enum(QUICK_VIEWS);
export type QuickView = z.infer<typeof QuickViewSchema>;

export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 50;

export const InquiryListInputSchema = z
  .object({
    search: z.string().trim().max(320, 'search is at most 320 characters').optional(),
    status: z.array(StatusSchema).max(20).optional(),
    templateId: z.string().trim().max(64).regex(/^itmpl_[A-Za-z0-9]+$/, 'must be a template id like itmpl_…').optional(),
    customerId: z.string().trim().max(64).regex(/^cust_[A-Za-z0-9]+$/, 'must be a customer id like cust_…').optional(),
    versionState: VersionStateSchema.optional(),
    expiry: ExpiryFilterSchema.optional(),
    /** Pending with no live session: the end user lost their way back in. */
    noLiveSession: z.boolean().optional(),
    quickView: QuickViewSchema.optional(),
    createdAfter: FilterDateSchema.optional(),
    createdBefore: FilterDateSchema.optional(),
    sort: SortFieldSchema.default('createdAt'),
    order: z.enum(['asc', 'desc']).default('desc'),
    cursor: z.string().max(512, 'cursor is malformed').optional(),
    limit: z.number().int().min(1).max(LIST_LIMIT_MAX).default(LIST_LIMIT_DEFAULT),
  })
  .strict()
  .refine((v) => !(v.createdAfter && v.createdBefore) || v.createdAfter <= v.createdBefore, {
    message: 'createdAfter must not be later than createdBefore',
    path: ['createdAfter'],
  });
export type InquiryListInput = z.input<typeof InquiryListInputSchema>;
export type InquiryListQuery = z.output<typeof InquiryListInputSchema>;

export const InquiryListItemSchema = z.object({
  id: z.string(),
  status: z.string(), // not the enum: a status the vendor adds tomorrow must still list
  referenceId: z.string().nullable(),
  templateId: z.string(),
  templateName: z.string(),
  versionId: z.string(),
  versionNumber: z.number().int(),
  latestVersionNumber: z.number().int(),
  isOutdated: z.boolean(),
  customerId: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
  expiresAt: z.date(),
  liveSessionCount: z.number().int(),
  /** The prefilled email, masked (`a•••@example.com`) as search anywhere shows it; null when there is none. Never the address. */
  emailMasked: z.string().nullable(),
});
export type InquiryListItem = z.infer<typeof InquiryListItemSchema>;

export const InquiryListOutputSchema = z.object({
  items: z.array(InquiryListItemSchema),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
  /** False when `total` is the planner's estimate because counting exactly would be slow. */
  totalExact: z.boolean(),
});
export type InquiryListOutput = z.infer<typeof InquiryListOutputSchema>;

export const SessionSchema = z.object({
  id: z.string(),
  createdAt: z.date(),
  expiresAt: z.date(),
  startedAt: z.date().nullable(),
  expiredAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  issuedByType: z.string(),
  /** Who issued it (staff email, partner), or null for the end user's own session. */
  issuedBy: z.string().nullable(),
  reason: z.string().nullable(),
  tokenFingerprint: z.string().nullable(),
  state: z.enum(['live', 'expired', 'revoked']),
  /**
   * Later hand-outs of this same session by a resume that reused it (oldest first): each receiver holds its token
   * too, and may expire it like the person it was issued to.
   */
  handedTo: z.array(
    z.object({ type: z.string(), by: z.string().nullable(), byId: z.string().nullable(), at: z.date(), reason: z.string().nullable() }),
  ),
});
export type Session = z.infer<typeof SessionSchema>;

export const TimelineEventSchema = z.object({
  id: z.number().int(),
  occurredAt: z.date(),
  kind: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export const MaskedFieldSchema = z.object({ name: z.string(), label: z.string(), value: z.string() });

export const InquiryDetailSchema = InquiryListItemSchema.extend({
  kind: z.string(),
  accountId: z.string().nullable(),
  customerName: z.string().nullable(),
  latestVersionId: z.string().nullable(),
  versionsBehind: z.number().int(),
  versionPublishedAt: z.date(),
  startedAt: z.date().nullable(),
  completedAt: z.date().nullable(),
  failedAt: z.date().nullable(),
  decisionedAt: z.date().nullable(),
  expiredAt: z.date().nullable(),
  /** Prefilled PII, masked. */
  fields: z.array(MaskedFieldSchema),
  policy: z
    .object({
      revisionId: z.number().int(),
      afterCreateMinutes: z.number().int(),
      afterStartMinutes: z.number().int().nullable(),
      afterResumeMinutes: z.number().int(),
      oneTimeLinkMinutes: z.number().int(),
    })
    .nullable(),
  sessions: z.array(SessionSchema),
  /** One-time links and token links issued for this inquiry. */
  links: z.array(LinkSummarySchema),
  timeline: z.array(TimelineEventSchema),
  predecessor: z.object({ id: z.string(), status: z.string() }).nullable(),
  successor: z.object({ id: z.string(), status: z.string() }).nullable(),
  /** Why this inquiry might be stuck, in words a support agent can act on. */
  diagnosis: z.array(z.object({ severity: z.enum(['info', 'warning', 'error']), message: z.string() })),
});
export type InquiryDetail = z.infer<typeof InquiryDetailSchema>;

export const OverviewSchema = z.object({
  byStatus: z.array(z.object({ status: z.string(), count: z.number().int() })),
  expiringWithin24h: z.number().int(),
  openOnOutdatedVersion: z.number().int(),
  stuck: z.number().int(),
  countsExact: z.boolean(),
});
export type Overview = z.infer<typeof OverviewSchema>;
