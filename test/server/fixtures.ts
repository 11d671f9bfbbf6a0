import { TRPCError } from '@trpc/server';
import { sql, type Kysely } from 'kysely';
import { createContextInner, type AppDeps, type StaffPrincipal } from '../../server/context.js';
import type { Role } from '../../shared/permissions.js';
import type { Database } from '../../server/db/index.js';
import type { DB } from '../../server/db/schema.js';
import { refreshLiveSessionUntil } from '../../server/repositories/inquiry-store/index.js';
import { createLogger } from '../../server/logger.js';
import { loadConfig } from '../../server/config.js';
import { createDeps } from '../../server/providers/index.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory } from '../../server/trpc.js';

export const NOW = new Date('2026-06-15T12:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const ago = (ms: number) => new Date(NOW.getTime() - ms);
export const ahead = (ms: number) => new Date(NOW.getTime() + ms);

/**
 * A server database needs SESSION_TOKEN_SECRET (as the server does); every test instance on one shares it, as
 * instances behind a load balancer do. The embedded in-memory database uses its own per-process key.
 */
export const TEST_TOKEN_SECRET = 'test-session-token-secret-0123456789abcdef';
export function serverDatabaseSecret(database: Database): Record<string, string> {
  return database.kind === 'postgres' ? { SESSION_TOKEN_SECRET: TEST_TOKEN_SECRET } : {};
}

export function testDeps(database: Database, now: () => Date = () => NOW, env: Record<string, string> = {}): AppDeps {
  return createDeps({
    database,
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...serverDatabaseSecret(database), ...env }),
    log: createLogger('silent'),
    now,
  });
}

const createCaller = createCallerFactory(appRouter);

/**
 * links.createWithToken's answer when the link is issued at once (TOKEN_LINK_APPROVAL off, the default); under the
 * two-person rule it is a pending request instead (docs/two-person-rule.md), which fails here.
 */
export function issuedLink<T extends { status: string }>(result: T): Extract<T, { status: 'issued' }> {
  if (result.status !== 'issued') throw new Error(`expected an issued token link, got ${result.status}`);
  return result as Extract<T, { status: 'issued' }>;
}

export function staffPrincipal(role: Role = 'admin', id = `stf_${role}`): StaffPrincipal {
  return { id, email: `${id}@demo.test`, displayName: `Test ${role}`, role };
}

/** A tRPC caller as a signed-in member of staff (an admin unless said otherwise) would use it. */
/** `deadlineAt`: the request's deadline on `performance.now()`'s clock, as server/deadline.ts sets it (none by default). */
export function callerFor(database: Database, now: () => Date = () => NOW, staff: StaffPrincipal = staffPrincipal(), env: Record<string, string> = {}, deadlineAt: number | null = null) {
  return createCaller(createContextInner(testDeps(database, now, env), { requestId: 'test', ip: '127.0.0.1', userAgent: 'vitest', staff, deadlineAt }));
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${(++counter).toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;

export interface TemplateFixture {
  id: string;
  versionIds: string[];
  policyRevisionId: number;
}

/** A template with `versions` published versions (the last one is latest) and a 24 h policy. */
export async function addTemplate(db: Kysely<DB>, name: string, versions: number): Promise<TemplateFixture> {
  const id = nextId('itmpl');
  const versionIds = Array.from({ length: versions }, () => nextId('itmplv'));
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('templates').values({ id, name, latest_version_id: versionIds.at(-1) ?? null, latest_version_number: versions }).execute();
    await trx
      .insertInto('template_versions')
      .values(versionIds.map((vid, i) => ({ id: vid, template_id: id, version_number: i + 1, published_at: ago((versions - i) * 30 * DAY) })))
      .execute();
  });
  const policy = await db
    .insertInto('policy_revisions')
    .values({ template_id: id, after_create_minutes: 1440, after_start_minutes: null, after_resume_minutes: 1440, one_time_link_minutes: 60 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, versionIds, policyRevisionId: policy.id };
}

export interface InquiryOptions {
  status: string;
  version?: number; // 1-based; default latest
  createdAt?: Date;
  expiresAt?: Date;
  updatedAt?: Date;
  referenceId?: string | null;
  email?: string;
  customerId?: string | null;
  predecessorId?: string | null;
  liveSessions?: number;
  expiredSessions?: number;
}

export async function addInquiry(db: Kysely<DB>, template: TemplateFixture, options: InquiryOptions): Promise<string> {
  const id = nextId('inq');
  const createdAt = options.createdAt ?? ago(2 * HOUR);
  const expiresAt = options.expiresAt ?? new Date(createdAt.getTime() + DAY);
  const versionIndex = (options.version ?? template.versionIds.length) - 1;
  const versionId = template.versionIds[versionIndex];
  if (!versionId) throw new Error(`template has no version ${versionIndex + 1}`);
  const started = options.status !== 'created';
  await db
    .insertInto('inquiries')
    .values({
      id,
      template_id: template.id,
      version_id: versionId,
      version_number: versionIndex + 1,
      policy_revision_id: template.policyRevisionId,
      reference_id: options.referenceId === undefined ? nextId('usr') : options.referenceId,
      customer_id: options.customerId ?? null,
      fields: JSON.stringify({ 'name-first': 'Ada', 'name-last': 'Lovelace', 'email-address': options.email ?? `${id}@example.com` }),
      status: options.status,
      predecessor_id: options.predecessorId ?? null,
      created_at: createdAt,
      started_at: started ? new Date(createdAt.getTime() + MINUTE) : null,
      expired_at: options.status === 'expired' ? expiresAt : null,
      expires_at: expiresAt,
      updated_at: options.updatedAt ?? createdAt,
    })
    .execute();
  await db.insertInto('inquiry_events').values({ inquiry_id: id, occurred_at: createdAt, kind: 'created' }).execute();
  const sessions = [
    ...Array.from({ length: options.liveSessions ?? 0 }, () => ({ expires: ahead(HOUR), expired: null })),
    ...Array.from({ length: options.expiredSessions ?? 0 }, () => ({ expires: ago(HOUR), expired: ago(HOUR) })),
  ];
  for (const s of sessions) {
    await db
      .insertInto('inquiry_sessions')
      .values({ id: nextId('iqse'), inquiry_id: id, created_at: createdAt, expires_at: s.expires, expired_at: s.expired })
      .execute();
  }
  // As every writer of sessions does: the inquiry's live_session_until follows its sessions.
  await refreshLiveSessionUntil(db, [id]);
  return id;
}

/**
 * Inquiries whose live_session_until (migrations/0007) disagrees with their sessions: the latest expiry among
 * those neither expired nor revoked. Empty when every writer of sessions kept the column.
 */
export async function liveSessionUntilDrift(db: Kysely<DB>): Promise<{ id: string; stored: Date | null; actual: Date | null }[]> {
  const result = await sql<{ id: string; stored: Date | null; actual: Date | null }>`
    select id, stored, actual from (
      select i.id, i.live_session_until as stored, (select max(s.expires_at) from inquiry_sessions s
        where s.inquiry_id = i.id and s.expired_at is null and s.revoked_at is null) as actual
      from inquiries i) x
    where stored is distinct from actual order by id`.execute(db);
  return result.rows;
}

type SortField = 'createdAt' | 'expiresAt' | 'updatedAt';
type Sortable = { id: string; created_at: Date; expires_at: Date; updated_at: Date };

/** The ids of `rows` in the list's order: by the sort column, ties broken by id. */
export function expectedOrder(rows: readonly Sortable[], sort: SortField, order: 'asc' | 'desc'): string[] {
  const column = ({ createdAt: 'created_at', expiresAt: 'expires_at', updatedAt: 'updated_at' } as const)[sort];
  const sign = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * (a[column].getTime() - b[column].getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))).map((r) => r.id);
}

/** Follows nextCursor through `inquiries.list`, `limit` rows a page, and returns every id seen, in order. */
export async function pageThrough(caller: ReturnType<typeof callerFor>, input: Parameters<ReturnType<typeof callerFor>['inquiries']['list']>[0], limit: number): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await caller.inquiries.list({ ...input, limit, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 200);
  return seen;
}

/** The TRPCError a call fails with (throws if it succeeds or fails otherwise). */
export async function errorOf(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(error)}`);
  return error;
}
