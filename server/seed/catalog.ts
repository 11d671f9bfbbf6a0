import { createHash } from 'node:crypto';

/**
 * The small, hand-shaped part of the demo world: templates with their version history and expiration-policy
 * history, and the B2B2C customers. Everything is expressed as ages before `now` so that a world seeded today
 * looks like a world seeded next year. Inquiries are generated in SQL from this catalog (see inquiries-sql.ts).
 */

const MINUTE_S = 60;
const HOUR_S = 3600;
const DAY_S = 86_400;

export interface PolicySpec {
  ageDays: number;
  afterCreateMinutes: number;
  afterStartMinutes: number | null;
  afterResumeMinutes: number;
  oneTimeLinkMinutes: number;
  reason: string;
  createdBy: string;
}

interface TemplateSpec {
  name: string;
  /** Share of inquiries created on this template (the shares add up to 1). */
  weight: number;
  /** Share created just in time, from a static link (the rest are dedicated, created ahead and prefilled). */
  justInTimeShare: number;
  /** Age of each published version, oldest first; the last one is the latest. */
  versionAgesDays: number[];
  versionNotes: string[];
  /** Oldest first; every change is at least POLICY_QUIET_DAYS old (see below). */
  policies: PolicySpec[];
  /** Time from start to completion: median and spread of a log-normal. */
  completeMedianSeconds: number;
  completeSigma: number;
  /** Share of completions decided automatically as approved; the rest go to review, decline or no decision. */
  autoApproveShare: number;
}

const INITIAL = { reason: 'Initial policy', createdBy: 'system' };

const TEMPLATE_SPECS: TemplateSpec[] = [
  {
    name: 'KYC – Government ID + Selfie',
    weight: 0.36,
    justInTimeShare: 0.1,
    versionAgesDays: [400, 290, 190, 110, 46, 0.8],
    versionNotes: [
      'Initial flow',
      'Passport NFC chip read on supported phones',
      'Selfie liveness check v2',
      'Added residence-permit documents',
      'Shorter consent screen',
      'Retry guidance on blurry ID photos',
    ],
    policies: [
      { ageDays: 400, afterCreateMinutes: 1440, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60, ...INITIAL },
      {
        ageDays: 96,
        afterCreateMinutes: 1440,
        afterStartMinutes: 2880,
        afterResumeMinutes: 1440,
        oneTimeLinkMinutes: 60,
        reason: 'Users switch to their phone for the selfie and come back the next day: give started inquiries 48 h',
        createdBy: 'manager@demo.test',
      },
    ],
    completeMedianSeconds: 7 * MINUTE_S,
    completeSigma: 0.9,
    autoApproveShare: 0.7,
  },
  {
    name: 'Business onboarding (KYB)',
    weight: 0.12,
    justInTimeShare: 0.02,
    versionAgesDays: [380, 260, 150, 70, 3],
    versionNotes: ['Initial flow', 'Beneficial owners step', 'Registry lookup before document upload', 'UBO declarations as PDF', 'Multi-director invitations'],
    policies: [
      { ageDays: 380, afterCreateMinutes: 4320, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60, ...INITIAL },
      {
        ageDays: 122,
        afterCreateMinutes: 10080,
        afterStartMinutes: 4320,
        afterResumeMinutes: 1440,
        oneTimeLinkMinutes: 120,
        reason: 'Businesses need several days to gather registry extracts and UBO documents',
        createdBy: 'manager@demo.test',
      },
    ],
    completeMedianSeconds: 30 * HOUR_S,
    completeSigma: 0.9,
    autoApproveShare: 0.35,
  },
  {
    name: 'Age verification (18+)',
    weight: 0.2,
    justInTimeShare: 0.7,
    versionAgesDays: [500, 330, 31],
    versionNotes: ['Initial flow', 'Age estimation from selfie before asking for an ID', 'Accept digital driving licences'],
    policies: [{ ageDays: 500, afterCreateMinutes: 1440, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60, ...INITIAL }],
    completeMedianSeconds: 3 * MINUTE_S,
    completeSigma: 0.8,
    autoApproveShare: 0.9,
  },
  {
    name: 'Proof of address – Utility bill',
    weight: 0.16,
    justInTimeShare: 0.15,
    versionAgesDays: [260, 180, 95, 2.2],
    versionNotes: ['Initial flow', 'Bank statements accepted', 'Address autocomplete', 'Document age limit 3 months'],
    policies: [
      { ageDays: 260, afterCreateMinutes: 4320, afterStartMinutes: 1440, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60, ...INITIAL },
      {
        ageDays: 45,
        afterCreateMinutes: 4320,
        afterStartMinutes: 2880,
        afterResumeMinutes: 1440,
        oneTimeLinkMinutes: 60,
        reason: 'Users download the bill from their bank app on another device',
        createdBy: 'manager@demo.test',
      },
    ],
    completeMedianSeconds: 12 * MINUTE_S,
    completeSigma: 1.1,
    autoApproveShare: 0.7,
  },
  {
    name: 'Re-verification – Selfie only',
    weight: 0.16,
    justInTimeShare: 0.5,
    versionAgesDays: [75, 20],
    versionNotes: ['Initial flow', 'Compare against the selfie on file'],
    policies: [
      { ageDays: 75, afterCreateMinutes: 1440, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60, ...INITIAL },
      {
        ageDays: 30,
        afterCreateMinutes: 720,
        afterStartMinutes: null,
        afterResumeMinutes: 720,
        oneTimeLinkMinutes: 30,
        reason: 'Returning users finish in minutes; shorter window',
        createdBy: 'manager@demo.test',
      },
    ],
    completeMedianSeconds: 2 * MINUTE_S,
    completeSigma: 0.7,
    autoApproveShare: 0.88,
  },
];

/**
 * No policy changed in the last POLICY_QUIET_DAYS: inquiries built backwards from their expiry (the open and
 * resumed ones, all younger than ~17 days) can use the current policy and still match the revision in force at
 * their creation.
 */
export const POLICY_QUIET_DAYS = 25;

const CUSTOMER_NAMES = ['Northwind Lending', 'Fabrikam Payments', 'Tailspin Rentals', 'Contoso Marketplace'];

export interface CatalogVersion {
  id: string;
  number: number;
  ageSeconds: number;
  notes: string;
}

export interface CatalogPolicy extends PolicySpec {
  ageSeconds: number;
}

export interface CatalogTemplate extends Omit<TemplateSpec, 'versionAgesDays' | 'versionNotes' | 'policies'> {
  id: string;
  ageSeconds: number;
  versions: CatalogVersion[];
  policies: CatalogPolicy[];
}

export interface CatalogCustomer {
  id: string;
  name: string;
  accountId: string;
  ageSeconds: number;
}

export interface Catalog {
  templates: CatalogTemplate[];
  customers: CatalogCustomer[];
}

/** `prefix_` + 24 letters and digits, derived from the seed and a label: same seed, same id. */
export function opaqueId(prefix: string, seed: number, label: string): string {
  const base64 = createHash('sha256').update(`${seed}:${label}`).digest('base64');
  return `${prefix}_${base64.replace(/\+/g, 'Z').replace(/\//g, 'q').slice(0, 24)}`;
}

/** mulberry32: a tiny deterministic PRNG for the catalog's jitter (the inquiries use SQL hashing instead). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Ages jitter by up to ±10 % with the seed; order is preserved and the newest versions stay recent. */
export function buildCatalog(seed: number): Catalog {
  const random = prng(seed ^ 0x5eed);
  const jitter = (days: number) => Math.round(days * DAY_S * (0.9 + 0.2 * random()));
  const templates = TEMPLATE_SPECS.map((spec, t): CatalogTemplate => {
    const versionAges = spec.versionAgesDays.map(jitter);
    for (let i = 1; i < versionAges.length; i++) {
      const previous = versionAges[i - 1] ?? 0;
      if ((versionAges[i] ?? 0) >= previous) versionAges[i] = previous - HOUR_S;
    }
    const firstVersionAge = versionAges[0] ?? 0;
    const { versionAgesDays: _a, versionNotes, policies, ...rest } = spec;
    return {
      ...rest,
      id: opaqueId('itmpl', seed, `template:${t}`),
      ageSeconds: firstVersionAge + 2 * DAY_S,
      versions: versionAges.map((ageSeconds, i) => ({
        id: opaqueId('itmplv', seed, `template:${t}:version:${i + 1}`),
        number: i + 1,
        ageSeconds,
        notes: versionNotes[i] ?? `Version ${i + 1}`,
      })),
      // The first policy is in force from the template's creation; later ones keep their (quiet-period-safe) age.
      policies: policies.map((p, i) => ({
        ...p,
        ageSeconds: i === 0 ? firstVersionAge + DAY_S : Math.max(Math.round(p.ageDays * DAY_S), (POLICY_QUIET_DAYS + 1) * DAY_S),
      })),
    };
  });
  const customers = CUSTOMER_NAMES.map((name, c) => ({
    id: opaqueId('cust', seed, `customer:${c}`),
    name,
    accountId: opaqueId('act', seed, `customer:${c}:account`),
    ageSeconds: jitter(200 + 40 * c),
  }));
  return { templates, customers };
}

/** Fake people: a user's name, email, city and phone all derive from one user number (see inquiries-sql.ts). */
export const FIRST_NAMES = [
  'James', 'Maria', 'Wei', 'Aisha', 'Lucas', 'Sofia', 'Mohammed', 'Emma', 'Hiroshi', 'Olivia', 'Carlos', 'Fatima',
  'Noah', 'Ana', 'Ivan', 'Chloe', 'Daniel', 'Priya', 'Mateo', 'Hannah', 'Kwame', 'Laura', 'Tomasz', 'Yuki',
  'Ethan', 'Amara', 'Lukas', 'Isabella', 'Omar', 'Grace', 'Arjun', 'Elena', 'Samuel', 'Leila', 'Jonas', 'Mia',
  'David', 'Zara', 'Pedro', 'Ingrid', 'Ali', 'Nora', 'Kenji', 'Camila', 'Oliver', 'Aylin', 'Henry', 'Sara',
  'Diego', 'Freya', 'Ravi', 'Julia', 'Felix', 'Nadia', 'Leon', 'Alice', 'Tariq', 'Eva', 'Marco', 'Lina',
  'Jack', 'Mei', 'Samir', 'Clara',
];

export const LAST_NAMES = [
  'Smith', 'Garcia', 'Chen', 'Khan', 'Silva', 'Rossi', 'Ahmed', 'Johnson', 'Tanaka', 'Brown', 'Lopez', 'Hassan',
  'Williams', 'Santos', 'Petrov', 'Martin', 'Cohen', 'Patel', 'Fernandez', 'Schmidt', 'Mensah', 'Dubois', 'Kowalski', 'Sato',
  'Miller', 'Okafor', 'Weber', 'Romano', 'Haddad', 'Taylor', 'Sharma', 'Popescu', 'Nielsen', 'Karimi', 'Berg', 'Jansen',
  'Davis', 'Ali', 'Costa', 'Larsen', 'Yilmaz', 'Novak', 'Kim', 'Moreno', 'Wilson', 'Demir', 'Clarke', 'Lindqvist',
  'Ramirez', 'Murphy', 'Gupta', 'Fischer', 'Nguyen', 'Ivanova', 'Meyer', 'Moore', 'Rahman', 'Horvat', 'Ricci', 'Park',
  'Walsh', 'Wang', 'Mansour', 'Vogel',
];

/** City, ISO country code, and a phone number prefix in a range reserved for fiction (or 555) plus digits to add. */
export const CITIES: [city: string, country: string, phonePrefix: string, digits: number][] = [
  ['New York', 'US', '+121255501', 2],
  ['Austin', 'US', '+151255501', 2],
  ['Chicago', 'US', '+131255501', 2],
  ['Seattle', 'US', '+120655501', 2],
  ['Toronto', 'CA', '+141655501', 2],
  ['Vancouver', 'CA', '+160455501', 2],
  ['London', 'GB', '+447700900', 3],
  ['Manchester', 'GB', '+447700900', 3],
  ['Berlin', 'DE', '+4930555', 4],
  ['Munich', 'DE', '+4989555', 4],
  ['Paris', 'FR', '+33155501', 2],
  ['Lyon', 'FR', '+33455501', 2],
  ['Madrid', 'ES', '+3491555', 4],
  ['Barcelona', 'ES', '+3493555', 4],
  ['Amsterdam', 'NL', '+3120555', 4],
  ['Dublin', 'IE', '+3531555', 4],
  ['Lisbon', 'PT', '+35121555', 4],
  ['Milan', 'IT', '+3902555', 4],
  ['Warsaw', 'PL', '+4822555', 4],
  ['Stockholm', 'SE', '+468555', 4],
  ['São Paulo', 'BR', '+5511555', 4],
  ['Mexico City', 'MX', '+5255555', 4],
  ['Sydney', 'AU', '+61255501', 2],
  ['Singapore', 'SG', '+65555', 4],
];

export const EMAIL_DOMAINS = ['example.com', 'example.com', 'example.com', 'mail.test', 'inbox.test', 'example.com'];
