import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RoleSchema, type Role } from '../shared/permissions.js';
import { DEFAULT_APP_ROLE, DEFAULT_OWNER_ROLE, ROLE_NAME, type DatabaseRoles } from './db/roles.js';


/**
 * A mistake in the environment. Its message is one line naming the variable and never repeats the value (it may
 * be a secret). Entry points call exitOnConfigError() first, so it ends the process with that line, not a stack.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * For entry points (`npm start`, the npm scripts): a ConfigError (or a MigrationPrivilegeError) thrown anywhere while
 * starting, even after an await, prints its one line to stderr and exits 1. Any other error keeps Node's usual report (a stack trace).
 */
export function exitOnConfigError(): void {
  process.on('uncaughtExceptionMonitor', (error) => {
    // Also the database role that cannot apply pending migrations (server/db/migrate.ts): a setup step, one line.
    if (!(error instanceof ConfigError) && error.name !== 'MigrationPrivilegeError') return;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
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
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  // Least-privilege roles, made by `npm run db:migrate -- --create-roles` (docs/operations.md#database-roles).
  DATABASE_OWNER_ROLE: z.string().regex(ROLE_NAME, 'must be a plain role name: lower-case letters, digits and _').default(DEFAULT_OWNER_ROLE),
  DATABASE_APP_ROLE: z.string().regex(ROLE_NAME, 'must be a plain role name: lower-case letters, digits and _').default(DEFAULT_APP_ROLE),
  DATABASE_OWNER_PASSWORD: z.string().min(12, 'must be at least 12 characters').regex(/^[\x20-\x7e]+$/, 'must be printable ASCII').optional(),
  DATABASE_APP_PASSWORD: z.string().min(12, 'must be at least 12 characters').regex(/^[\x20-\x7e]+$/, 'must be printable ASCII').optional(),
  PUBLIC_URL: z.url().optional(),
  HOSTED_FLOW_URL: z.url().optional(),
  INQUIRY_PROVIDER: z.enum(['local', 'persona']).default('local'),
  DEMO_PASSWORD: z.string().min(8).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_INQUIRIES: z.coerce.number().int().min(0).max(10_000_000).default(5000),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Time limits (docs/operations.md): one slow statement or request cannot hold a connection forever. 0 turns one off.
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(15_000),
  // Connections one instance may open (docs/operations.md#several-instances): N instances need N × this.
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  REQUEST_DEADLINE_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  // Guarded actions (server/services/inquiry-actions).
  // The session-token signing key (docs/security.md#the-session-token-secret): inline or in a file, and the one
  // being rotated out. Never in the database; with DATABASE_URL the server refuses to start without one.
  SESSION_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TOKEN_SECRET_FILE: z.string().optional(),
  SESSION_TOKEN_PREVIOUS_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_TOKEN_PREVIOUS_SECRET_FILE: z.string().optional(),
  SESSION_CAP: z.coerce.number().int().min(1).max(1000).default(25),
  RESUME_COOLDOWN_MAX: z.coerce.number().int().min(1).max(1000).default(3),
  RESUME_COOLDOWN_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  STAFF_ACTION_BUDGET: z.coerce.number().int().min(1).max(100_000).default(60),
  STAFF_ACTION_BUDGET_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  TOKEN_LINK_MAX_MINUTES: z.coerce.number().int().min(5).max(43_200).default(1440),
  // The two-person rule (docs/two-person-rule.md): 'required' turns a token link into a request a second person approves.
  TOKEN_LINK_APPROVAL: z.enum(['off', 'required']).default('off'),
  TOKEN_LINK_APPROVAL_TTL_MINUTES: z.coerce.number().int().min(5).max(10_080).default(60),
  // Revealing prefilled PII (inquiries.revealPii): reveals one person may make per window (docs/security.md#revealing-pii).
  PII_REVEAL_BUDGET: z.coerce.number().int().min(1).max(100_000).default(30),
  PII_REVEAL_BUDGET_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  // Past this age an expired inquiry's resume warns and recommends recreating it (the seed: "check how old it is").
  STALE_INQUIRY_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // A one-time link is refused when the inquiry expires sooner than this (resume it first to extend it).
  ONE_TIME_LINK_MIN_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  // Which proxies' X-Forwarded-For to believe (Express "trust proxy"). Sign-in throttling is per client address,
  // so behind a load balancer this must name it (a subnet or a hop count), or every user shares one address.
  TRUST_PROXY: z.string().min(1).default('loopback'),
  // The hosted flow (docs/hosted-flow.md): a bare inquiry id opening a created inquiry, and per-address limits.
  HOSTED_FLOW_REQUIRE_CREDENTIAL: z.enum(['off', 'on']).default('off'),
  HOSTED_FLOW_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  HOSTED_FLOW_STATIC_LINKS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(10),
  // GET /metrics (docs/operations.md#metrics): answered only with this bearer token; unset, /metrics is off (404).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
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
  SMTP_URL: z.string().refine(isSmtpUrl, 'must be smtp://[user:pass@]host[:port] or smtps://…').optional(),
  MAIL_FROM: z.string().trim().max(200).regex(MAILBOX, 'must be an address, or "Name <address>"').default('Inquiry Desk <no-reply@localhost>'),
  COMPANY_NAME: z.string().trim().min(1).max(100).regex(/^[^\r\n<>]+$/, 'must be one line, without < or >').default('Inquiry Desk'),
  // Audit chain checkpoints outside the database (docs/security.md#checkpoints): a file, a webhook, or both.
  AUDIT_CHECKPOINT_FILE: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  // The Persona provider (INQUIRY_PROVIDER=persona; docs/persona.md). Empty means unset, as for leaving it out.
  PERSONA_API_KEY: z.string().regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces').optional(),
  PERSONA_API_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).default('https://withpersona.com'),
  PERSONA_VERSION: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2023-01-05').default('2023-01-05'),
  PERSONA_WEBHOOK_SECRETS: z.string().optional(),
  PERSONA_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  PERSONA_HOSTED_FLOW_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).default('https://inquiry.withpersona.com/verify'),
  // One remote call's limit (an action holds its inquiry's row lock for at most one), and the attempts an action makes.
  PERSONA_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  PERSONA_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  // Persona's rate limit per environment, shared by every instance on this database.
  PERSONA_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
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
        throw new ConfigError(`Invalid configuration: OIDC_ROLE_MAP: "${pair}" is not claimValue=role (roles: ${RoleSchema.options.join(', ')})`);
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
  /** DATABASE_POOL_SIZE: the most connections the server opens to a server database. */
  databasePoolSize: number;
  /** DATABASE_OWNER_ROLE/_PASSWORD, DATABASE_APP_ROLE/_PASSWORD: for `db:migrate --create-roles` only. Never log the passwords. */
  databaseRoles: DatabaseRoles;
  dataDir: string;
  publicUrl: string;
  hostedFlowUrl: string;
  inquiryProvider: 'local' | 'persona';
  demoPassword: string | undefined;
  logLevel: string;
  seedInquiries: number;
  sweepIntervalMs: number;
  /** SESSION_TOKEN_SECRET(_FILE); unset: the embedded database's key file (server/providers/local/token-keys.ts). Never log it. */
  sessionTokenSecret: string | undefined;
  /** SESSION_TOKEN_PREVIOUS_SECRET(_FILE): the key being rotated out; its tokens still verify. Never log it. */
  sessionTokenPreviousSecret: string | undefined;
  guards: GuardConfig;
  /** TOKEN_LINK_APPROVAL(_TTL_MINUTES): whether a token link needs a second person's approval, and how long a request waits. */
  tokenLinkApproval: { required: boolean; ttlMinutes: number };
  /** PII_REVEAL_BUDGET(_MINUTES): reveals of prefilled PII one person may make per window. */
  piiReveal: { budget: number; budgetMinutes: number };
  /** Express's "trust proxy": true/false, a hop count, or addresses/subnets ("loopback, 10.0.0.0/8"). */
  trustProxy: boolean | number | string;
  /** Per-statement limit on a server database, per-request deadline, and how long shutdown waits for requests (ms; 0 = none). */
  limits: { statementTimeoutMs: number; requestDeadlineMs: number; shutdownGraceMs: number };
  auth: AuthConfig;
  mail: MailConfig;
  hostedFlow: HostedFlowConfig;
  /** METRICS_TOKEN: the bearer token GET /metrics requires; null: /metrics is off. Never log it. */
  metricsToken: string | null;
  auditCheckpoints: AuditCheckpointConfig;
  /** The Persona provider's settings; null unless INQUIRY_PROVIDER=persona. */
  persona: PersonaConfig | null;
};

/** INQUIRY_PROVIDER=persona (server/providers/persona, docs/persona.md). */
export interface PersonaConfig {
  /** PERSONA_API_KEY: the Bearer key. Never log it. */
  apiKey: string;
  /** PERSONA_API_URL, without a trailing slash: paths start with /api/v1. */
  apiUrl: string;
  /** PERSONA_VERSION: the Persona-Version header. */
  version: string;
  /** PERSONA_WEBHOOK_SECRETS: every secret a delivery may be signed with (several during a rotation). Never log them. */
  webhookSecrets: string[];
  webhookToleranceSeconds: number;
  /** PERSONA_HOSTED_FLOW_URL: where links send the end user. */
  hostedFlowUrl: string;
  timeoutMs: number;
  attempts: number;
  rateLimitPerMinute: number;
}

/** Where the audit chain's head is written outside the database (server/audit/checkpoint-writer.ts). */
export interface AuditCheckpointConfig {
  /** AUDIT_CHECKPOINT_FILE, absolute: append-only JSON lines; also what verification compares against. */
  file: string | null;
  /** AUDIT_CHECKPOINT_WEBHOOK_URL: each checkpoint is POSTed here as JSON. May carry credentials: never log it. */
  webhookUrl: string | null;
  /** AUDIT_CHECKPOINT_INTERVAL_SECONDS, in ms: how often a running server checks whether the head moved. */
  intervalMs: number;
}

/** The local hosted flow's guards (server/hosted-flow). */
export interface HostedFlowConfig {
  /** HOSTED_FLOW_REQUIRE_CREDENTIAL=on: a created inquiry opens only with a one-time code or a session token. */
  requireCredential: boolean;
  /** Flow pages and steps (/verify, /widget) one client address may request per minute. */
  requestsPerMinute: number;
  /** Static links (new inquiries) one client address may open per minute. */
  staticLinksPerMinute: number;
}

/** What a person should set instead, for zod's own issues (messages written into EnvSchema win over these). */
function mustBe(issue: z.core.$ZodRawIssue): string | undefined {
  const unit = issue.origin === 'string' ? ' characters' : '';
  if (issue.code === 'invalid_type') return issue.expected === 'int' ? 'must be a whole number' : issue.expected === 'number' ? 'must be a number' : undefined;
  if (issue.code === 'invalid_value') return `must be one of: ${issue.values.map(String).join(', ')}`;
  if (issue.code === 'invalid_format') return issue.format === 'url' ? 'must be a URL' : issue.format === 'email' ? 'must be an email address' : undefined;
  if (issue.code === 'too_small') return `must be at least ${String(issue.minimum)}${unit}`;
  if (issue.code === 'too_big') return `must be at most ${String(issue.maximum)}${unit}`;
  return undefined; // zod's own words
}

/**
 * A secret given inline (`NAME`) or as a file (`NAME_FILE`, as Docker and Kubernetes mount secrets): the file's
 * content without its trailing newline. Messages name the variable and the file, never the content.
 */
function secretFromEnv(name: string, inline: string | undefined, file: string | undefined): string | undefined {
  if (inline !== undefined && file !== undefined) throw new ConfigError(`Invalid configuration: set ${name} or ${name}_FILE, not both`);
  if (file === undefined) return inline;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.length < 32) throw new ConfigError(`Invalid configuration: ${name}_FILE: ${file} must hold at least 32 characters`);
  return value;
}

/**
 * Reads the environment. An empty (or blank) variable means unset, as most tools treat it: `DATABASE_URL=` is the
 * embedded database and `PORT=` the default port. A bad value throws a ConfigError naming every variable at fault.
 * `server: true` is for the server itself (server/index.ts): on a server database it needs the session token secret
 * from the environment. Tools that sign nothing (migrate, seed, audit:verify) leave it out and run without one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: { server?: boolean } = {}): Config {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const parsed = EnvSchema.safeParse(set, { error: mustBe });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const sessionTokenSecret = secretFromEnv('SESSION_TOKEN_SECRET', e.SESSION_TOKEN_SECRET, e.SESSION_TOKEN_SECRET_FILE);
  const sessionTokenPreviousSecret = secretFromEnv('SESSION_TOKEN_PREVIOUS_SECRET', e.SESSION_TOKEN_PREVIOUS_SECRET, e.SESSION_TOKEN_PREVIOUS_SECRET_FILE);
  if (options.server && e.DATABASE_URL && !sessionTokenSecret) {
    // Every instance on that database must sign with the same key, and the database is no place to keep it.
    throw new ConfigError('Invalid configuration: SESSION_TOKEN_SECRET (or SESSION_TOKEN_SECRET_FILE) is required with a server database');
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseRoles: { owner: e.DATABASE_OWNER_ROLE, app: e.DATABASE_APP_ROLE, ownerPassword: e.DATABASE_OWNER_PASSWORD, appPassword: e.DATABASE_APP_PASSWORD },
    dataDir: path.resolve(e.DATA_DIR),
    publicUrl,
    hostedFlowUrl: e.HOSTED_FLOW_URL ?? `${publicUrl}/verify`,
    inquiryProvider: e.INQUIRY_PROVIDER,
    demoPassword: e.DEMO_PASSWORD,
    logLevel: e.LOG_LEVEL,
    seedInquiries: e.SEED_INQUIRIES,
    sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
    sessionTokenSecret,
    sessionTokenPreviousSecret,
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
    tokenLinkApproval: { required: e.TOKEN_LINK_APPROVAL === 'required', ttlMinutes: e.TOKEN_LINK_APPROVAL_TTL_MINUTES },
    piiReveal: { budget: e.PII_REVEAL_BUDGET, budgetMinutes: e.PII_REVEAL_BUDGET_MINUTES },
    trustProxy: e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY === 'false' ? false : /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY,
    limits: { statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS, requestDeadlineMs: e.REQUEST_DEADLINE_MS, shutdownGraceMs: e.SHUTDOWN_GRACE_MS },
    auth: authConfig(e),
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM, companyName: e.COMPANY_NAME },
    hostedFlow: {
      requireCredential: e.HOSTED_FLOW_REQUIRE_CREDENTIAL === 'on',
      requestsPerMinute: e.HOSTED_FLOW_REQUESTS_PER_MINUTE,
      staticLinksPerMinute: e.HOSTED_FLOW_STATIC_LINKS_PER_MINUTE,
    },
    metricsToken: e.METRICS_TOKEN ?? null,
    auditCheckpoints: auditCheckpointConfig(e),
    persona: e.INQUIRY_PROVIDER === 'persona' ? personaConfig(e) : null,
  };
}

function auditCheckpointConfig(e: z.infer<typeof EnvSchema>): AuditCheckpointConfig {
  const webhook = e.AUDIT_CHECKPOINT_WEBHOOK_URL ? new URL(e.AUDIT_CHECKPOINT_WEBHOOK_URL) : null;
  // A checkpoint is no secret, but one altered on its way is worthless: plain http only to this machine.
  if (webhook && webhook.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(webhook.hostname)) {
    throw new ConfigError('Invalid configuration: AUDIT_CHECKPOINT_WEBHOOK_URL must be an https URL (plain http only to localhost)');
  }
  return {
    file: e.AUDIT_CHECKPOINT_FILE ? path.resolve(e.AUDIT_CHECKPOINT_FILE) : null,
    webhookUrl: e.AUDIT_CHECKPOINT_WEBHOOK_URL ?? null,
    intervalMs: e.AUDIT_CHECKPOINT_INTERVAL_SECONDS * 1000,
  };
}

/**
 * The back-off after whole-action attempt `attempt` when Persona's answer was unknown, before its ± `PERSONA_RETRY_JITTER`:
 * 250 ms, 500 ms, 1 s, … (services/provider-retries.ts waits it; personaWorstActionMs counts it).
 */
export function personaRetryDelayMs(attempt: number): number {
  return 250 * 2 ** (attempt - 1);
}
export const PERSONA_RETRY_JITTER = 0.25;

/** How long an action's call may wait for the rate gate before it is refused as rate-limited (persona/client.ts). */
export const PERSONA_GATE_WAIT_MS = 2000;

/**
 * The longest one action can take when the one Persona call of each attempt waits out the rate gate and then times
 * out: `attempts` × (gate wait + `timeoutMs`), and the longest back-off between attempts. A lower bound for actions
 * that make more than one call an attempt (a token link on an expired inquiry, expiring several sessions).
 */
export function personaWorstActionMs(timeoutMs: number, attempts: number): number {
  let total = attempts * (PERSONA_GATE_WAIT_MS + timeoutMs);
  for (let attempt = 1; attempt < attempts; attempt++) total += personaRetryDelayMs(attempt) * (1 + PERSONA_RETRY_JITTER);
  return Math.ceil(total);
}

/** The Persona provider's settings, each checked here so a mistake stops start-up before the database is opened. */
function personaConfig(e: z.infer<typeof EnvSchema>): PersonaConfig {
  if (!e.PERSONA_API_KEY) throw new ConfigError('Invalid configuration: PERSONA_API_KEY is required with INQUIRY_PROVIDER=persona');
  const secrets = (e.PERSONA_WEBHOOK_SECRETS ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (secrets.length === 0) {
    throw new ConfigError('Invalid configuration: PERSONA_WEBHOOK_SECRETS is required with INQUIRY_PROVIDER=persona (one or more, comma-separated)');
  }
  if (secrets.some((s) => s.length < 16 || !/^[\x21-\x7e]+$/.test(s))) {
    throw new ConfigError('Invalid configuration: PERSONA_WEBHOOK_SECRETS: each secret must be at least 16 printable characters without spaces');
  }
  const worst = personaWorstActionMs(e.PERSONA_TIMEOUT_MS, e.PERSONA_ATTEMPTS);
  if (e.REQUEST_DEADLINE_MS > 0 && worst >= e.REQUEST_DEADLINE_MS) {
    // Past the deadline the person is told to try again while the action may still commit.
    throw new ConfigError(
      `Invalid configuration: PERSONA_ATTEMPTS × PERSONA_TIMEOUT_MS, with the rate gate's wait and the back-off between attempts (up to ${worst} ms), must stay under REQUEST_DEADLINE_MS (${e.REQUEST_DEADLINE_MS} ms)`,
    );
  }
  const apiUrl = new URL(e.PERSONA_API_URL);
  const hosted = new URL(e.PERSONA_HOSTED_FLOW_URL);
  for (const [name, url] of [['PERSONA_API_URL', apiUrl], ['PERSONA_HOSTED_FLOW_URL', hosted]] as const) {
    // The API key and session tokens travel on these: plain http only to this machine (the fake Persona API, tests).
    if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
      throw new ConfigError(`Invalid configuration: ${name} must be an https URL (plain http only to localhost)`);
    }
  }
  return {
    apiKey: e.PERSONA_API_KEY,
    apiUrl: e.PERSONA_API_URL.replace(/\/+$/, ''),
    version: e.PERSONA_VERSION,
    webhookSecrets: secrets,
    webhookToleranceSeconds: e.PERSONA_WEBHOOK_TOLERANCE_SECONDS,
    hostedFlowUrl: e.PERSONA_HOSTED_FLOW_URL,
    timeoutMs: e.PERSONA_TIMEOUT_MS,
    attempts: e.PERSONA_ATTEMPTS,
    rateLimitPerMinute: e.PERSONA_RATE_LIMIT_PER_MINUTE,
  };
}

function authConfig(e: z.infer<typeof EnvSchema>): AuthConfig {
  let oidc: OidcConfig | null = null;
  if (e.OIDC_ISSUER) {
    if (!e.OIDC_CLIENT_ID) throw new ConfigError('Invalid configuration: OIDC_CLIENT_ID is required with OIDC_ISSUER');
    const roleMap = parseRoleMap(e.OIDC_ROLE_MAP);
    if (roleMap.length === 0) throw new ConfigError('Invalid configuration: OIDC_ROLE_MAP is required with OIDC_ISSUER (e.g. "idesk-admins=admin")');
    const issuer = new URL(e.OIDC_ISSUER);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
    // Plain http only for an identity provider on this machine (development, tests).
    if (issuer.protocol !== 'https:' && !(issuer.protocol === 'http:' && loopback)) {
      throw new ConfigError('Invalid configuration: OIDC_ISSUER must be an https URL');
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
  if (!localPasswords && !oidc) throw new ConfigError('Invalid configuration: LOCAL_PASSWORDS=off needs OIDC_ISSUER, or nobody can sign in');
  return { localPasswords, oidc, adminEmail: e.ADMIN_EMAIL?.toLowerCase(), adminPassword: e.ADMIN_PASSWORD };
}
