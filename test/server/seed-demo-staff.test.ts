import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapStaff, DEMO_STAFF } from '../../server/auth/bootstrap.js';
import { ConfigError, loadConfig } from '../../server/config.js';
import { formatDemoStaff, seedDemoStaff } from '../../server/seed/cli.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, login, signIn, startApp, whoAmI, type RunningApp } from '../helpers/auth.js';

/**
 * `npm run seed -- --demo-staff` (issue 13): a newcomer on PostgreSQL gets the five demo sign-ins that `npm start`
 * gives an embedded database, with the DEMO_PASSWORD they chose; running it again changes nobody.
 */
const EMAILS = DEMO_STAFF.map((d) => d.email);
const PASSWORD = 'demo-password-2026';

describe.each(testEngines())('demo staff on %s', (engine) => {
  let database: TestDatabase;
  let app: RunningApp;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
    app = await startApp(database);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('a server started on a database without staff says how to make someone to sign in as', async () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(await bootstrapStaff(database.db, config, { demo: false })).toEqual([
      'No staff yet, so nobody can sign in. Make an admin: npm run staff:create-admin -- --email you@example.com',
      'or the five demo sign-ins: DEMO_PASSWORD=… npm run seed -- --demo-staff',
    ]);
  });

  it('creates the five demo sign-ins with DEMO_PASSWORD, each with its role, audited as the system', async () => {
    const run = await seedDemoStaff(database, PASSWORD);
    expect(run).toEqual({ created: EMAILS, existing: [], generatedPassword: null });
    expect(formatDemoStaff(run)).toBe(`Demo staff created: ${EMAILS.join(', ')}\nPassword: the DEMO_PASSWORD you set.`);
    expect(formatDemoStaff(run)).not.toContain(PASSWORD);

    for (const demo of DEMO_STAFF) {
      const cookie = await signIn(app, demo.email, PASSWORD);
      expect((await whoAmI(app, cookie)).me?.staff).toMatchObject({ email: demo.email, role: demo.role });
    }
    const created = await auditEvents(database.db, { action: 'staff.created' });
    expect(created.map((e) => [e.actor_type, (e.metadata as { email: string; via: string }).email, (e.metadata as { via: string }).via])).toEqual(
      EMAILS.map((email) => ['system', email, 'demo_seed']),
    );
  });

  it('leaves existing accounts as they are on a second run, and says so', async () => {
    // An admin has since made the demo viewer a support agent; the seed must not undo that or reset a password.
    await database.db.updateTable('staff').set({ role: 'support' }).where('email', '=', 'viewer@demo.test').execute();
    const again = await seedDemoStaff(database, 'a-different-password');
    expect(again).toEqual({ created: [], existing: EMAILS, generatedPassword: null });
    expect(formatDemoStaff(again)).toBe(`The demo staff already exist, left as they are (password unchanged): ${EMAILS.join(', ')}`);

    expect((await login(app, 'admin@demo.test', 'a-different-password')).status).toBe(401);
    const viewer = await signIn(app, 'viewer@demo.test', PASSWORD);
    expect((await whoAmI(app, viewer)).me?.staff.role).toBe('support');
    expect(await auditEvents(database.db, { action: 'staff.created' })).toHaveLength(5);
    expect(await bootstrapStaff(database.db, loadConfig({ NODE_ENV: 'test' }), { demo: false })).toEqual([]);
  });

  it('creates only the missing ones and names both groups', async () => {
    await database.db.deleteFrom('staff_sessions').execute();
    await database.db.deleteFrom('staff').where('email', 'in', ['manager@demo.test', 'viewer@demo.test']).execute();
    const run = await seedDemoStaff(database, PASSWORD);
    expect(run.created).toEqual(['manager@demo.test', 'viewer@demo.test']);
    expect(formatDemoStaff(run).split('\n')).toEqual([
      'Demo staff created: manager@demo.test, viewer@demo.test',
      'Password: the DEMO_PASSWORD you set.',
      'Already there, left as they are (password unchanged): admin@demo.test, support@demo.test, compliance@demo.test',
    ]);
  });

  if (engine === 'postgres') {
    it('refuses without DEMO_PASSWORD on a server database, naming the variable, and creates nobody', async () => {
      const empty = await createTestDatabase('postgres');
      try {
        const refused = seedDemoStaff(empty, undefined);
        await expect(refused).rejects.toThrow(ConfigError);
        await expect(refused).rejects.toThrow(/^Invalid configuration: DEMO_PASSWORD: required with --demo-staff on a server database/);
        expect(await empty.db.selectFrom('staff').select('email').execute()).toEqual([]);
      } finally {
        await empty.close();
      }
    });
  } else {
    it('without DEMO_PASSWORD on the embedded database, generates one and shows it once, as npm start does', async () => {
      const empty = await createTestDatabase('pglite');
      const own = await startApp(empty);
      try {
        const run = await seedDemoStaff(empty, undefined);
        expect(run.created).toEqual(EMAILS);
        const password = run.generatedPassword ?? '';
        expect(password.length).toBeGreaterThanOrEqual(12);
        expect(formatDemoStaff(run)).toContain(`Password (generated, shown once; set DEMO_PASSWORD to choose it): ${password}`);
        expect((await login(own, 'support@demo.test', password)).status).toBe(200);
        // Nothing created, nothing to show: the password is not printed again.
        expect((await seedDemoStaff(empty, undefined)).generatedPassword).toBeNull();
      } finally {
        await own.close();
        await empty.close();
      }
    });
  }
});
