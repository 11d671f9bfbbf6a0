import { ownOnlyPermissionsOf, permissionsOf, ROLE_LABELS, type Role } from '@shared/permissions.js';
import type { RouterOutputs } from '../lib/trpc';

type ListItem = RouterOutputs['inquiries']['list']['items'][number];
type Detail = RouterOutputs['inquiries']['get'];
type Template = RouterOutputs['templates']['list']['items'][number];
type Session = Detail['sessions'][number];

const HOUR = 3_600_000;

export function listItem(overrides: Partial<ListItem> = {}): ListItem {
  const now = Date.now();
  return {
    id: 'inq_AAAA1111',
    status: 'pending',
    referenceId: 'user-42',
    templateId: 'itmpl_Onboarding',
    templateName: 'KYC Onboarding',
    versionId: 'itmplv_Ob3',
    versionNumber: 3,
    latestVersionNumber: 5,
    isOutdated: true,
    customerId: null,
    createdAt: new Date(now - 50 * HOUR),
    updatedAt: new Date(now - 2 * HOUR),
    expiresAt: new Date(now + 5 * HOUR + 60_000),
    liveSessionCount: 0,
    emailMasked: 'j•••@example.com',
    ...overrides,
  };
}

export function detail(overrides: Partial<Detail> = {}): Detail {
  const base = listItem();
  return {
    ...base,
    kind: 'dedicated',
    accountId: 'act_Acme',
    customerName: null,
    latestVersionId: 'itmplv_Ob5',
    versionsBehind: 2,
    versionPublishedAt: new Date(Date.now() - 90 * 24 * HOUR),
    startedAt: new Date(Date.now() - 49 * HOUR),
    completedAt: null,
    failedAt: null,
    decisionedAt: null,
    expiredAt: null,
    fields: [{ name: 'email-address', label: 'Email', value: 'j•••@example.com' }],
    policy: { revisionId: 3, afterCreateMinutes: 1440, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60 },
    sessions: [],
    links: [],
    timeline: [{ id: 1, occurredAt: base.createdAt, kind: 'inquiry.created', detail: {} }],
    predecessor: null,
    successor: null,
    diagnosis: [{ severity: 'error', message: 'Started, but no live session.' }],
    ...overrides,
  };
}

export function session(overrides: Partial<Session> = {}): Session {
  return {
    id: 'iqse_One',
    createdAt: new Date(Date.now() - HOUR),
    expiresAt: new Date(Date.now() - 60_000),
    startedAt: null,
    expiredAt: null,
    revokedAt: null,
    issuedByType: 'end_user',
    issuedBy: null,
    reason: null,
    tokenFingerprint: null,
    state: 'expired',
    handedTo: [],
    ...overrides,
  };
}

export function template(overrides: Partial<Template> = {}): Template {
  return {
    id: 'itmpl_Onboarding',
    name: 'KYC Onboarding',
    latestVersionId: 'itmplv_Ob5',
    latestVersionNumber: 5,
    versions: [
      { id: 'itmplv_Ob5', versionNumber: 5, publishedAt: new Date(Date.now() - 24 * HOUR), isLatest: true, openInquiryCount: 10 },
      { id: 'itmplv_Ob3', versionNumber: 3, publishedAt: new Date(Date.now() - 90 * 24 * HOUR), isLatest: false, openInquiryCount: 4 },
    ],
    policy: { revisionId: 3, afterCreateMinutes: 1440, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60, createdAt: new Date() },
    openInquiryCount: 14,
    openOnOutdatedCount: 4,
    expiringNext24h: 3,
    ...overrides,
  };
}

type TemplateDetail = RouterOutputs['templates']['get'];
type PolicyRevision = NonNullable<TemplateDetail['revision']>;
type PolicyPreview = RouterOutputs['templates']['previewPolicy'];
type DurationBucket = TemplateDetail['openAge'][number];

const DAY_MINUTES = 24 * 60;

export function policyRevision(overrides: Partial<PolicyRevision> = {}): PolicyRevision {
  return {
    revisionId: 3,
    templateId: 'itmpl_Onboarding',
    afterCreateMinutes: DAY_MINUTES,
    afterStartMinutes: null,
    afterResumeMinutes: DAY_MINUTES,
    oneTimeLinkMinutes: 60,
    tokenLinkMaxMinutes: null,
    resumeCooldownMinutes: null,
    reason: 'Users finish within a day',
    createdBy: 'manager@demo.test',
    createdAt: new Date(Date.now() - 7 * 24 * HOUR),
    appliedToOpenAt: null,
    appliedToOpenCount: null,
    ...overrides,
  };
}

/** Duration buckets [0, 1 h), [1 h, 6 h), [6 h, 1 d), [1 d, 7 d), [7 d, …) with these counts. */
export function durationBuckets(counts: readonly [number, number, number, number, number]): DurationBucket[] {
  const bounds = [0, 60, 360, DAY_MINUTES, 7 * DAY_MINUTES, null] as const;
  return counts.map((count, i) => ({ fromMinutes: bounds[i] ?? 0, toMinutes: bounds[i + 1] ?? null, count }));
}

export function templateDetail(overrides: Partial<TemplateDetail> = {}): TemplateDetail {
  const summary = template();
  return {
    ...summary,
    managedBy: 'console',
    versions: [
      { id: 'itmplv_Ob5', versionNumber: 5, publishedAt: new Date(Date.now() - 24 * HOUR), isLatest: true, openInquiryCount: 10, notes: 'New selfie step', createdCount: 6, pendingCount: 4 },
      { id: 'itmplv_Ob4', versionNumber: 4, publishedAt: new Date(Date.now() - 30 * 24 * HOUR), isLatest: false, openInquiryCount: 0, notes: null, createdCount: 0, pendingCount: 0 },
      { id: 'itmplv_Ob3', versionNumber: 3, publishedAt: new Date(Date.now() - 90 * 24 * HOUR), isLatest: false, openInquiryCount: 4, notes: 'Document capture', createdCount: 1, pendingCount: 3 },
    ],
    revision: policyRevision(),
    openAge: durationBuckets([2, 5, 3, 3, 1]),
    histograms: { creationToCompletion: durationBuckets([120, 300, 80, 40, 10]), startToCompletion: durationBuckets([400, 100, 30, 15, 5]) },
    finishedTotal: 550,
    ...overrides,
  };
}

export function policyPreview(overrides: Partial<PolicyPreview> = {}): PolicyPreview {
  const detail = templateDetail();
  return {
    templateId: 'itmpl_Onboarding',
    current: policyRevision(),
    finished: {
      windowDays: 90,
      total: 550,
      current: { expiredBeforeStart: 40, expiredBeforeCompletion: 15, share: 0.1 },
      proposed: { expiredBeforeStart: 20, expiredBeforeCompletion: 7, share: 0.049 },
    },
    histograms: detail.histograms,
    open: { total: 14, changed: 9, gainTime: 7, loseTime: 2, expireAtOnce: 1 },
    warnings: [],
    ...overrides,
  };
}

export const emptyOverview: RouterOutputs['inquiries']['overview'] = {
  byStatus: [],
  expiringWithin24h: 0,
  openOnOutdatedVersion: 0,
  stuck: 0,
  countsExact: true,
};

type Me = NonNullable<RouterOutputs['auth']['me']>;
type StaffMember = RouterOutputs['staff']['list']['items'][number];

/** auth.me for a signed-in member of staff with `role`, permissions straight from the shared matrix. */
export function signedInAs(role: Role, overrides: { staff?: Partial<Me['staff']>; session?: Me['session'] } = {}): Me {
  const now = Date.now();
  return {
    staff: { id: `stf_${role}`, email: `${role}@demo.test`, displayName: `Demo ${ROLE_LABELS[role]}`, role, mustChangePassword: false, ...overrides.staff },
    permissions: permissionsOf(role),
    ownOnly: ownOnlyPermissionsOf(role),
    session: overrides.session === undefined ? { expiresAt: new Date(now + 12 * HOUR), idleExpiresAt: new Date(now + HOUR / 2) } : overrides.session,
  };
}

export function staffMember(overrides: Partial<StaffMember> = {}): StaffMember {
  return {
    id: 'stf_Support1',
    email: 'sam@example.test',
    displayName: 'Sam Support',
    role: 'support',
    disabledAt: null,
    createdAt: new Date(Date.now() - 30 * 24 * HOUR),
    lastLoginAt: new Date(Date.now() - 2 * HOUR),
    hasPassword: true,
    mustChangePassword: false,
    activeSessionCount: 1,
    signInLockedUntil: null,
    ...overrides,
  };
}

type Customer = RouterOutputs['customers']['list']['items'][number];
type ApiKey = RouterOutputs['apiKeys']['list']['items'][number];

export function customer(overrides: Partial<Customer> = {}): Customer {
  return {
    id: 'cust_Acme1',
    name: 'Acme Bank',
    accountId: 'act_Acme',
    createdAt: new Date(Date.now() - 200 * 24 * HOUR),
    inquiryCount: 1234,
    openInquiryCount: 56,
    activeKeyCount: 1,
    ...overrides,
  };
}

export function apiKey(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: 'key_Prod1',
    customerId: 'cust_Acme1',
    customerName: 'Acme Bank',
    name: 'Production backend',
    prefix: 'idk_live_AbCd',
    rateLimitPerMinute: 300,
    canReadPii: false,
    state: 'active',
    createdAt: new Date(Date.now() - 10 * 24 * HOUR),
    createdBy: 'admin@demo.test',
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
    revokeReason: null,
    lastUsedAt: new Date(Date.now() - 2 * HOUR),
    callsThisWeek: 4321,
    ...overrides,
  };
}
