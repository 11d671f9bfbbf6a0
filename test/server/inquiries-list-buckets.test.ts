import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CREATED_DAY_BUCKETS } from '../../server/repositories/inquiry-list.js';
import type { InquiryListInput } from '../../shared/inquiries.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, expectedOrder, HOUR, MINUTE, NOW, pageThrough, type TemplateFixture } from './fixtures.js';

/**
 * A creation range listed by expiry or update time is walked one UTC creation day at a time, and an expiry window
 * of a few hours listed by creation or update time one UTC expiry hour at a time (migrations/0009,
 * server/repositories/inquiry-list.ts). Whatever the path, the pages must hold exactly the matching rows in order:
 * here each is checked against the same rows filtered and sorted in memory.
 */
describe.each(testEngines())('inquiries.list walked by creation day or expiry hour on %s', (engine) => {
  let database: TestDatabase;
  let caller: ReturnType<typeof callerFor>;
  let kyc: TemplateFixture;
  let kyb: TemplateFixture;

  interface Row {
    id: string;
    status: string;
    template_id: string;
    outdated: boolean;
    created_at: Date;
    expires_at: Date;
    updated_at: Date;
  }
  let rows: Row[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    caller = callerFor(database);
    const { db } = database;
    kyc = await addTemplate(db, 'KYC', 3);
    kyb = await addTemplate(db, 'KYB', 1);
    const statuses = ['created', 'pending', 'expired', 'approved', 'declined', 'pending', 'created'] as const;
    // ~200 days of inquiries at irregular times of day (so ranges cut through days), some sharing a timestamp.
    for (let n = 0; n < 160; n++) {
      const status = statuses[n % statuses.length] as string;
      const createdAt = ago(((n * 37) % 200) * DAY + ((n * 7) % 24) * HOUR + (n % 3) * 17 * MINUTE);
      const open = status === 'created' || status === 'pending';
      // Open ones mostly live (some within the coming hour or two, some overdue); closed ones past.
      const expiresAt = open
        ? n % 5 === 0
          ? new Date(Math.max(createdAt.getTime(), ago(2 * HOUR).getTime()))
          : ahead(((n * 13) % 150) * MINUTE + MINUTE)
        : new Date(createdAt.getTime() + ((n % 4) + 1) * DAY);
      const updatedAt = new Date(Math.min(NOW.getTime(), createdAt.getTime() + ((n * 11) % 30) * HOUR));
      const template = n % 4 === 0 ? kyb : kyc;
      const version = template === kyc ? (n % 3) + 1 : 1;
      await addInquiry(db, template, { status, version, createdAt, expiresAt: expiresAt < createdAt ? createdAt : expiresAt, updatedAt });
    }
    // The edges of the within-1-hour window (NOW, NOW + 1 h]: exactly at NOW is out, exactly at NOW + 1 h is in.
    await addInquiry(db, kyc, { status: 'pending', createdAt: ago(3 * HOUR), expiresAt: NOW });
    await addInquiry(db, kyc, { status: 'pending', createdAt: ago(3 * HOUR), expiresAt: ahead(HOUR) });
    await addInquiry(db, kyc, { status: 'created', version: 1, createdAt: ago(3 * HOUR), expiresAt: ahead(HOUR), updatedAt: ago(HOUR) });
    // Created exactly at the bounds of a range used below (both inclusive), and just outside them.
    for (const at of [ago(30 * DAY), ago(20 * DAY), ago(30 * DAY + 1), new Date(ago(20 * DAY).getTime() + 1)]) {
      await addInquiry(db, kyc, { status: 'pending', createdAt: at, expiresAt: ahead(2 * DAY), updatedAt: at });
      await addInquiry(db, kyb, { status: 'approved', createdAt: at, expiresAt: new Date(at.getTime() + DAY), updatedAt: at });
    }
    const all = await db
      .selectFrom('inquiries as i')
      .innerJoin('templates as t', 't.id', 'i.template_id')
      .select(['i.id', 'i.status', 'i.template_id', 'i.created_at', 'i.expires_at', 'i.updated_at', 'i.version_number', 't.latest_version_number'])
      .execute();
    rows = all.map((r) => ({ ...r, outdated: r.version_number < r.latest_version_number }));
  });
  afterAll(async () => {
    await database?.close();
  });

  const isOpen = (r: Row) => r.status === 'created' || r.status === 'pending';
  const createdWithin = (from: Date | null, to: Date | null) => (r: Row) => (!from || r.created_at >= from) && (!to || r.created_at <= to);

  async function expectPagesInOrder(input: InquiryListInput, keep: (r: Row) => boolean, limit = 4) {
    for (const sort of ['createdAt', 'expiresAt', 'updatedAt'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const expected = expectedOrder(rows.filter(keep), sort, order);
        expect(expected.length, `${JSON.stringify(input)} matches something`).toBeGreaterThan(limit);
        const seen = await pageThrough(caller, { ...input, sort, order }, limit);
        expect(seen, `${JSON.stringify(input)} by ${sort} ${order}`).toEqual(expected);
      }
    }
  }

  it('a creation range with both bounds, inclusive, in every order', async () => {
    const [from, to] = [ago(30 * DAY), ago(20 * DAY)];
    await expectPagesInOrder({ createdAfter: from, createdBefore: to }, createdWithin(from, to), 2);
  });

  it('a creation range with one bound: from the first inquiry, or up to the last one', async () => {
    await expectPagesInOrder({ createdAfter: ago(45 * DAY) }, createdWithin(ago(45 * DAY), null));
    await expectPagesInOrder({ createdBefore: ago(150 * DAY) }, createdWithin(null, ago(150 * DAY)));
  });

  it(`a creation range wider than ${MAX_CREATED_DAY_BUCKETS} days (walked in the sort order from its lower bound)`, async () => {
    const from = ago((MAX_CREATED_DAY_BUCKETS + 40) * DAY);
    await expectPagesInOrder({ createdAfter: from, createdBefore: ago(2 * DAY) }, createdWithin(from, ago(2 * DAY)), 10);
  });

  it('a creation range with open statuses, other statuses, a template or a version state', async () => {
    const [from, to] = [ago(100 * DAY), ago(5 * DAY)];
    const within = createdWithin(from, to);
    await expectPagesInOrder({ createdAfter: from, createdBefore: to, status: ['pending'] }, (r) => within(r) && r.status === 'pending');
    await expectPagesInOrder({ createdAfter: from, createdBefore: to, status: ['created', 'pending'] }, (r) => within(r) && isOpen(r));
    await expectPagesInOrder({ createdAfter: from, createdBefore: to, status: ['expired', 'approved'] }, (r) => within(r) && ['expired', 'approved'].includes(r.status));
    await expectPagesInOrder({ createdAfter: from, createdBefore: to, templateId: kyb.id }, (r) => within(r) && r.template_id === kyb.id);
    await expectPagesInOrder({ createdAfter: from, createdBefore: to, versionState: 'outdated' }, (r) => within(r) && r.outdated, 2);
  });

  it('the within-1-hour expiry window, alone and with a version state or template', async () => {
    const inWindow = (r: Row) => isOpen(r) && r.expires_at > NOW && r.expires_at <= ahead(HOUR);
    await expectPagesInOrder({ expiry: 'within_1h' }, inWindow, 3);
    await expectPagesInOrder({ expiry: 'within_1h', versionState: 'outdated' }, (r) => inWindow(r) && r.outdated, 2);
    await expectPagesInOrder({ expiry: 'within_1h', templateId: kyc.id, status: ['pending'] }, (r) => inWindow(r) && r.template_id === kyc.id && r.status === 'pending', 2);
  });

  it('wider expiry windows with a version state (the sort-order walk of each status and version)', async () => {
    await expectPagesInOrder({ expiry: 'live', versionState: 'outdated' }, (r) => isOpen(r) && r.expires_at > NOW && r.outdated, 3);
    await expectPagesInOrder({ expiry: 'within_7d', versionState: 'latest' }, (r) => isOpen(r) && r.expires_at > NOW && r.expires_at <= ahead(7 * DAY) && !r.outdated, 5);
  });

  it('refuses an inquiry that would expire, or change, before it was created', async () => {
    const [row] = rows;
    if (!row) throw new Error('no rows');
    await expect(sql`update inquiries set expires_at = created_at - interval '1 second' where id = ${row.id}`.execute(database.db)).rejects.toThrow(
      /inquiries_expires_after_created/,
    );
    await expect(sql`update inquiries set updated_at = created_at - interval '1 second' where id = ${row.id}`.execute(database.db)).rejects.toThrow(
      /inquiries_updated_after_created/,
    );
  });
});
