import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_SLOWDOWN, IP_THROTTLE, PAIR_THROTTLE } from '../../server/auth/throttle.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, consoleHeaders, createStaffAccount, login, signIn, startApp, type RunningApp, type StaffAccount } from '../helpers/auth.js';

/**
 * Nobody can lock someone else out of their account (issue 13): wrong passwords lock only the (account, address)
 * pair they came from, and an address that guesses at many accounts; from everywhere else the owner still signs in,
 * at worst a few seconds slower. An admin can lift a person's locks. Each address is an X-Forwarded-For from the
 * loopback proxy (TRUST_PROXY's default).
 */

const from = (address: string) => ({ 'x-forwarded-for': address });

/** Fails `times` sign-ins at `email` from `address`, returning the statuses. */
async function fail(app: RunningApp, email: string, address: string, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) statuses.push((await login(app, email, `wrong guess ${i}`, from(address))).status);
  return statuses;
}

/** A tRPC call over HTTP as the console makes it (superjson envelope), returning status and data. */
async function trpc(app: RunningApp, cookie: string, path: string, input?: unknown) {
  const response =
    input === undefined
      ? await fetch(`${app.baseUrl}/trpc/${path}`, { headers: { cookie } })
      : await fetch(`${app.baseUrl}/trpc/${path}`, { method: 'POST', headers: consoleHeaders(app, { cookie }), body: JSON.stringify({ json: input }) });
  const body = (await response.json()) as { result?: { data?: { json?: unknown } }; error?: { json?: { message?: string } } };
  return { status: response.status, data: body.result?.data?.json, error: body.error?.json?.message };
}

describe.each(testEngines())('sign-in lock-outs on %s', (engine) => {
  let database: TestDatabase;
  let app: RunningApp;
  let admin: StaffAccount;
  let adminCookie: string;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    app = await startApp(database);
    admin = await createStaffAccount(database.db, { role: 'admin' });
    adminCookie = await signIn(app, admin.email, admin.password);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const lockedUntilOf = async (staffId: string) => {
    const list = await trpc(app, adminCookie, 'staff.list');
    expect(list.status).toBe(200);
    const item = (list.data as { items: { id: string; signInLockedUntil: string | null }[] }).items.find((i) => i.id === staffId);
    return item?.signInLockedUntil ?? null;
  };

  it('an attacker failing from one address locks only that address out; the owner signs in from theirs', async () => {
    const owner = await createStaffAccount(database.db);
    const statuses = await fail(app, owner.email, '192.0.2.10', PAIR_THROTTLE.threshold + 2);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429]);

    // The owner, elsewhere, with the right password: straight in.
    const mine = await login(app, owner.email, owner.password, from('198.51.100.20'));
    expect(mine.status).toBe(200);

    // The attacker's pair stays locked, even with the right password; 429 with Retry-After, as before.
    const theirs = await login(app, owner.email, owner.password, from('192.0.2.10'));
    expect(theirs.status).toBe(429);
    expect(theirs.headers.get('retry-after')).toBe('60');
    expect(await theirs.json()).toEqual({ errors: [{ title: 'Too many failed sign-in attempts. Try again in 1 minute.' }] });

    // The lock is audited: which account (the target), from where (the event's address), how long; no password.
    const locks = await auditEvents(database.db, { action: 'auth.locked_out', targetId: owner.id });
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({ actor_id: null, ip: '192.0.2.10', metadata: { scope: 'pair', minutes: 1, failures: PAIR_THROTTLE.threshold } });
    expect(JSON.stringify(locks)).not.toContain('wrong guess');
  });

  it('keeps an address that guesses at many accounts out of all of them, and no one else', async () => {
    const spray = '203.0.113.77';
    const statuses: number[] = [];
    for (let i = 0; i < IP_THROTTLE.threshold; i++) statuses.push((await login(app, `sprayed${i}@staff.test`, 'Summer2026!', from(spray))).status);
    expect(statuses.slice(0, IP_THROTTLE.threshold - 1).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);

    const person = await createStaffAccount(database.db);
    expect((await login(app, person.email, person.password, from(spray))).status).toBe(429);
    expect((await login(app, person.email, person.password, from('203.0.113.78'))).status).toBe(200);

    const ipLocks = (await auditEvents(database.db, { action: 'auth.locked_out' })).filter((e) => e.ip === spray);
    expect(ipLocks.map((e) => e.metadata)).toEqual([expect.objectContaining({ scope: 'ip', failures: IP_THROTTLE.threshold })]);
  });

  it('guesses from many addresses only slow the account down, a few seconds at most, and the owner still gets in', async () => {
    const owner = await createStaffAccount(database.db);
    const addresses = Array.from({ length: ACCOUNT_SLOWDOWN.threshold / PAIR_THROTTLE.threshold }, (_, i) => `192.0.2.${100 + i}`);
    for (const address of addresses) await fail(app, owner.email, address, PAIR_THROTTLE.threshold);

    const started = performance.now();
    const mine = await login(app, owner.email, owner.password, from('198.51.100.21'));
    const waited = performance.now() - started;
    expect(mine.status).toBe(200);
    expect(waited).toBeGreaterThanOrEqual(ACCOUNT_SLOWDOWN.baseDelayMs - 50);
    expect(waited).toBeLessThan(ACCOUNT_SLOWDOWN.maxDelayMs + 3_000);

    const slowed = await auditEvents(database.db, { action: 'auth.slowed_down', targetId: owner.id });
    expect(slowed.map((e) => e.metadata)).toEqual([{ scope: 'account', failures: ACCOUNT_SLOWDOWN.threshold, delaySeconds: 1 }]);

    // The owner's success ends the slow-down: the next attempt is not held back.
    const again = performance.now();
    expect((await login(app, owner.email, 'a typo', from('198.51.100.21'))).status).toBe(401);
    expect(performance.now() - again).toBeLessThan(ACCOUNT_SLOWDOWN.baseDelayMs);
  });

  it('lets an admin lift a person’s locks, with a reason, audited; the Staff list shows the lock until then', async () => {
    const owner = await createStaffAccount(database.db);
    const home = '198.51.100.30';
    await fail(app, owner.email, home, PAIR_THROTTLE.threshold);
    await fail(app, owner.email, '192.0.2.31', PAIR_THROTTLE.threshold);
    expect((await login(app, owner.email, owner.password, from(home))).status).toBe(429);
    expect(await lockedUntilOf(owner.id)).not.toBeNull();
    expect(await lockedUntilOf(admin.id)).toBeNull();

    // Only staff:manage may unlock; a reason is required.
    const support = await createStaffAccount(database.db, { role: 'support' });
    const supportCookie = await signIn(app, support.email, support.password);
    expect((await trpc(app, supportCookie, 'staff.unlockSignIn', { id: owner.id, reason: 'Locked out at home' })).status).toBe(403);
    expect((await trpc(app, adminCookie, 'staff.unlockSignIn', { id: owner.id, reason: '' })).status).toBe(400);
    expect((await login(app, owner.email, owner.password, from(home))).status).toBe(429);

    const reason = 'Called the help desk, identity checked (ticket 5120)';
    const unlocked = await trpc(app, adminCookie, 'staff.unlockSignIn', { id: owner.id, reason });
    expect(unlocked).toMatchObject({ status: 200, data: { unlockedAddresses: 2 } });
    expect(await lockedUntilOf(owner.id)).toBeNull();
    expect((await login(app, owner.email, owner.password, from(home))).status).toBe(200);

    const [event] = await auditEvents(database.db, { action: 'staff.sign_in_unlocked', targetId: owner.id });
    expect(event).toMatchObject({ actor_id: admin.id, target_type: 'staff', reason, metadata: { unlockedCount: 2 } });
    expect((event?.metadata as { unlockedAddresses: string[] }).unlockedAddresses.sort()).toEqual(['192.0.2.31', home]);
    expect(JSON.stringify(event)).not.toContain(owner.password);

    // Nobody to unlock: an unknown id is a clear 404.
    expect((await trpc(app, adminCookie, 'staff.unlockSignIn', { id: 'stf_nobody', reason })).status).toBe(404);
  });
});
