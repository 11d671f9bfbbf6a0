import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, HOUR } from './fixtures.js';

describe.each(testEngines())('inquiry detail, templates and overview on %s', (engine) => {
  let database: TestDatabase;
  let caller: ReturnType<typeof callerFor>;
  const ids = {} as Record<'stuck' | 'old' | 'replacement' | 'live' | 'approved', string>;
  let kyc: Awaited<ReturnType<typeof addTemplate>>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    caller = callerFor(database);
    const { db } = database;
    kyc = await addTemplate(db, 'KYC', 3);
    ids.stuck = await addInquiry(db, kyc, { status: 'pending', version: 1, createdAt: ago(45 * DAY), expiresAt: ahead(2 * DAY), expiredSessions: 2, email: 'ada@example.com' });
    ids.old = await addInquiry(db, kyc, { status: 'expired', version: 2, createdAt: ago(10 * DAY), expiresAt: ago(9 * DAY) });
    ids.replacement = await addInquiry(db, kyc, { status: 'created', createdAt: ago(HOUR), expiresAt: ahead(23 * HOUR), predecessorId: ids.old });
    ids.live = await addInquiry(db, kyc, { status: 'pending', createdAt: ago(2 * HOUR), expiresAt: ahead(30 * 60_000), liveSessions: 1 });
    ids.approved = await addInquiry(db, kyc, { status: 'approved', createdAt: ago(3 * DAY), expiresAt: ago(2 * DAY) });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('explains why a started inquiry without a live session is stuck, and that it is on an old version', async () => {
    const detail = await caller.inquiries.get({ id: ids.stuck });
    expect(detail).toMatchObject({ status: 'pending', versionNumber: 1, latestVersionNumber: 3, versionsBehind: 2, isOutdated: true, liveSessionCount: 0 });
    expect(detail.sessions).toHaveLength(2);
    expect(detail.sessions.every((s) => s.state === 'expired')).toBe(true);
    const messages = detail.diagnosis.map((d) => d.message).join('\n');
    expect(messages).toMatch(/no live session/);
    expect(messages).toMatch(/v1.*v3.*2 behind/);
    expect(messages).toMatch(/Created 45 d ago/);
    expect(detail.policy).toMatchObject({ afterCreateMinutes: 1440, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60 });
    expect(detail.timeline.map((e) => e.kind)).toEqual(['created']);
  });

  it('masks prefilled PII: the email never leaves the server in clear', async () => {
    const detail = await caller.inquiries.get({ id: ids.stuck });
    const email = detail.fields.find((f) => f.name === 'email-address');
    expect(email).toEqual({ name: 'email-address', label: 'Email', value: 'a•••@example.com' });
    expect(JSON.stringify(detail)).not.toContain('ada@example.com');
    expect(JSON.stringify(detail)).not.toContain('Lovelace');
  });

  it('links a recreated inquiry with its predecessor in both directions', async () => {
    const old = await caller.inquiries.get({ id: ids.old });
    expect(old.successor).toEqual({ id: ids.replacement, status: 'created' });
    expect(old.diagnosis.map((d) => d.message).join('\n')).toMatch(new RegExp(`Replaced by ${ids.replacement}`));
    const replacement = await caller.inquiries.get({ id: ids.replacement });
    expect(replacement.predecessor).toEqual({ id: ids.old, status: 'expired' });
  });

  it('warns when a live inquiry is about to expire, and says a decided one needs no action', async () => {
    const live = await caller.inquiries.get({ id: ids.live });
    expect(live.liveSessionCount).toBe(1);
    expect(live.diagnosis).toContainEqual({ severity: 'warning', message: 'Expires in 30 min.' });
    const approved = await caller.inquiries.get({ id: ids.approved });
    expect(approved.diagnosis.map((d) => d.message)).toContain('A decision has been made: access actions no longer apply.');
  });

  it('answers NOT_FOUND for an unknown id and BAD_REQUEST for something that is not an id', async () => {
    await expect(caller.inquiries.get({ id: 'inq_doesnotexist' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('No inquiry inq_doesnotexist') as unknown });
    await expect(caller.inquiries.get({ id: 'robert; drop table' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('lists templates with versions, the policy in force, and open inquiries per version', async () => {
    const { items } = await caller.templates.list();
    expect(items).toHaveLength(1);
    const t = items[0];
    expect(t).toMatchObject({ id: kyc.id, name: 'KYC', latestVersionNumber: 3, openInquiryCount: 3, openOnOutdatedCount: 1 });
    expect(t?.versions.map((v) => [v.versionNumber, v.isLatest, v.openInquiryCount])).toEqual([
      [1, false, 1],
      [2, false, 0],
      [3, true, 2],
    ]);
    expect(t?.policy).toMatchObject({ afterCreateMinutes: 1440, afterStartMinutes: null });
  });

  it('summarises the desk: counts by status, expiring soon, outdated and stuck', async () => {
    const overview = await caller.inquiries.overview();
    expect(overview.countsExact).toBe(true);
    expect(overview.byStatus).toEqual([
      { status: 'approved', count: 1 },
      { status: 'created', count: 1 },
      { status: 'expired', count: 1 },
      { status: 'pending', count: 2 },
    ]);
    expect(overview).toMatchObject({ expiringWithin24h: 2, openOnOutdatedVersion: 1, stuck: 1 });
  });
});
