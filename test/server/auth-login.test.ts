import type * as Argon2 from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PAIR_THROTTLE, IP_THROTTLE } from '../../server/auth/throttle.js';
import { STAFF_SESSION_ABSOLUTE_MS, STAFF_SESSION_IDLE_MS } from '../../server/services/auth/staff-sessions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import {
  auditEvents,
  consoleHeaders,
  createStaffAccount,
  login,
  setCookieLine,
  signIn,
  startApp,
  whoAmI,
  type RunningApp,
  type StaffAccount,
} from '../helpers/auth.js';

/** Every argon2 verification the server makes, counted (the library itself still does the work). */
const argon2Verifications = vi.hoisted(() => ({ count: 0 }));
vi.mock('@node-rs/argon2', async (importOriginal) => {
  const original = await importOriginal<typeof Argon2>();
  return {
    ...original,
    verify: (...args: Parameters<typeof original.verify>) => {
      argon2Verifications.count += 1;
      return original.verify(...args);
    },
  };
});

const MINUTE = 60_000;
const WRONG = { errors: [{ title: 'Email or password is incorrect.' }] };

describe.each(testEngines())('password sign-in over HTTP on %s', (engine) => {
  let database: TestDatabase;
  let app: RunningApp;
  let support: StaffAccount;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    app = await startApp(database);
    support = await createStaffAccount(database.db, { role: 'support' });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('signs in with the right password: session cookie, staff in the body, auth.me with permissions', async () => {
    const response = await login(app, support.email.toUpperCase(), support.password);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ staff: { id: support.id, email: support.email, displayName: `Staff ${support.email}`, role: 'support' } });
    const line = setCookieLine(response, 'idesk_session');
    expect(line).toMatch(/HttpOnly/i);
    expect(line).toMatch(/SameSite=Strict/i);
    expect(line).toMatch(/Path=\//);
    expect(line).not.toMatch(/Secure/i);
    expect(response.headers.get('cache-control')).toBe('no-store');

    const cookie = (line ?? '').split(';')[0] ?? '';
    const { me } = await whoAmI(app, cookie);
    expect(me).toMatchObject({
      staff: { email: support.email, role: 'support', mustChangePassword: false },
      permissions: ['inquiry:read', 'pii:reveal', 'inquiry:act', 'link:token', 'access:revoke', 'access:read', 'audit:read'],
      ownOnly: ['access:revoke', 'access:read', 'audit:read'],
    });
    // The session row stores a hash, never the cookie value.
    const value = cookie.split('=')[1] ?? '';
    const rows = await database.db.selectFrom('staff_sessions').select(['token_hash']).where('staff_id', '=', support.id).execute();
    expect(rows.some((r) => r.token_hash === value)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);

    const [event] = await auditEvents(database.db, { action: 'auth.login', targetId: support.id });
    expect(event).toMatchObject({ actor_type: 'staff', actor_id: support.id, target_type: 'staff' });
    expect(JSON.stringify(event?.metadata)).not.toContain(value);
  });

  it('answers a wrong password, an unknown email, an SSO-only and a disabled account identically', async () => {
    const ssoOnly = await createStaffAccount(database.db, { password: null });
    const disabled = await createStaffAccount(database.db, { disabled: true });
    const attempts = [
      [support.email, 'not the password'],
      ['nobody@staff.test', 'not the password'],
      [ssoOnly.email, 'anything at all'],
      [disabled.email, disabled.password],
    ] as const;
    for (const [email, password] of attempts) {
      const response = await login(app, email, password, { 'x-forwarded-for': '198.51.100.1' });
      expect(response.status, email).toBe(401);
      expect(await response.json()).toEqual(WRONG);
      expect(setCookieLine(response, 'idesk_session')).toBeNull();
    }
    const failures = await auditEvents(database.db, { action: 'auth.login_failed' });
    expect(failures.map((f) => (f.metadata as { failure?: string }).failure)).toEqual(['wrong_password', 'unknown_account', 'no_password', 'disabled']);
    // Nobody is named as the actor of a failed attempt, and the attempted email of an unknown account is not kept.
    expect(failures.every((f) => f.actor_id === null)).toBe(true);
    expect(JSON.stringify(failures)).not.toContain('nobody@staff.test');
    expect(JSON.stringify(failures)).not.toContain('not the password');
  });

  it('does the same work for an unknown email as for a wrong password: one argon2 verification each', async () => {
    // Counting verifications, not timing them: wall-clock tests flake on a busy machine.
    const ssoOnly = await createStaffAccount(database.db, { password: null });
    for (const email of [support.email, 'ghost@staff.test', ssoOnly.email]) {
      const before = argon2Verifications.count;
      expect((await login(app, email, 'wrong password', { 'x-forwarded-for': '198.51.100.2' })).status).toBe(401);
      expect(argon2Verifications.count - before, email).toBe(1);
    }
    // Clear this test's failures from the accounts' counts.
    await database.db.deleteFrom('login_throttle').execute();
  });

  it('locks an account from an address after repeated failures there, says when to retry, and refuses even the right password there', async () => {
    const victim = await createStaffAccount(database.db);
    const ip = { 'x-forwarded-for': '198.51.100.3' };
    for (let i = 1; i < PAIR_THROTTLE.threshold; i++) {
      expect((await login(app, victim.email, `wrong ${i}`, ip)).status).toBe(401);
    }
    const locking = await login(app, victim.email, 'wrong again', ip);
    expect(locking.status).toBe(429);
    expect(locking.headers.get('retry-after')).toBe('60');
    expect(await locking.json()).toEqual({ errors: [{ title: 'Too many failed sign-in attempts. Try again in 1 minute.' }] });

    const stillLocked = await login(app, victim.email, victim.password, ip);
    expect(stillLocked.status).toBe(429);
    expect(setCookieLine(stillLocked, 'idesk_session')).toBeNull();

    const locks = await auditEvents(database.db, { action: 'auth.locked_out', targetId: victim.id });
    expect(locks).toHaveLength(1);
    expect(locks[0]?.metadata).toMatchObject({ scope: 'pair', minutes: 1, failures: PAIR_THROTTLE.threshold });
    expect(locks[0]?.ip).toBe('198.51.100.3');

    // The lock passes; one more failure doubles it.
    app.advance(61_000);
    const doubled = await login(app, victim.email, 'wrong once more', ip);
    expect(doubled.status).toBe(429);
    expect(doubled.headers.get('retry-after')).toBe('120');

    app.advance(121_000);
    expect((await login(app, victim.email, victim.password, ip)).status).toBe(200);
    // Success clears the account's count.
    expect((await login(app, victim.email, 'typo', ip)).status).toBe(401);
  });

  it('counts parallel guesses before checking them: a burst gets no more tries than the threshold', async () => {
    const victim = await createStaffAccount(database.db);
    const ip = { 'x-forwarded-for': '198.51.100.7' };
    const burst = await Promise.all(Array.from({ length: 16 }, (_, i) => login(app, victim.email, `guess ${i}`, ip)));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(PAIR_THROTTLE.threshold - 1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16 - (PAIR_THROTTLE.threshold - 1));
    // Only the attempts that were counted reached a password check (and the audit log).
    expect(await auditEvents(database.db, { action: 'auth.login_failed', targetId: victim.id })).toHaveLength(PAIR_THROTTLE.threshold);
  });

  it('lets the right password through on the attempt that reaches the threshold, and gives the address its count back', async () => {
    const person = await createStaffAccount(database.db);
    const ip = { 'x-forwarded-for': '198.51.100.8' };
    for (let i = 1; i < PAIR_THROTTLE.threshold; i++) expect((await login(app, person.email, 'wrong', ip)).status).toBe(401);
    expect((await login(app, person.email, person.password, ip)).status).toBe(200);
    const keys = [`account:${person.email}`, `pair:198.51.100.8|${person.email}`, 'ip:198.51.100.8'];
    const rows = await database.db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute();
    expect(rows.map((r) => [r.key, r.failures, r.locked_until])).toEqual([['ip:198.51.100.8', PAIR_THROTTLE.threshold - 1, null]]);
  });

  it('locks an unknown email exactly like a real one, so a lock-out reveals nothing', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.4' };
    const real = await createStaffAccount(database.db);
    const answers = async (email: string) => {
      const statuses: number[] = [];
      let last: Response | null = null;
      for (let i = 0; i < PAIR_THROTTLE.threshold + 1; i++) {
        last = await login(app, email, 'wrong', ip);
        statuses.push(last.status);
      }
      return { statuses, body: await last?.json(), retryAfter: last?.headers.get('retry-after') };
    };
    const forReal = await answers(real.email);
    const forGhost = await answers('ghost-lock@staff.test');
    expect(forGhost).toEqual(forReal);
    expect(forReal.statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('locks a client address after many failures across accounts; other addresses are unaffected', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.50' };
    const target = await createStaffAccount(database.db);
    for (let i = 0; i < IP_THROTTLE.threshold - 1; i++) {
      expect((await login(app, `spray${i}@staff.test`, 'guess', ip)).status).toBe(401);
    }
    expect((await login(app, 'spray-last@staff.test', 'guess', ip)).status).toBe(429);
    const blocked = await login(app, target.email, target.password, ip);
    expect(blocked.status).toBe(429);
    expect((await login(app, target.email, target.password, { 'x-forwarded-for': '203.0.113.51' })).status).toBe(200);
    const ipLock = (await auditEvents(database.db, { action: 'auth.locked_out' })).find((e) => (e.metadata as { scope?: string }).scope === 'ip');
    expect(ipLock?.ip).toBe('203.0.113.50');
  });

  it('shares locks between app servers through the database', async () => {
    const other = await startApp(database, { PUBLIC_URL: app.deps.config.publicUrl });
    try {
      const victim = await createStaffAccount(database.db);
      const ip = { 'x-forwarded-for': '198.51.100.5' };
      for (let i = 0; i < PAIR_THROTTLE.threshold; i++) await login(app, victim.email, 'wrong', ip);
      const response = await fetch(`${other.baseUrl}/auth/login`, {
        method: 'POST',
        headers: consoleHeaders(app, ip),
        body: JSON.stringify({ email: victim.email, password: victim.password }),
      });
      expect(response.status).toBe(429);
    } finally {
      await other.close();
    }
  });

  it('ends a session after 30 idle minutes, and keeps an active one alive', async () => {
    const person = await createStaffAccount(database.db);
    const cookie = await signIn(app, person.email, person.password);
    app.advance(STAFF_SESSION_IDLE_MS - MINUTE);
    expect((await whoAmI(app, cookie)).me?.staff.email).toBe(person.email);
    app.advance(STAFF_SESSION_IDLE_MS - MINUTE);
    expect((await whoAmI(app, cookie)).me?.staff.email).toBe(person.email);
    app.advance(STAFF_SESSION_IDLE_MS);
    expect((await whoAmI(app, cookie)).me).toBeNull();
    const session = await database.db.selectFrom('staff_sessions').select(['end_reason']).where('staff_id', '=', person.id).executeTakeFirstOrThrow();
    expect(session.end_reason).toBe('idle');
    // Ended is ended: coming back does not revive it.
    app.advance(-STAFF_SESSION_IDLE_MS);
    expect((await whoAmI(app, cookie)).me).toBeNull();
    app.advance(STAFF_SESSION_IDLE_MS);
  });

  it('ends a session 12 hours after sign-in however active it is', async () => {
    const person = await createStaffAccount(database.db);
    const cookie = await signIn(app, person.email, person.password);
    for (let elapsed = 0; elapsed + 20 * MINUTE < STAFF_SESSION_ABSOLUTE_MS; elapsed += 20 * MINUTE) {
      app.advance(20 * MINUTE);
      expect((await whoAmI(app, cookie)).me, `after ${elapsed / MINUTE + 20} min`).not.toBeNull();
    }
    app.advance(20 * MINUTE);
    expect((await whoAmI(app, cookie)).me).toBeNull();
    const session = await database.db.selectFrom('staff_sessions').select(['end_reason']).where('staff_id', '=', person.id).executeTakeFirstOrThrow();
    expect(session.end_reason).toBe('expired');
  });

  it('signs out: the session ends at once, the cookie is cleared, the event is audited', async () => {
    const person = await createStaffAccount(database.db);
    const cookie = await signIn(app, person.email, person.password);
    const response = await fetch(`${app.baseUrl}/auth/logout`, { method: 'POST', headers: consoleHeaders(app, { cookie }) });
    expect(response.status).toBe(204);
    expect(setCookieLine(response, 'idesk_session')).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await whoAmI(app, cookie)).me).toBeNull();
    const [event] = await auditEvents(database.db, { action: 'auth.logout', targetId: person.id });
    expect(event).toMatchObject({ actor_id: person.id });
    // Signing out twice, or without a session, is fine.
    expect((await fetch(`${app.baseUrl}/auth/logout`, { method: 'POST', headers: consoleHeaders(app, { cookie }) })).status).toBe(204);
  });

  it('makes a person with a one-time password choose a new one before anything else', async () => {
    const person = await createStaffAccount(database.db, { role: 'viewer', password: 'one-time-abcde-12345', mustChangePassword: true });
    const cookie = await signIn(app, person.email, person.password);
    const list = await fetch(`${app.baseUrl}/trpc/inquiries.overview`, { headers: { cookie } });
    expect(list.status).toBe(403);
    const body = (await list.json()) as { error: { json: { message: string; data: { details: unknown } } } };
    expect(body.error.json.data.details).toEqual({ reason: 'password_change_required' });
    expect((await whoAmI(app, cookie)).me).toMatchObject({ staff: { mustChangePassword: true } });

    const change = await fetch(`${app.baseUrl}/trpc/auth.changePassword`, {
      method: 'POST',
      headers: consoleHeaders(app, { cookie }),
      body: JSON.stringify({ json: { currentPassword: person.password, newPassword: 'a much longer passphrase' } }),
    });
    expect(change.status).toBe(200);
    expect((await fetch(`${app.baseUrl}/trpc/inquiries.overview`, { headers: { cookie } })).status).toBe(200);
    expect((await login(app, person.email, 'a much longer passphrase')).status).toBe(200);
    const [event] = await auditEvents(database.db, { action: 'staff.password_changed', targetId: person.id });
    expect(JSON.stringify(event)).not.toContain('passphrase');
  });
});

describe.each(testEngines())('sign-in settings on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('uses a __Host- Secure cookie when PUBLIC_URL is https', async () => {
    const app = await startApp(database, { PUBLIC_URL: 'https://desk.example.test' });
    try {
      const person = await createStaffAccount(database.db);
      const response = await login(app, person.email, person.password);
      expect(response.status).toBe(200);
      const line = setCookieLine(response, '__Host-idesk_session');
      expect(line).toMatch(/; Secure/i);
      expect(line).toMatch(/HttpOnly/i);
      expect(line).toMatch(/SameSite=Strict/i);
      expect(line).toMatch(/Path=\//);
      expect(line).not.toMatch(/Domain=/i);
      expect(setCookieLine(response, 'idesk_session')).toBeNull();
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
      expect(response.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    } finally {
      await app.close();
    }
  });

  it('refuses password sign-in when LOCAL_PASSWORDS=off', async () => {
    const app = await startApp(database, { LOCAL_PASSWORDS: 'off', OIDC_ISSUER: 'http://127.0.0.1:9/', OIDC_CLIENT_ID: 'x', OIDC_ROLE_MAP: 'a=admin' });
    try {
      const person = await createStaffAccount(database.db);
      const response = await login(app, person.email, person.password);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ errors: [{ title: 'Password sign-in is turned off. Sign in with single sign-on.' }] });
    } finally {
      await app.close();
    }
  });
});
