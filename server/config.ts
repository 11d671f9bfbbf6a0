import path from 'node:path';
import { z } from 'zod';
import { RoleSchema, type Role } from '../shared/permissions.js';

const emptyIsUnset = (value: unknown) => (value === '' ? undefined : value);
/** `smtp:` or `smtps:` with a host; the message never repeats the value (it may carry a password). */
function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}
/** `no-reply@example.com` or `Example Support <no-reply@example.com>`: one line, one address. */
const MAILBOX = /^(?:[^\r\n<>@]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

/** Environment, parsed once. The only module that reads process.env. */
const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  PUBLIC_URL: z.url().optional(),
  HOSTED_FLOW_URL: z.url().optional(),
  INQUIRY_PROVIDER: z.enum(['local', 'persona']).default('local'),
  DEMO_PASSWORD: z.string().min(8).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_INQUIRIES: z.coerce.number().int().min(0).max(10_000_000).default(5000),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Time limits (docs/operations.md): one slow statement or request cannot hold a connection forever. 0 turns one off.
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  REQUEST_DEADLINE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  // Guarded actions (server/services/inquiry-actions).
  SESSION_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_CAP: z.coerce.number().int().min(1).max(1000).default(25),
  RESUME_COOLDOWN_MAX: z.coerce.number().int().min(1).max(1000).default(3),
  RESUME_COOLDOWN_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  STAFF_ACTION_BUDGET: z.coerce.number().int().min(1).max(100_000).default(60),
  STAFF_ACTION_BUDGET_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  TOKEN_LINK_MAX_MINUTES: z.coerce.number().int().min(5).max(43_200).default(1440),
  // Past this age an expired inquiry's resume warns and recommends recreating it (the seed: "check how old it is").
  STALE_INQUIRY_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // A one-time link is refused when the inquiry expires sooner than this (resume it first to extend it).
  ONE_TIME_LINK_MIN_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  // Which proxies' X-Forwarded-For to believe (Express "trust proxy"). Sign-in throttling is per client address,
  // so behind a load balancer this must name it (a subnet or a hop count), or every user shares one address.
  TRUST_PROXY: z.string().min(1).default('loopback'),
  // The hosted flow (docs/hosted-flow.md): a bare inquiry id opening a created inquiry, and per-address limits.
  HOSTED_FLOW_REQUIRE_CREDENTIAL: z.preprocess(emptyIsUnset, z.enum(['off', 'on']).default('off')),
  HOSTED_FLOW_REQUESTS_PER_MINUTE: z.preprocess(emptyIsUnset, z.coerce.number().int().min(1).max(1_000_000).default(120)),
  HOSTED_FLOW_STATIC_LINKS_PER_MINUTE: z.preprocess(emptyIsUnset, z.coerce.number().int().min(1).max(1_000_000).default(10)),
  // Staff sign-in (server/auth).
  LOCAL_PASSWORDS: z.enum(['on', 'off']).default('on'),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12).max(256).optional(),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_SCOPES: z.string().min(1).default('openid email profile'),
  OIDC_ROLE_CLAIM: z.string().min(1).default('groups'),
  OIDC_ROLE_MAP: z.string().default(''),
  // Emailing one-time links to the address on file (server/mail). Empty means unset, as for leaving it out.
  SMTP_URL: z.preprocess(emptyIsUnset, z.string().refine(isSmtpUrl, 'must be smtp://[user:pass@]host[:port] or smtps://…').optional()),
  MAIL_FROM: z.preprocess(emptyIsUnset, z.string().trim().max(200).regex(MAILBOX, 'must be an address, or "Name <address>"').default('Inquiry Desk <no-reply@localhost>')),
  COMPANY_NAME: z.preprocess(emptyIsUnset, z.string().trim().min(1).max(100).regex(/^[^\r\n<>]+$/, 'must be one line, without < or >').default('Inquiry Desk')),
});

/** One `claim value → role` pair of OIDC_ROLE_MAP; the first pair that matches a person's claim wins. */
export interface OidcRoleMapping {
  value: string;
  role: Role;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  scopes: string;
  roleClaim: string;
  roleMap: OidcRoleMapping[];
}

export interface AuthConfig {
  /** LOCAL_PASSWORDS=off: only SSO; POST /auth/login refuses and new staff get no password. */
  localPasswords: boolean;
  oidc: OidcConfig | null;
  /** Bootstrap: ensure this admin exists at start-up (never overwrites an existing account). */
  adminEmail: string | undefined;
  adminPassword: string | undefined;
}

/** "idesk-admins=admin,idesk-support=support" → pairs, in order. */
export function parseRoleMap(text: string): OidcRoleMapping[] {
  return text
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair.length > 0)
    .map((pair) => {
      const at = pair.lastIndexOf('=');
      const value = pair.slice(0, at).trim();
      const role = RoleSchema.safeParse(pair.slice(at + 1).trim());
      if (at <= 0 || value.length === 0 || !role.success) {
        throw new Error(`Invalid configuration: OIDC_ROLE_MAP: "${pair}" is not claimValue=role (roles: ${RoleSchema.options.join(', ')})`);
      }
      return { value, role: role.data };
    });
}

/** Limits on session-bearing actions (DESIGN §4): shared by every instance through the database. */
export interface GuardConfig {
  sessionCap: number;
  resumeCooldownMax: number;
  resumeCooldownMinutes: number;
  staffBudget: number;
  staffBudgetMinutes: number;
  tokenLinkMaxMinutes: number;
  staleInquiryDays: number;
  oneTimeLinkMinMinutes: number;
}

/** Sending one-time links by email (server/mail). */
export interface MailConfig {
  /** SMTP_URL; null: no mail server, so links can only be copied. Carries credentials: never log it. */
  smtpUrl: string | null;
  /** The From of every message: `Name <address>` or an address. */
  from: string;
  /** Who the end user knows: named in the message's subject and text. */
  companyName: string;
}

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  publicUrl: string;
  hostedFlowUrl: string;
  inquiryProvider: 'local' | 'persona';
  demoPassword: string | undefined;
  logLevel: string;
  seedInquiries: number;
  sweepIntervalMs: number;
  sessionTokenSecret: string | undefined;
  guards: GuardConfig;
  /** Express's "trust proxy": true/false, a hop count, or addresses/subnets ("loopback, 10.0.0.0/8"). */
  trustProxy: boolean | number | string;
  /** Per-statement limit on a server database, per-request deadline, and how long shutdown waits for requests (ms; 0 = none). */
  limits: { statementTimeoutMs: number; requestDeadlineMs: number; shutdownGraceMs: number };
  auth: AuthConfig;
  mail: MailConfig;
  hostedFlow: HostedFlowConfig;
};

/** The local hosted flow's guards (server/hosted-flow). */
export interface HostedFlowConfig {
  /** HOSTED_FLOW_REQUIRE_CREDENTIAL=on: a created inquiry opens only with a one-time code or a session token. */
  requireCredential: boolean;
  /** Flow pages and steps (/verify, /widget) one client address may request per minute. */
  requestsPerMinute: number;
  /** Static links (new inquiries) one client address may open per minute. */
  staticLinksPerMinute: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl,
    hostedFlowUrl: e.HOSTED_FLOW_URL ?? `${publicUrl}/verify`,
    inquiryProvider: e.INQUIRY_PROVIDER,
    demoPassword: e.DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    seedInquiries: e.SEED_INQUIRIES,
    sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
    sessionTokenSecret: e.SESSION_TOKEN_SECRET,
    guards: {
      sessionCap: e.SESSION_CAP,
      resumeCooldownMax: e.RESUME_COOLDOWN_MAX,
      resumeCooldownMinutes: e.RESUME_COOLDOWN_MINUTES,
      staffBudget: e.STAFF_ACTION_BUDGET,
      staffBudgetMinutes: e.STAFF_ACTION_BUDGET_MINUTES,
      tokenLinkMaxMinutes: e.TOKEN_LINK_MAX_MINUTES,
      staleInquiryDays: e.STALE_INQUIRY_DAYS,
      oneTimeLinkMinMinutes: e.ONE_TIME_LINK_MIN_MINUTES,
    },
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    limits: { statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS, requestDeadlineMs: e.REQUEST_DEADLINE_MS, shutdownGraceMs: e.SHUTDOWN_GRACE_MS },
    auth: authConfig(e),
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM, companyName: e.COMPANY_NAME },
    hostedFlow: {
      requireCredential: e.HOSTED_FLOW_REQUIRE_CREDENTIAL === 'on',
      requestsPerMinute: e.HOSTED_FLOW_REQUESTS_PER_MINUTE,
      staticLinksPerMinute: e.HOSTED_FLOW_STATIC_LINKS_PER_MINUTE,
    },
  };
}

function authConfig(e: z.infer<typeof EnvSchema>): AuthConfig {
  let oidc: OidcConfig | null = null;
  if (e.OIDC_ISSUER) {
    if (!e.OIDC_CLIENT_ID) throw new Error('Invalid configuration: OIDC_CLIENT_ID is required with OIDC_ISSUER');
    const roleMap = parseRoleMap(e.OIDC_ROLE_MAP);
    if (roleMap.length === 0) throw new Error('Invalid configuration: OIDC_ROLE_MAP is required with OIDC_ISSUER (e.g. "idesk-admins=admin")');
    const issuer = new URL(e.OIDC_ISSUER);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
    // Plain http only for an identity provider on this machine (development, tests).
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && loopback)) {
      throw new Error('Invalid configuration: OIDC_ISSUER must be an https URL');
    }
    oidc = {
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      scopes: e.OIDC_SCOPES,
      roleClaim: e.OIDC_ROLE_CLAIM,
      roleMap,
    };
  }
  const localPasswords = e.LOCAL_PASSWORDS === 'on';
  if (!localPasswords && !oidc) throw new Error('Invalid configuration: LOCAL_PASSWORDS=off needs OIDC_ISSUER, or nobody can sign in');
  return { localPasswords, oidc, adminEmail: e.ADMIN_EMAIL?.toLowerCase(), adminPassword: e.ADMIN_PASSWORD };
}
