import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextInner } from '../../server/context.js';
import { appRouter } from '../../server/routers/_app.js';
import { createCallerFactory } from '../../server/trpc.js';
import { ROLES, type Role } from '../../shared/permissions.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { auditEvents, consoleHeaders, createStaffAccount, signIn, startApp } from '../helpers/auth.js';
import { addInquiry, addTemplate, ago, ahead, errorOf, HOUR, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

const createCaller = createCallerFactory(appRouter);
const reason = 'Customer asked to confirm the name on file (ticket 7781)';

/** Every column of every audit event, as one text: no prefilled value may appear in it. */
async function wholeLog(database: TestDatabase): Promise<string> {
  return JSON.stringify(await database.db.selectFrom('audit_events').selectAll().execute());
}

describe.each(testEngines())('revealing prefilled PII on %s', (engine) => {
  let database: TestDatabase;
  let kyc: TemplateFixture;
  let clock = NOW;
  let counter = 0;
  const person = (role: Role) => staffPrincipal(role, `stf_${role}pii${++counter}`);
  const callerAs = (staff: ReturnType<typeof person>, env: Record<string, string> = {}) =>
    createCaller(createContextInner(testDeps(database, () => clock, env), { requestId: `pii-${counter}`, ip: '203.0.113.9', userAgent: 'vitest', staff }));
  const inquiry = (email: string) => addInquiry(database.db, kyc, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(HOUR), email });

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    kyc = await addTemplate(database.db, 'KYC', 1);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stays masked in the detail and the list by default', async () => {
    const id = await inquiry('grace.hopper@example.com');
    const admin = callerAs(person('admin'));
    const detail = await admin.inquiries.get({ id });
    expect(detail.fields).toHaveLength(3);
    expect(detail.fields).toEqual(
      expect.arrayContaining([
        { name: 'name-first', label: 'First name', value: 'A••' },
        { name: 'name-last', label: 'Last name', value: 'L••••••' },
        { name: 'email-address', label: 'Email', value: 'g•••@example.com' },
      ]),
    );
    const list = await admin.inquiries.list({ search: 'grace.hopper@example.com' });
    expect(list.items.map((i) => i.emailMasked)).toEqual(['g•••@example.com']);
    expect(JSON.stringify([detail, list])).not.toContain('grace.hopper');
  });

  it.each(['support', 'compliance', 'admin'] as const)('%s may reveal: the values answer this call, the event names the fields and holds no value', async (role) => {
    clock = NOW;
    const id = await inquiry(`${role}.person@example.com`);
    const staff = person(role);
    const masked = (await callerAs(staff).inquiries.get({ id })).fields;
    const revealed = await callerAs(staff).inquiries.revealPii({ id, reason });
    expect(revealed).toEqual({ inquiryId: id, fields: expect.any(Array) as unknown, revealedAt: NOW });
    expect(revealed.fields).toHaveLength(3);
    expect(revealed.fields).toEqual(
      expect.arrayContaining([
        { name: 'name-first', label: 'First name', value: 'Ada' },
        { name: 'name-last', label: 'Last name', value: 'Lovelace' },
        { name: 'email-address', label: 'Email', value: `${role}.person@example.com` },
      ]),
    );
    // In the order the masked fields are listed, so the console shows each value in place.
    expect(revealed.fields.map((f) => f.name)).toEqual(masked.map((f) => f.name));

    const events = await auditEvents(database.db, { action: 'pii.revealed', targetId: id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor_id: staff.id,
      target_type: 'inquiry',
      reason,
      ip: '203.0.113.9',
      metadata: { count: 3, all: true },
    });
    expect([...(events[0]?.metadata as { fields: string[] }).fields].sort()).toEqual(['email-address', 'name-first', 'name-last']);
    const log = await wholeLog(database);
    for (const value of ['Ada', 'Lovelace', `${role}.person`]) expect(log).not.toContain(value);
    // Revealing changes nothing: the detail is still masked for everyone.
    expect((await callerAs(staff).inquiries.get({ id })).fields).toEqual(masked);
  });

  it.each(['viewer', 'manager'] as const)('%s is refused with 403, sees nothing, and the refusal is recorded', async (role) => {
    const id = await inquiry(`${role}.target@example.com`);
    const staff = person(role);
    const error = await errorOf(callerAs(staff).inquiries.revealPii({ id, reason }));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toBe(`Your role (${role}) does not have the permission 'pii:reveal'.`);
    expect(JSON.stringify(error)).not.toContain(`${role}.target`);
    expect(await auditEvents(database.db, { action: 'pii.revealed', targetId: id })).toEqual([]);
    const denied = (await auditEvents(database.db, { action: 'access.denied' })).filter((e) => e.actor_id === staff.id);
    expect(denied).toMatchObject([{ target_id: id, metadata: { procedure: 'inquiries.revealPii', permission: 'pii:reveal', role, refusal: 'missing_permission' } }]);
  });

  it('the roles that may reveal are exactly DESIGN §5 (support, compliance, admin)', async () => {
    const id = await inquiry('roles.check@example.com');
    const outcome: Record<string, string> = {};
    for (const role of ROLES) {
      outcome[role] = await callerAs(person(role))
        .inquiries.revealPii({ id, reason })
        .then(
          () => 'revealed',
          (e: unknown) => (e as { code: string }).code,
        );
    }
    expect(outcome).toEqual({ viewer: 'FORBIDDEN', support: 'revealed', compliance: 'revealed', manager: 'FORBIDDEN', admin: 'revealed' });
  });

  it('reveals only the fields asked for, and refuses (and records) a field the inquiry does not have', async () => {
    clock = NOW;
    const id = await inquiry('only.email@example.com');
    const staff = person('support');
    const caller = callerAs(staff);
    const revealed = await caller.inquiries.revealPii({ id, reason, fields: ['email-address'] });
    expect(revealed.fields).toEqual([{ name: 'email-address', label: 'Email', value: 'only.email@example.com' }]);
    expect((await auditEvents(database.db, { action: 'pii.revealed', targetId: id }))[0]?.metadata).toEqual({ fields: ['email-address'], count: 1, all: false });

    const unknown = await errorOf(caller.inquiries.revealPii({ id, reason, fields: ['birthdate'] }));
    expect(unknown.code).toBe('BAD_REQUEST');
    expect(unknown.message).toContain('no prefilled birthdate');
    const refused = (await auditEvents(database.db, { action: 'inquiry.action_refused', targetId: id })).filter((e) => e.actor_id === staff.id);
    expect(refused).toMatchObject([{ reason, metadata: { action: 'pii_reveal', procedure: 'inquiries.revealPii', refusal: ['unknown_field'], status: 400 } }]);
  });

  it('a reason is required, with the same rules as the actions', async () => {
    const id = await inquiry('reason.rules@example.com');
    const error = await errorOf(callerAs(person('support')).inquiries.revealPii({ id, reason: ' ok ' }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('must say why');
  });

  it('is budgeted per person (PII_REVEAL_BUDGET): past it a 429, recorded as a refusal once per minute', async () => {
    clock = NOW;
    const staff = person('compliance');
    const caller = callerAs(staff, { PII_REVEAL_BUDGET: '2', PII_REVEAL_BUDGET_MINUTES: '10' });
    const ids = [await inquiry('b1@example.com'), await inquiry('b2@example.com'), await inquiry('b3@example.com')];
    await caller.inquiries.revealPii({ id: ids[0] ?? '', reason });
    await caller.inquiries.revealPii({ id: ids[1] ?? '', reason });
    const refused = await errorOf(caller.inquiries.revealPii({ id: ids[2] ?? '', reason }));
    expect(refused.code).toBe('TOO_MANY_REQUESTS');
    expect(refused.message).toMatch(/revealed personal data 2 times in the last 10 min/);
    expect(JSON.stringify(refused)).not.toContain('b3@example.com');
    await errorOf(caller.inquiries.revealPii({ id: ids[2] ?? '', reason }));

    const events = (await auditEvents(database.db, { action: 'inquiry.action_refused', targetId: ids[2] ?? '' })).filter((e) => e.actor_id === staff.id);
    expect(events).toMatchObject([{ metadata: { action: 'pii_reveal', refusal: ['reveal_budget'], status: 429 } }]);
    expect(await auditEvents(database.db, { action: 'pii.revealed', targetId: ids[2] ?? '' })).toEqual([]);

    // Another person's budget is their own, and the window moves on.
    await expect(callerAs(person('compliance'), { PII_REVEAL_BUDGET: '2' }).inquiries.revealPii({ id: ids[2] ?? '', reason })).resolves.toBeDefined();
    clock = new Date(NOW.getTime() + 10 * MINUTE + 1000);
    await expect(caller.inquiries.revealPii({ id: ids[2] ?? '', reason })).resolves.toMatchObject({ inquiryId: ids[2] });
  });

  it('over HTTP: the values travel in a no-store answer to a POST, never in a URL', async () => {
    const app = await startApp(database);
    try {
      const id = await inquiry('over.http@example.com');
      const agent = await createStaffAccount(database.db, { role: 'support' });
      const cookie = await signIn(app, agent.email, agent.password);
      const response = await fetch(`${app.baseUrl}/trpc/inquiries.revealPii`, {
        method: 'POST',
        headers: consoleHeaders(app, { cookie }),
        body: JSON.stringify({ json: { id, reason } }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as { result: { data: { json: { fields: { name: string; value: string }[] } } } };
      expect(body.result.data.json.fields.find((f) => f.name === 'email-address')?.value).toBe('over.http@example.com');
      // A query (GET, cacheable, input in the URL) is not how it is reached.
      const asQuery = await fetch(`${app.baseUrl}/trpc/inquiries.revealPii?input=${encodeURIComponent(JSON.stringify({ json: { id, reason } }))}`, { headers: { cookie } });
      expect(asQuery.status).toBe(405);
    } finally {
      await app.close();
    }
  });

  it('an unknown inquiry is a 404 and leaves nothing', async () => {
    const before = (await auditEvents(database.db)).length;
    expect((await errorOf(callerAs(person('admin')).inquiries.revealPii({ id: 'inq_missing00001', reason }))).code).toBe('NOT_FOUND');
    expect(await auditEvents(database.db)).toHaveLength(before);
  });

  it('an inquiry without prefill has nothing to reveal', async () => {
    const id = await inquiry('none@example.com');
    await database.db.updateTable('inquiries').set({ fields: JSON.stringify({}) }).where('id', '=', id).execute();
    const error = await errorOf(callerAs(person('admin')).inquiries.revealPii({ id, reason }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('nothing to reveal');
  });
});
