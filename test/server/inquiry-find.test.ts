import { getTRPCErrorFromUnknown } from '@trpc/server';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.js';
import { createCallerFactory } from '../../server/trpc.js';
import { appRouter } from '../../server/routers/_app.js';
import { FIND_LIMIT } from '../../shared/find-query.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { contextAs, createStaffAccount, signIn, startApp } from '../helpers/auth.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, errorOf, HOUR, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

const reason = 'End user lost the link (ticket 5521)';
let keyCounter = 0;
const key = () => `find-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;

describe.each(testEngines())('inquiries.find (search anywhere) on %s', (engine) => {
  let database: TestDatabase;
  let kyc: TemplateFixture;
  const admin = () => callerFor(database);
  const viewer = () => callerFor(database, undefined, staffPrincipal('viewer'));
  let ada = '';
  let grace: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    kyc = await addTemplate(database.db, 'KYC', 2);
    ada = await addInquiry(database.db, kyc, { status: 'pending', version: 1, referenceId: 'user-ada', email: 'Ada.Lovelace@Example.com', expiresAt: ahead(20 * HOUR) });
    // Grace has started over and over: more inquiries than one search lists, under one email and one reference.
    grace = [];
    for (let i = 0; i < FIND_LIMIT + 2; i++) {
      grace.push(await addInquiry(database.db, kyc, { status: i === 0 ? 'pending' : 'expired', referenceId: 'user-grace', email: 'grace@example.com', createdAt: ago((i + 1) * DAY), expiresAt: ago(i * DAY - HOUR) }));
    }
    // Two inquiries for one person: a short list.
    await addInquiry(database.db, kyc, { status: 'created', referenceId: 'user-alan', email: 'alan@example.com', createdAt: ago(2 * HOUR) });
    await addInquiry(database.db, kyc, { status: 'expired', referenceId: 'user-alan', email: 'alan@example.com', createdAt: ago(3 * DAY), expiresAt: ago(2 * DAY) });
    // A customer's reference id that happens to look like an email.
    await addInquiry(database.db, kyc, { status: 'created', referenceId: 'crm@tenant-7', email: 'someone@example.com' });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('opens an inquiry id straight away, with what the list shows and the email masked', async () => {
    const found = await admin().inquiries.find({ q: `  ${ada} ` });
    expect(found).toMatchObject({ kind: 'inquiryId', term: ada, more: false });
    expect(found.items).toHaveLength(1);
    expect(found.items[0]).toMatchObject({ id: ada, status: 'pending', referenceId: 'user-ada', templateName: 'KYC', versionNumber: 1, emailMasked: 'a•••@example.com' });
    expect(found.items[0]?.createdAt).toBeInstanceOf(Date);
    expect(found.items[0]?.expiresAt).toBeInstanceOf(Date);
    expect(JSON.stringify(found).toLowerCase()).not.toContain('ada.lovelace');
    expect(JSON.stringify(found)).not.toContain('Lovelace');
  });

  it('finds by email whatever its case, and by reference id exactly', async () => {
    const byEmail = await admin().inquiries.find({ q: 'ADA.lovelace@example.COM' });
    expect(byEmail).toMatchObject({ kind: 'email', more: false });
    expect(byEmail.items.map((i) => i.id)).toEqual([ada]);
    expect(JSON.stringify(byEmail.items)).not.toContain('ada.lovelace');

    const byReference = await admin().inquiries.find({ q: 'user-ada' });
    expect(byReference).toMatchObject({ kind: 'referenceId', term: 'user-ada' });
    expect(byReference.items.map((i) => i.id)).toEqual([ada]);
    expect((await admin().inquiries.find({ q: 'USER-ADA' })).items).toEqual([]);
  });

  it('lists several matches newest first, at most FIND_LIMIT, and says there are more', async () => {
    for (const q of ['grace@example.com', 'user-grace']) {
      const found = await admin().inquiries.find({ q });
      expect(found.items.map((i) => i.id)).toEqual(grace.slice(0, FIND_LIMIT));
      expect(found.more).toBe(true);
    }
    const alan = await admin().inquiries.find({ q: 'alan@example.com' });
    expect(alan.items.map((i) => i.status)).toEqual(['created', 'expired']);
    expect(alan.more).toBe(false);
  });

  it('finds a reference id that looks like an email, saying it was found as a reference id', async () => {
    const found = await admin().inquiries.find({ q: 'crm@tenant-7' });
    expect(found.kind).toBe('referenceId');
    expect(found.items.map((i) => i.referenceId)).toEqual(['crm@tenant-7']);
  });

  it('reads a pasted hosted-flow URL (ours with its session token, Persona’s, an inquiry page) as its inquiry, never echoing the token', async () => {
    const deps = testDeps(database);
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpcXNlX3NlY3JldCJ9.c2lnbmF0dXJlLW5vdC1mb3ItZWNobw';
    const pasted = [
      deps.provider.tokenLinkUrl(ada, token),
      `https://inquiry.withpersona.com/verify?inquiry-id=${ada}&session-token=${token}`,
      `/verify?inquiry-id=${ada}`,
      `http://localhost:3000/inquiries/${ada}`,
    ];
    for (const q of pasted) {
      const found = await admin().inquiries.find({ q });
      expect({ q, kind: found.kind, ids: found.items.map((i) => i.id) }).toEqual({ q, kind: 'url', ids: [ada] });
      expect(JSON.stringify(found)).not.toContain(token);
    }
    const staticLink = await admin().inquiries.find({ q: deps.provider.staticLinkUrl(kyc.id, 'user-alan') });
    expect(staticLink).toMatchObject({ kind: 'url', term: 'user-alan' });
    expect(staticLink.items).toHaveLength(2);
  });

  it('resolves a one-time link to its inquiry whatever the link’s state, never echoing the code or the link', async () => {
    const link = await admin().links.createOneTime({ inquiryId: ada, reason, idempotencyKey: key() });
    const code = new URL(link.url).searchParams.get('code') ?? '';
    expect(code.length).toBeGreaterThan(15);

    const found = await admin().inquiries.find({ q: link.url });
    expect(found).toMatchObject({ kind: 'oneTimeLink', term: null, more: false });
    expect(found.items.map((i) => i.id)).toEqual([ada]);
    const body = JSON.stringify(found);
    expect(body).not.toContain(code);
    expect(body).not.toContain(link.linkId);

    // Revoked, it still names the same inquiry, and says nothing else: the answer is no oracle for a working code.
    await admin().links.revoke({ linkId: link.linkId, reason });
    expect(await admin().inquiries.find({ q: link.url })).toEqual(found);

    // A code that was never issued finds nothing, and is not echoed either.
    const forged = new URL(link.url);
    forged.searchParams.set('code', `${code.slice(0, -4)}AAAA`);
    expect(await admin().inquiries.find({ q: forged.toString() })).toEqual({ kind: 'oneTimeLink', term: null, items: [], more: false });
  });

  it('finds nothing, with no error, for what matches nothing', async () => {
    for (const [q, kind] of [
      ['inq_doesnotexist', 'inquiryId'],
      ['nobody@example.com', 'email'],
      ['user-nobody', 'referenceId'],
      ['https://example.com/help?topic=verify', 'url'],
      ['https://desk.test/verify?reference-id=abc%00', 'url'],
      ['x'.repeat(300), 'referenceId'],
    ] as const) {
      expect(await admin().inquiries.find({ q })).toMatchObject({ kind, items: [], more: false });
    }
  });

  it('refuses NUL and other control characters, empty and over-long text with a 400 that does not repeat the text', async () => {
    for (const q of ['user\u0000ada', `${ada}\u0000`, 'a\tb', 'line one\nline two', 'bell\u0007', 'c1\u0085', '   ', 'x'.repeat(2049)]) {
      const error = await errorOf(admin().inquiries.find({ q }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).not.toContain(q.trim() || '\u0000');
    }
    const nul = await errorOf(admin().inquiries.find({ q: 'user\u0000ada' }));
    expect(nul.message).toMatch(/control characters/);
  });

  it('is a read: anyone who may list inquiries may call it (a viewer too), nobody signed out, and it writes no audit event', async () => {
    const before = await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect((await viewer().inquiries.find({ q: ada })).items.map((i) => i.id)).toEqual([ada]);
    const after = await database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));

    const anonymous = createCallerFactory(appRouter)(contextAs(testDeps(database), null));
    const refused = await anonymous.inquiries.find({ q: ada }).then(
      () => null,
      (e: unknown) => getTRPCErrorFromUnknown(e),
    );
    expect(refused?.code).toBe('UNAUTHORIZED');
  });
});

describe('inquiries.find over HTTP', () => {
  let database: TestDatabase;
  let app: Awaited<ReturnType<typeof startApp>>;
  let cookie = '';
  const lines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    app = await startApp(database, {}, { log: createLogger('debug', { write: (line: string) => void lines.push(line) }) });
    const viewer = await createStaffAccount(database.db, { role: 'viewer' });
    cookie = await signIn(app, viewer.email, viewer.password);
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  const find = (q: string) => fetch(`${app.baseUrl}/trpc/inquiries.find?input=${encodeURIComponent(JSON.stringify(superjson.serialize({ q })))}`, { headers: { cookie } });

  it('answers 400, never 500, for a NUL byte (PostgreSQL refuses them), naming the field', async () => {
    const res = await find('user-ada\u0000');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).toContain('q: must not contain control characters');
    expect(text).not.toMatch(/stack|at .*\.ts:\d+/);
  });

  it('answers 200 with nothing for an unknown one-time link, and neither the answer nor the log carries its code', async () => {
    const code = 'Zm9yZ2VkLWNvZGUtdGhhdC13YXMtbmV2ZXItaXNzdWVk';
    const res = await find(`${app.baseUrl}/verify?code=${code}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(code);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(code);
  });
});
