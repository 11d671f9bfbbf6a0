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
