import { Writable } from 'node:stream';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapStaff, DEMO_STAFF, ensureAdmin, ensureDemoStaff } from '../../server/auth/bootstrap.js';
import { createContextInner } from '../../server/context.js';
import { createLogger } from '../../server/logger.js';
import { verifyAuditChain } from '../../server/services/audit.js';
import { appRouter } from '../../server/routers/_app.js';
import { STAFF_SESSION_IDLE_MS } from '../../server/services/auth/staff-sessions.js';
import { createCallerFactory } from '../../server/trpc.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import {
  auditEvents,
  authTestDeps,
  consoleHeaders,
  createStaffAccount,
  login,
  setCookieValue,
  signIn,
  startApp,
  whoAmI,
  type RunningApp,
  type StaffAccount,
} from '../helpers/auth.js';

const createCaller = createCallerFactory(appRouter);
const ONE_TIME = /^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'OK';
  } catch (cause) {
    return getTRPCErrorFromUnknown(cause).code;
  }
}

describe.each(testEngines())('staff management on %s', (engine) => {
  let database: TestDatabase;
  let app: RunningApp;
  let admin: StaffAccount;
  const logLines: string[] = [];
  // Every line the app and the procedures log, for the "never logged" check.
  const log = createLogger(
    'trace',
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        logLines.push(chunk.toString());
        callback();
      },
    }),
  );

  function adminCaller() {
    return createCaller(
      createContextInner(
        app.deps,
        { requestId: 'req-staff-test', ip: '192.0.2.10', userAgent: 'vitest', staff: { id: admin.id, email: admin.email, displayName: 'Admin', role: 'admin' } },
      ),
    );
  }

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    app = await startApp(database, {}, { log });
    admin = await createStaffAccount(database.db, { role: 'admin' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('creates a person with a one-time password shown once, to be changed at first sign-in', async () => {
    const { staff, oneTimePassword } = await adminCaller().staff.create({ email: 'New.Person@Staff.test', displayName: 'New Person', role: 'support', reason: 'joined the team' });
    expect(oneTimePassword).toMatch(ONE_TIME);
    expect(staff).toMatchObject({ email: 'new.person@staff.test', role: 'support', mustChangePassword: true, hasPassword: true, activeSessionCount: 0 });

    const [event] = await auditEvents(database.db, { action: 'staff.created', targetId: staff.id });
    expect(event).toMatchObject({ actor_type: 'staff', actor_id: admin.id, actor_display: admin.email, reason: 'joined the team', ip: '192.0.2.10', request_id: 'req-staff-test' });
    expect(event?.metadata).toMatchObject({ email: 'new.person@staff.test', role: 'support', oneTimePasswordIssued: true });
    expect(JSON.stringify(event)).not.toContain(oneTimePassword);

    const cookie = await signIn(app, 'new.person@staff.test', oneTimePassword ?? '');
    expect((await whoAmI(app, cookie)).me).toMatchObject({ staff: { mustChangePassword: true } });

    // The same email in any case is taken; the refused action leaves no audit event.
    const before = (await auditEvents(database.db)).length;
    expect(await codeOf(adminCaller().staff.create({ email: 'NEW.PERSON@staff.test', displayName: 'Again', role: 'viewer', reason: 'joined the team' }))).toBe('CONFLICT');
    expect(await auditEvents(database.db)).toHaveLength(before);
  });

  it('changing a role ends the person’s sessions at once', async () => {
    const person = await createStaffAccount(database.db, { role: 'viewer' });
    const cookie = await signIn(app, person.email, person.password);
    expect((await whoAmI(app, cookie)).me?.staff.role).toBe('viewer');
    const updated = await adminCaller().staff.changeRole({ id: person.id, role: 'compliance', reason: 'moved team' });
    expect(updated.role).toBe('compliance');
    expect((await whoAmI(app, cookie)).me).toBeNull();
    const [event] = await auditEvents(database.db, { action: 'staff.role_changed', targetId: person.id });
    expect(event).toMatchObject({ actor_id: admin.id, reason: 'moved team' });
    expect(event?.metadata).toEqual({ from: 'viewer', to: 'compliance', endedSessionCount: 1 });
    // Signing in again gives the new role.
    expect((await whoAmI(app, await signIn(app, person.email, person.password))).me?.staff.role).toBe('compliance');
  });

  it('disabling ends sessions at once and refuses sign-in with the usual answer; enabling lets them back', async () => {
    const person = await createStaffAccount(database.db);
    const cookie = await signIn(app, person.email, person.password);
    await adminCaller().staff.disable({ id: person.id, reason: 'left the company' });
    expect((await whoAmI(app, cookie)).me).toBeNull();
    const refused = await login(app, person.email, person.password);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ errors: [{ title: 'Email or password is incorrect.' }] });

    await adminCaller().staff.enable({ id: person.id, reason: 'came back' });
    expect((await login(app, person.email, person.password)).status).toBe(200);
    const events = await auditEvents(database.db, { targetId: person.id });
    expect(events.map((e) => e.action)).toEqual(['auth.login', 'staff.disabled', 'auth.login_failed', 'staff.enabled', 'auth.login']);
    expect(events.filter((e) => e.action.startsWith('staff.')).map((e) => e.reason)).toEqual(['left the company', 'came back']);
  });

  it('resets a password: a new one-time value, the old password stops working, sessions end', async () => {
    const person = await createStaffAccount(database.db);
    const cookie = await signIn(app, person.email, person.password);
    const { oneTimePassword } = await adminCaller().staff.resetPassword({ id: person.id, reason: 'forgot it' });
    expect(oneTimePassword).toMatch(ONE_TIME);
    expect((await whoAmI(app, cookie)).me).toBeNull();
    expect((await login(app, person.email, person.password)).status).toBe(401);
    expect((await login(app, person.email, oneTimePassword)).status).toBe(200);
    const [event] = await auditEvents(database.db, { action: 'staff.password_reset', targetId: person.id });
    expect(event).toMatchObject({ actor_id: admin.id, reason: 'forgot it', metadata: { endedSessionCount: 1 } });
    expect(JSON.stringify(event)).not.toContain(oneTimePassword);
  });

  it('lists a person’s sessions and ends them', async () => {
    const person = await createStaffAccount(database.db);
    const first = await signIn(app, person.email, person.password);
    const second = await signIn(app, person.email, person.password);
    const { items } = await adminCaller().staff.sessions({ id: person.id });
    expect(items).toHaveLength(2);
    expect(items.every((s) => s.active && s.method === 'password' && !s.current && s.ip !== null)).toBe(true);
    const list = await adminCaller().staff.list();
    expect(list.items.find((s) => s.id === person.id)?.activeSessionCount).toBe(2);

    expect(await adminCaller().staff.endSessions({ id: person.id, reason: 'lost laptop' })).toEqual({ ended: 2 });
    expect((await whoAmI(app, first)).me).toBeNull();
    expect((await whoAmI(app, second)).me).toBeNull();
    const after = await adminCaller().staff.sessions({ id: person.id });
    expect(after.items.map((s) => [s.active, s.endReason])).toEqual([
      [false, 'ended_by_admin'],
      [false, 'ended_by_admin'],
    ]);
    const [event] = await auditEvents(database.db, { action: 'staff.sessions_ended', targetId: person.id });
    expect(event).toMatchObject({ actor_id: admin.id, reason: 'lost laptop' });
    expect(event?.metadata).toEqual({ sessionIds: after.items.map((s) => s.id).sort() });
  });

  /** A procedure that needs only a signed-in person with any role: 200 while the session lives, 401 after. */
  async function statusWith(cookie: string): Promise<number> {
    return (await fetch(`${app.baseUrl}/trpc/inquiries.overview`, { headers: { cookie } })).status;
  }

  async function signInFrom(person: StaffAccount, userAgent: string): Promise<string> {
    const response = await login(app, person.email, person.password, { 'user-agent': userAgent });
    expect(response.status).toBe(200);
    return `idesk_session=${setCookieValue(response, 'idesk_session')}`;
  }

  /** staff.endSession over HTTP, as the console sends it. */
  async function endSessionOverHttp(cookie: string, input: unknown) {
    const response = await fetch(`${app.baseUrl}/trpc/staff.endSession`, { method: 'POST', headers: consoleHeaders(app, { cookie }), body: JSON.stringify({ json: input }) });
    const body = (await response.json()) as { result?: { data?: { json?: unknown } } };
    return { status: response.status, result: body.result?.data?.json };
  }

  it('ends one of a person’s sessions at once; their other session keeps working', async () => {
    const person = await createStaffAccount(database.db);
    const laptop = await signInFrom(person, 'Laptop Browser/1.0');
    const phone = await signInFrom(person, 'Phone Browser/2.0');
    expect([await statusWith(laptop), await statusWith(phone)]).toEqual([200, 200]);
    const { items } = await adminCaller().staff.sessions({ id: person.id });
    // The list carries each session's public id (never the cookie or its hash); that is what identifies one.
    expect(items.every((s) => /^stses_[A-HJ-NP-Za-km-z2-9]{24}$/.test(s.id) && !laptop.includes(s.id) && !phone.includes(s.id))).toBe(true);
    const laptopRow = items.find((s) => s.userAgent === 'Laptop Browser/1.0');
    if (!laptopRow) throw new Error('no laptop session listed');
    expect(laptopRow.active).toBe(true);

    const result = await adminCaller().staff.endSession({ id: person.id, sessionId: laptopRow.id, reason: 'lost laptop' });
    expect(result).toEqual({ sessionId: laptopRow.id, endedAt: expect.any(Date) as unknown, current: false });
    expect(await statusWith(laptop)).toBe(401);
    expect(await statusWith(phone)).toBe(200);

    const after = await adminCaller().staff.sessions({ id: person.id });
    expect(after.items.filter((s) => s.active)).toHaveLength(1);
    expect(after.items.find((s) => s.id === laptopRow.id)).toMatchObject({ active: false, endReason: 'ended_by_admin' });
    expect((await adminCaller().staff.list()).items.find((s) => s.id === person.id)?.activeSessionCount).toBe(1);

    const events = await auditEvents(database.db, { action: 'staff.session_ended', targetId: person.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor_id: admin.id, target_type: 'staff', reason: 'lost laptop', ip: '192.0.2.10', request_id: 'req-staff-test' });
    expect(events[0]?.metadata).toEqual({ sessionId: laptopRow.id });
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });

    // Ending it again, or ending it as someone else's, is NOT_FOUND and writes nothing.
    const other = await createStaffAccount(database.db);
    const before = (await auditEvents(database.db)).length;
    expect(await codeOf(adminCaller().staff.endSession({ id: person.id, sessionId: laptopRow.id, reason: 'lost laptop' }))).toBe('NOT_FOUND');
    const live = after.items.find((s) => s.active);
    if (!live) throw new Error('the phone session should be live');
    expect(await codeOf(adminCaller().staff.endSession({ id: other.id, sessionId: live.id, reason: 'lost laptop' }))).toBe('NOT_FOUND');
    expect(await codeOf(adminCaller().staff.endSession({ id: person.id, sessionId: 'stses_0000000000000000deadbeef', reason: 'lost laptop' }))).toBe('NOT_FOUND');
    expect(await codeOf(adminCaller().staff.endSession({ id: 'stf_doesnotexist', sessionId: live.id, reason: 'lost laptop' }))).toBe('NOT_FOUND');
    expect(await auditEvents(database.db)).toHaveLength(before);
    expect((await adminCaller().staff.sessions({ id: person.id })).items.filter((s) => s.active)).toHaveLength(1);
  });

  it('validates the session id and refuses non-admins', async () => {
    const person = await createStaffAccount(database.db);
    const cookie = await signIn(app, person.email, person.password);
    const [session] = (await adminCaller().staff.sessions({ id: person.id })).items;
    expect(await codeOf(adminCaller().staff.endSession({ id: person.id, sessionId: "stses_x' or 1=1", reason: 'lost laptop' }))).toBe('BAD_REQUEST');
    // The cookie value is not a session id and is never accepted as one.
    expect(await codeOf(adminCaller().staff.endSession({ id: person.id, sessionId: cookie.split('=')[1] ?? '', reason: 'lost laptop' }))).toBe('BAD_REQUEST');
    expect(await codeOf(adminCaller().staff.endSession({ id: person.id, reason: 'lost laptop' } as never))).toBe('BAD_REQUEST');

    // A support agent may not end anyone's session, not even their own this way.
    const refused = await endSessionOverHttp(cookie, { id: person.id, sessionId: session?.id, reason: 'my own session' });
    expect(refused.status).toBe(403);
    expect(await statusWith(cookie)).toBe(200);
    expect(await auditEvents(database.db, { action: 'staff.session_ended', targetId: person.id })).toEqual([]);

    // A session that idled out is no longer live: nothing to end.
    app.advance(STAFF_SESSION_IDLE_MS + 1);
    expect(await codeOf(adminCaller().staff.endSession({ id: person.id, sessionId: session?.id ?? 'stses_missing', reason: 'idle anyway' }))).toBe('NOT_FOUND');
    expect(await auditEvents(database.db, { action: 'staff.session_ended', targetId: person.id })).toEqual([]);
  });

  it('lets an admin end their own current session, which signs them out', async () => {
    const cookie = await signIn(app, admin.email, admin.password);
    const other = await signIn(app, admin.email, admin.password);
    const sessionsOverHttp = await fetch(`${app.baseUrl}/trpc/staff.sessions?input=${encodeURIComponent(JSON.stringify({ json: { id: admin.id } }))}`, { headers: { cookie } });
    const listed = ((await sessionsOverHttp.json()) as { result: { data: { json: { items: { id: string; current: boolean; active: boolean }[] } } } }).result.data.json.items;
    const current = listed.find((s) => s.current);
    expect(current?.active).toBe(true);

    const ended = await endSessionOverHttp(cookie, { id: admin.id, sessionId: current?.id, reason: 'done here' });
    expect(ended.status).toBe(200);
    expect(ended.result).toMatchObject({ sessionId: current?.id, current: true });
    expect(await statusWith(cookie)).toBe(401);
    expect(await statusWith(other)).toBe(200);
    const [event] = await auditEvents(database.db, { action: 'staff.session_ended', targetId: admin.id });
    expect(event).toMatchObject({ actor_id: admin.id, reason: 'done here', metadata: { sessionId: current?.id } });
  });

  it('keeps at least one enabled admin, and an admin cannot disable themselves', async () => {
    expect(await codeOf(adminCaller().staff.disable({ id: admin.id, reason: 'leaving now' }))).toBe('BAD_REQUEST');
    const admins = await database.db.selectFrom('staff').select('id').where('role', '=', 'admin').where('disabled_at', 'is', null).execute();
    expect(admins.map((a) => a.id)).toEqual([admin.id]);
    expect(await codeOf(adminCaller().staff.changeRole({ id: admin.id, role: 'viewer', reason: 'stepping down' }))).toBe('CONFLICT');
    const second = await createStaffAccount(database.db, { role: 'admin' });
    expect(await codeOf(adminCaller().staff.changeRole({ id: second.id, role: 'manager', reason: 'stepping down' }))).toBe('OK');
  });

  it('refuses every staff change without a reason of 5 to 500 characters, and changes nothing', async () => {
    const person = await createStaffAccount(database.db, { role: 'viewer' });
    const cookie = await signIn(app, person.email, person.password);
    const [session] = (await adminCaller().staff.sessions({ id: person.id })).items;
    const before = (await auditEvents(database.db)).length;
    const caller = adminCaller();
    // Missing, blank, only spaces (trimmed), too short, too long.
    for (const reason of [undefined, '', '     ', 'why', 'x'.repeat(501)]) {
      const given = reason === undefined ? {} : { reason };
      const codes = await Promise.all([
        codeOf(caller.staff.create({ email: 'no.reason@staff.test', displayName: 'No Reason', role: 'viewer', ...given } as never)),
        codeOf(caller.staff.changeRole({ id: person.id, role: 'admin', ...given } as never)),
        codeOf(caller.staff.disable({ id: person.id, ...given } as never)),
        codeOf(caller.staff.enable({ id: person.id, ...given } as never)),
        codeOf(caller.staff.resetPassword({ id: person.id, ...given } as never)),
        codeOf(caller.staff.endSessions({ id: person.id, ...given } as never)),
        codeOf(caller.staff.endSession({ id: person.id, sessionId: session?.id ?? 'stses_missing', ...given } as never)),
      ]);
      expect(codes, `reason ${JSON.stringify(reason)}`).toEqual(Array(7).fill('BAD_REQUEST'));
    }
    expect(await auditEvents(database.db)).toHaveLength(before);
    expect((await whoAmI(app, cookie)).me?.staff.role).toBe('viewer');
    expect(await database.db.selectFrom('staff').select('id').where('email', '=', 'no.reason@staff.test').executeTakeFirst()).toBeUndefined();
  });

  it('answers NOT_FOUND for an unknown id and rejects malformed ids', async () => {
    expect(await codeOf(adminCaller().staff.disable({ id: 'stf_doesnotexist', reason: 'left the company' }))).toBe('NOT_FOUND');
    expect(await codeOf(adminCaller().staff.sessions({ id: "stf_x' or 1=1" }))).toBe('BAD_REQUEST');
  });

  it('never writes a password or a one-time password to the log', () => {
    const all = logLines.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toMatch(/[a-km-zA-HJ-NP-Z2-9]{5}-[a-km-zA-HJ-NP-Z2-9]{5}-[a-km-zA-HJ-NP-Z2-9]{5}-[a-km-zA-HJ-NP-Z2-9]{5}/);
    expect(all).not.toContain('correct horse battery staple');
    expect(all).not.toContain('idesk_session=');
  });
});

describe.each(testEngines())('bootstrap accounts on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('creates the five demo staff once, with the demo password, audited as the system', async () => {
    expect(await ensureDemoStaff(database.db, 'demo-password-123')).toEqual(DEMO_STAFF.map((d) => d.email));
    expect(await ensureDemoStaff(database.db, 'another-password')).toEqual([]);
    const app = await startApp(database);
    try {
      for (const demo of DEMO_STAFF) {
        const me = await whoAmI(app, await signIn(app, demo.email, 'demo-password-123'));
        expect(me.me?.staff).toMatchObject({ email: demo.email, role: demo.role, mustChangePassword: false });
      }
    } finally {
      await app.close();
    }
    const events = await auditEvents(database.db, { action: 'staff.created' });
    expect(events).toHaveLength(5);
    expect(events.every((e) => e.actor_type === 'system' && (e.metadata as { via?: string }).via === 'demo_seed')).toBe(true);
  });

  it('creates the ADMIN_EMAIL admin with a one-time password, never touching an existing account', async () => {
    const first = await ensureAdmin(database.db, { email: 'ops@example.test', via: 'cli' });
    expect(first.created).toBe(true);
    expect(first.oneTimePassword).toMatch(ONE_TIME);
    const again = await ensureAdmin(database.db, { email: 'OPS@example.test', password: 'something else entirely', via: 'env' });
    expect(again).toEqual({ created: false, staffId: first.staffId, oneTimePassword: null });
    const row = await database.db.selectFrom('staff').selectAll().where('id', '=', first.staffId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: 'admin', must_change_password: true });
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('prints what it created at start-up, once', async () => {
    const { deps } = authTestDeps(database, { ADMIN_EMAIL: 'boot@example.test', ADMIN_PASSWORD: 'a long admin password' });
    const lines = await bootstrapStaff(database.db, deps.config, { demo: false });
    expect(lines).toEqual(['Admin boot@example.test created with ADMIN_PASSWORD.']);
    expect(await bootstrapStaff(database.db, deps.config, { demo: false })).toEqual([]);
  });
});
