import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { createApp } from '../../server/app.js';
import { hashPassword } from '../../server/auth/passwords.js';
import type { StaffPrincipal } from '../../server/auth/principal.js';
import { loadConfig } from '../../server/config.js';
import { createContextInner, type AppDeps, type Context } from '../../server/context.js';
import { newId } from '../../server/crypto.js';
import type { Database } from '../../server/db/index.js';
import type { DB } from '../../server/db/schema.js';
import { createLogger, type Logger } from '../../server/logger.js';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/auth.js';
import type { Role } from '../../shared/permissions.js';
import { createDeps } from '../../server/providers/index.js';
import { serverDatabaseSecret } from '../server/fixtures.js';

/**
 * Signing in, for tests. Procedure tests pass a principal straight into the context (no session needed):
 *   appRouter.createCaller(contextAs(deps, 'support'))
 * HTTP tests run the real app on an ephemeral port and sign in through POST /auth/login.
 */

/** A signed-in member of staff with `role`, for createContextInner(deps, { staff }). */
export function testStaff(role: Role, overrides: Partial<StaffPrincipal> = {}): StaffPrincipal {
  return { id: `stf_test${role}`, email: `${role}@staff.test`, displayName: `Test ${role}`, role, ...overrides };
}

/** A context as `role` would have it (null: anonymous). */
export function contextAs(deps: AppDeps, role: Role | null, request: Partial<Pick<Context, 'requestId' | 'ip' | 'userAgent'>> = {}): Context {
  return createContextInner(deps, { requestId: 'test', ...request, staff: role ? testStaff(role) : null });
}

/** Deps with a settable clock and extra environment (PUBLIC_URL, OIDC_…, LOCAL_PASSWORDS…). */
export function authTestDeps(database: Database, env: Record<string, string> = {}, options: { start?: Date; log?: Logger } = {}) {
  let now = (options.start ?? new Date('2026-06-15T12:00:00.000Z')).getTime();
  const deps: AppDeps = createDeps({
    database,
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...serverDatabaseSecret(database), ...env }),
    log: options.log ?? createLogger('silent'),
    now: () => new Date(now),
  });
  return {
    deps,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

export interface StaffAccount {
  id: string;
  email: string;
  password: string;
  role: Role;
}

let accountCounter = 0;

/** A staff row written directly (no audit event): the starting state of a test. */
export async function createStaffAccount(
  db: Kysely<DB>,
  options: { role?: Role; email?: string; password?: string | null; disabled?: boolean; mustChangePassword?: boolean } = {},
): Promise<StaffAccount> {
  const role = options.role ?? 'support';
  const email = options.email ?? `person${++accountCounter}.${Math.random().toString(36).slice(2, 7)}@staff.test`;
  const password = options.password === undefined ? 'correct horse battery staple' : options.password;
  const id = newId('stf');
  await db
    .insertInto('staff')
    .values({
      id,
      email,
      display_name: `Staff ${email}`,
      role,
      password_hash: password === null ? null : await hashPassword(password),
      must_change_password: options.mustChangePassword ?? false,
      disabled_at: options.disabled ? new Date() : null,
    })
    .execute();
  return { id, email, password: password ?? '', role };
}

export interface RunningApp {
  baseUrl: string;
  deps: AppDeps;
  advance: (ms: number) => void;
  close(): Promise<void>;
}

/**
 * The real Express app on 127.0.0.1 with an ephemeral port. PUBLIC_URL defaults to the app's own address, so
 * same-origin checks and redirect URIs line up; pass PUBLIC_URL to test other settings (https cookies).
 */
export async function startApp(database: Database, env: Record<string, string> = {}, options: { log?: Logger } = {}): Promise<RunningApp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { deps, advance } = authTestDeps(database, { PUBLIC_URL: baseUrl, ...env }, options);
  server.on('request', createApp(deps, { serveClient: false }));
  return {
    baseUrl,
    deps,
    advance,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Headers the console sends with every state-changing request. */
export function consoleHeaders(app: Pick<RunningApp, 'deps'>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    origin: new URL(app.deps.config.publicUrl).origin,
    [CSRF_HEADER]: CSRF_HEADER_VALUE,
    ...extra,
  };
}

/** The `name=value` part of a Set-Cookie for `name`, or null. */
export function setCookieValue(response: Response, name: string): string | null {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return null;
}

export function setCookieLine(response: Response, name: string): string | null {
  return response.headers.getSetCookie().find((line) => line.startsWith(`${name}=`)) ?? null;
}

export async function login(app: RunningApp, email: string, password: string, extraHeaders: Record<string, string> = {}) {
  return fetch(`${app.baseUrl}/auth/login`, {
    method: 'POST',
    headers: consoleHeaders(app, extraHeaders),
    body: JSON.stringify({ email, password }),
  });
}

/** Signs in and returns the Cookie header value to send afterwards. */
export async function signIn(app: RunningApp, email: string, password: string): Promise<string> {
  const response = await login(app, email, password);
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const value = setCookieValue(response, 'idesk_session') ?? setCookieValue(response, '__Host-idesk_session');
  if (!value) throw new Error('no session cookie');
  const name = setCookieValue(response, 'idesk_session') ? 'idesk_session' : '__Host-idesk_session';
  return `${name}=${value}`;
}

/** auth.me over HTTP, as the client asks for it (GET, superjson). */
export async function whoAmI(app: RunningApp, cookie: string | null): Promise<{ status: number; me: { staff: { email: string; role: string } } | null }> {
  const response = await fetch(`${app.baseUrl}/trpc/auth.me`, { headers: cookie ? { cookie } : {} });
  const body = (await response.json()) as { result?: { data?: { json?: unknown } } };
  return { status: response.status, me: (body.result?.data?.json ?? null) as { staff: { email: string; role: string } } | null };
}

/** Audit events in order, with the columns tests look at. */
export async function auditEvents(db: Kysely<DB>, filter: { action?: string; targetId?: string } = {}) {
  let query = db.selectFrom('audit_events').select(['seq', 'action', 'actor_type', 'actor_id', 'actor_display', 'target_type', 'target_id', 'reason', 'metadata', 'ip', 'request_id']);
  if (filter.action) query = query.where('action', '=', filter.action);
  if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
  return query.orderBy('seq').execute();
}
