import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countInquiriesUpTo, estimateInquiries } from '../../server/repositories/inquiry-list.js';
import { listVersions } from '../../server/repositories/templates.js';
import { planList, TOTAL_EXACT_CAP } from '../../server/services/inquiries.js';
import { InquiryListInputSchema, type InquiryListInput } from '../../shared/inquiries.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { waitingWhileLocked } from '../helpers/locks.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, DAY, expectedOrder, HOUR, MINUTE, NOW, pageThrough } from './fixtures.js';

describe.each(testEngines())('inquiries.list on %s', (engine) => {
  let database: TestDatabase;
  let caller: ReturnType<typeof callerFor>;
  const ids = {} as Record<'stuck' | 'pendingLive' | 'createdSoon' | 'outdatedPending' | 'expired' | 'expiredReplaced' | 'successor' | 'approved' | 'declined' | 'overdue', string>;
  let kycId = '';

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    caller = callerFor(database);
    const { db } = database;
    const kyc = await addTemplate(db, 'KYC', 3);
    const kyb = await addTemplate(db, 'KYB', 1);
    kycId = kyc.id;
    // Started 3 h ago, session gone: the classic "closed the browser" case.
    ids.stuck = await addInquiry(db, kyc, { status: 'pending', createdAt: ago(3 * HOUR), expiresAt: ahead(20 * HOUR), expiredSessions: 1, referenceId: 'usr_stuck' });
    // Pending but the user still holds a live session: not stuck.
    ids.pendingLive = await addInquiry(db, kyc, { status: 'pending', createdAt: ago(4 * HOUR), expiresAt: ahead(30 * MINUTE), liveSessions: 2 });
    ids.createdSoon = await addInquiry(db, kyb, { status: 'created', createdAt: ago(5 * HOUR), expiresAt: ahead(3 * DAY), email: 'Grace.Hopper@Example.COM' });
    ids.outdatedPending = await addInquiry(db, kyc, { status: 'pending', version: 1, createdAt: ago(40 * DAY), expiresAt: ahead(6 * DAY) });
    ids.expired = await addInquiry(db, kyc, { status: 'expired', version: 2, createdAt: ago(10 * DAY), expiresAt: ago(9 * DAY) });
    ids.expiredReplaced = await addInquiry(db, kyc, { status: 'expired', version: 1, createdAt: ago(50 * DAY), expiresAt: ago(49 * DAY) });
    ids.successor = await addInquiry(db, kyc, { status: 'created', createdAt: ago(1 * HOUR), expiresAt: ahead(23 * HOUR), predecessorId: ids.expiredReplaced });
    ids.approved = await addInquiry(db, kyb, { status: 'approved', createdAt: ago(20 * DAY), expiresAt: ago(19 * DAY), updatedAt: ago(MINUTE) });
    ids.declined = await addInquiry(db, kyb, { status: 'declined', createdAt: ago(21 * DAY), expiresAt: ago(20 * DAY) });
    // Open but past its expiry, not swept yet: counts as expired for the "expired" filter.
    ids.overdue = await addInquiry(db, kyb, { status: 'created', createdAt: ago(30 * HOUR), expiresAt: ago(6 * HOUR) });
  });
  afterAll(async () => {
    await database?.close();
  });

  const list = async (input: InquiryListInput) => (await caller.inquiries.list(input)).items.map((i) => i.id);

  it('lists newest first by default, with template, version and live session columns', async () => {
    const result = await caller.inquiries.list({});
    expect(result.items[0]?.id).toBe(ids.successor);
    expect(result.total).toBe(10);
    expect(result.totalExact).toBe(true);
    expect(result.nextCursor).toBeNull();
    const pendingLive = result.items.find((i) => i.id === ids.pendingLive);
    expect(pendingLive).toMatchObject({ templateName: 'KYC', versionNumber: 3, latestVersionNumber: 3, isOutdated: false, liveSessionCount: 2 });
    const outdated = result.items.find((i) => i.id === ids.outdatedPending);
    expect(outdated).toMatchObject({ versionNumber: 1, latestVersionNumber: 3, isOutdated: true });
  });

  it('filters by several statuses at once', async () => {
    expect(new Set(await list({ status: ['approved', 'declined'] }))).toEqual(new Set([ids.approved, ids.declined]));
  });

  it('filters by template and by version state', async () => {
    const kycRows = await list({ templateId: kycId });
    expect(kycRows).toHaveLength(6);
    expect(new Set(await list({ versionState: 'outdated' }))).toEqual(new Set([ids.outdatedPending, ids.expired, ids.expiredReplaced]));
    const latestKyc = await list({ templateId: kycId, versionState: 'latest' });
    expect(new Set(latestKyc)).toEqual(new Set([ids.stuck, ids.pendingLive, ids.successor]));
  });

  it('filters by expiry window, counting overdue open inquiries as expired', async () => {
    expect(await list({ expiry: 'within_1h' })).toEqual([ids.pendingLive]);
    expect(new Set(await list({ expiry: 'within_24h' }))).toEqual(new Set([ids.pendingLive, ids.stuck, ids.successor]));
    expect(new Set(await list({ expiry: 'within_7d' }))).toEqual(new Set([ids.pendingLive, ids.stuck, ids.successor, ids.createdSoon, ids.outdatedPending]));
    expect(new Set(await list({ expiry: 'expired' }))).toEqual(new Set([ids.expired, ids.expiredReplaced, ids.overdue]));
    expect(await list({ expiry: 'live', status: ['created'] })).toEqual([ids.successor, ids.createdSoon]);
  });

  it('quick views: stuck excludes pending inquiries that still have a live session', async () => {
    expect(new Set(await list({ quickView: 'stuck' }))).toEqual(new Set([ids.stuck, ids.outdatedPending]));
    expect(await list({ quickView: 'expired_resumable' })).toEqual([ids.expired]);
    expect(new Set(await list({ quickView: 'outdated' }))).toEqual(new Set([ids.outdatedPending, ids.expired, ids.expiredReplaced]));
    expect(await list({ quickView: 'stuck', versionState: 'latest' })).toEqual([ids.stuck]);
  });

  it('an impossible combination returns nothing without error', async () => {
    expect(await list({ status: ['approved'], expiry: 'live' })).toEqual([]);
  });

  it('searches by exact inquiry id, reference id, or email regardless of case', async () => {
    expect(await list({ search: ids.stuck })).toEqual([ids.stuck]);
    expect(await list({ search: 'usr_stuck' })).toEqual([ids.stuck]);
    expect(await list({ search: 'grace.hopper@example.com' })).toEqual([ids.createdSoon]);
    expect(await list({ search: '  GRACE.HOPPER@example.com ' })).toEqual([ids.createdSoon]);
    expect(await list({ search: 'usr_nobody' })).toEqual([]);
  });

  it('shows each row’s email masked, never the address, also when searched by it', async () => {
    const all = await caller.inquiries.list({});
    const grace = all.items.find((i) => i.id === ids.createdSoon);
    expect(grace?.emailMasked).toBe('g•••@example.com');
    for (const item of all.items) expect(item.emailMasked).toMatch(/^.•••@example\.com$/);
    const found = await caller.inquiries.list({ search: 'Grace.Hopper@Example.COM' });
    expect(found.items.map((i) => i.emailMasked)).toEqual(['g•••@example.com']);
    // Nowhere in the answer, in any case or field.
    expect(JSON.stringify([all, found]).toLowerCase()).not.toContain('grace.hopper');
    expect(JSON.stringify(all)).not.toContain(`${ids.stuck}@example.com`);
  });

  it('filters by creation range', async () => {
    const rows = await list({ createdAfter: ago(25 * DAY), createdBefore: ago(15 * DAY) });
    expect(new Set(rows)).toEqual(new Set([ids.approved, ids.declined]));
  });

  it.each([
    ['createdAt', 'asc'],
    ['createdAt', 'desc'],
    ['expiresAt', 'asc'],
    ['expiresAt', 'desc'],
    ['updatedAt', 'asc'],
    ['updatedAt', 'desc'],
  ] as const)('pages by %s %s with a cursor: every row once, in order', async (sort, order) => {
    const full = await caller.inquiries.list({ sort, order, limit: 100 });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await caller.inquiries.list({ sort, order, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(10);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(full.items.map((i) => i.id));
    const key = sort;
    const values = full.items.map((i) => i[key].getTime());
    const sorted = [...values].sort((a, b) => (order === 'asc' ? a - b : b - a));
    expect(values).toEqual(sorted);
  });

  it('pages through a multi-status filter across branches without losing rows', async () => {
    const all = await list({ status: ['pending', 'expired', 'created'], sort: 'expiresAt', order: 'asc', limit: 100 });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.inquiries.list({ status: ['pending', 'expired', 'created'], sort: 'expiresAt', order: 'asc', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(8);
  });

  it('rejects a cursor made for another sort, and a malformed one, with a readable message', async () => {
    const page = await caller.inquiries.list({ limit: 2 });
    expect(page.nextCursor).not.toBeNull();
    await expect(caller.inquiries.list({ limit: 2, sort: 'expiresAt', cursor: page.nextCursor ?? '' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('cursor') as unknown,
    });
    await expect(caller.inquiries.list({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('cursor: is malformed') as unknown });
  });

  it.each([
    ['limit', { limit: 1000 }],
    ['limit', { limit: 0 }],
    ['status', { status: ['nonsense'] }],
    ['sort', { sort: 'email' }],
    ['search', { search: 'x'.repeat(10_000) }], // a 10 KB search term
    ['templateId', { templateId: 'drop table inquiries' }],
    ['createdAfter', { createdAfter: 'yesterday-ish' }],
    // A date JavaScript accepts and PostgreSQL cannot store answered 500 (review of 2026-12-04).
    ['createdAfter', { createdAfter: new Date(-8e15) }],
    ['createdBefore', { createdBefore: new Date(8e15) }],
    ['unknownField', { unknownField: 1 }],
  ])('rejects a bad %s with a message naming it', async (field, input) => {
    const error = await caller.inquiries.list(input as InquiryListInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect(JSON.stringify((error as TRPCError).cause)).toContain(field);
  });

  it('counts exactly up to a cap and falls back to a marked estimate above it', async () => {
    const plan = planList(InquiryListInputSchema.parse({}), await listVersions(database.db), NOW);
    if (!plan) throw new Error('plan expected');
    expect(await countInquiriesUpTo(database.db, plan, 100)).toBe(10);
    expect(await countInquiriesUpTo(database.db, plan, 5)).toBeNull();
    expect(await estimateInquiries(database.db, plan)).toBeGreaterThan(0);
  });

  // The (status, version) branches sorted by expiry or update (migration 0008's indexes), against a brute-force
  // filter and ordering of every row.
  const combinations: [string, (templateId: string) => InquiryListInput, (r: BruteRow, templateId: string) => boolean][] = [
    ['template × status expired', (t) => ({ templateId: t, status: ['expired'] }), (r, t) => r.template_id === t && r.status === 'expired'],
    ['template × status pending + created', (t) => ({ templateId: t, status: ['pending', 'created'] }), (r, t) => r.template_id === t && isOpen(r)],
    ['template × expiry expired', (t) => ({ templateId: t, expiry: 'expired' }), (r, t) => r.template_id === t && isExpired(r)],
    ['template × expiry within 24 h', (t) => ({ templateId: t, expiry: 'within_24h' }), (r, t) => r.template_id === t && isOpen(r) && r.expires_at > NOW && r.expires_at.getTime() <= NOW.getTime() + DAY],
    ['template × quick view stuck', (t) => ({ templateId: t, quickView: 'stuck' }), (r, t) => r.template_id === t && isStuck(r)],
    ['template × quick view expired, resumable', (t) => ({ templateId: t, quickView: 'expired_resumable' }), (r, t) => r.template_id === t && r.status === 'expired' && !r.has_successor],
    ['version outdated × expiry expired', () => ({ versionState: 'outdated', expiry: 'expired' }), (r) => r.outdated && isExpired(r)],
    ['version outdated × expiry live', () => ({ versionState: 'outdated', expiry: 'live' }), (r) => r.outdated && isOpen(r) && r.expires_at > NOW],
    ['quick view outdated', () => ({ quickView: 'outdated' }), (r) => r.outdated && (isOpen(r) || r.status === 'expired')],
  ];
  it.each(combinations.flatMap(([name, input, keep]) =>
    (['createdAt', 'expiresAt', 'updatedAt'] as const).flatMap((sort) => (['asc', 'desc'] as const).map((order) => [name, sort, order, input, keep] as const)),
  ))('%s by %s %s pages through exactly the matching rows in order', async (_name, sort, order, input, keep) => {
    await expectPagesLikeBruteForce(input(kycId), sort, order, (r) => keep(r, kycId), 1);
  });

  /** Pages `limit` rows at a time through the list and compares with a brute-force filter and ordering of every row. */
  async function expectPagesLikeBruteForce(
    input: InquiryListInput,
    sort: 'createdAt' | 'expiresAt' | 'updatedAt',
    order: 'asc' | 'desc',
    keep: (r: BruteRow) => boolean,
    limit: number,
  ): Promise<void> {
    const expected = expectedOrder((await bruteRows()).filter(keep), sort, order);
    expect(expected.length).toBeGreaterThan(0);
    const seen = await pageThrough(caller, { ...input, sort, order }, limit);
    expect(seen).toEqual(expected);
  }

  interface BruteRow {
    id: string;
    status: string;
    template_id: string;
    outdated: boolean;
    has_successor: boolean;
    created_at: Date;
    expires_at: Date;
    updated_at: Date;
    live_session_until: Date | null;
  }
  const isOpen = (r: BruteRow) => r.status === 'created' || r.status === 'pending';
  const isExpired = (r: BruteRow) => r.status === 'expired' || (isOpen(r) && r.expires_at <= NOW);
  const isStuck = (r: BruteRow) => r.status === 'pending' && r.expires_at > NOW && (r.live_session_until === null || r.live_session_until <= NOW);
  async function bruteRows(): Promise<BruteRow[]> {
    const rows = await database.db
      .selectFrom('inquiries as i')
      .innerJoin('templates as t', 't.id', 'i.template_id')
      .select(['i.id', 'i.status', 'i.template_id', 'i.created_at', 'i.expires_at', 'i.updated_at', 'i.live_session_until', 'i.version_number', 't.latest_version_number'])
      .select((eb) => eb.exists(eb.selectFrom('inquiries as s').select('s.id').whereRef('s.predecessor_id', '=', 'i.id')).as('has_successor'))
      .execute();
    return rows.map((r) => ({ ...r, outdated: r.version_number < r.latest_version_number, has_successor: Boolean(r.has_successor) }));
  }

  // Last: it adds inquiries the tests above do not expect.
  it.each([
    ['createdAt', 'desc'],
    ['createdAt', 'asc'],
    ['expiresAt', 'asc'],
    ['updatedAt', 'desc'],
  ] as const)('pages the expired view by %s %s through expired and overdue open inquiries in order, and counts them', async (sort, order) => {
    const kyb = await addTemplate(database.db, `Overdue ${sort} ${order}`, 1);
    const extra = [
      await addInquiry(database.db, kyb, { status: 'pending', createdAt: ago(2 * DAY), expiresAt: ago(HOUR), updatedAt: ago(3 * HOUR) }),
      await addInquiry(database.db, kyb, { status: 'created', createdAt: ago(12 * DAY), expiresAt: ago(11 * DAY), updatedAt: ago(30 * MINUTE) }),
      await addInquiry(database.db, kyb, { status: 'expired', createdAt: ago(3 * DAY), expiresAt: ago(2 * DAY), updatedAt: ago(2 * DAY) }),
    ];
    const rows = await database.db
      .selectFrom('inquiries')
      .select(['id', 'created_at', 'expires_at', 'updated_at'])
      .where((eb) => eb.or([eb('status', '=', 'expired'), eb.and([eb('status', 'in', ['created', 'pending']), eb('expires_at', '<=', NOW)])]))
      .execute();
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining([...extra, ids.overdue, ids.expired]));
    const column = ({ createdAt: 'created_at', expiresAt: 'expires_at', updatedAt: 'updated_at' } as const)[sort];
    const sign = order === 'asc' ? 1 : -1;
    const expected = rows
      .sort((a, b) => sign * (a[column].getTime() - b[column].getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
      .map((r) => r.id);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await caller.inquiries.list({ expiry: 'expired', sort, order, limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.id));
      if (cursor) expect(page).toMatchObject({ total: expected.length, totalExact: true });
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expected);
  });
  // Last, after the expired-view tests: it adds a template with many versions. From 8 (status, version) branches on,
  // the branches that differ only in their values share one plan (a LATERAL walk over a VALUES list).
  it('many (status, version) branches sharing one plan page through exactly the matching rows, for every sort', async () => {
    const many = await addTemplate(database.db, 'Many versions', 6);
    const statuses = ['created', 'pending', 'expired', 'approved'] as const;
    let n = 0;
    for (let version = 1; version <= 6; version++) {
      for (const status of statuses) {
        n++;
        const createdAt = ago((n % 7) * DAY + n * HOUR);
        // Open ones alternate between live and overdue (not swept yet); a few share a timestamp, so ids break ties.
        const expiresAt = status === 'expired' || (status !== 'approved' && n % 2 === 0) ? ago((n % 5) * HOUR + MINUTE) : ahead((n % 9) * HOUR + MINUTE);
        // Never updated before it was created (a CHECK constraint since migrations/0009).
        const updatedAt = new Date(Math.max(createdAt.getTime(), ago((n % 4) * DAY).getTime()));
        await addInquiry(database.db, many, { status, version, createdAt, expiresAt, updatedAt });
      }
    }
    const all = await bruteRows();
    const manyIds = new Set(all.filter((r) => r.template_id === many.id).map((r) => r.id));
    const cases: [InquiryListInput, (r: BruteRow) => boolean][] = [
      [{ templateId: many.id, status: [...statuses] }, (r) => manyIds.has(r.id)],
      [{ templateId: many.id, expiry: 'expired' }, (r) => manyIds.has(r.id) && isExpired(r)],
      [{ versionState: 'outdated', expiry: 'expired' }, (r) => r.outdated && isExpired(r)],
      [{ quickView: 'outdated' }, (r) => r.outdated && (isOpen(r) || r.status === 'expired')],
      [{ versionState: 'outdated', expiry: 'live' }, (r) => r.outdated && isOpen(r) && r.expires_at > NOW],
    ];
    for (const [input, keep] of cases) {
      for (const sort of ['createdAt', 'expiresAt', 'updatedAt'] as const) {
        for (const order of ['asc', 'desc'] as const) await expectPagesLikeBruteForce(input, sort, order, keep, 3);
      }
    }
  });
});

describe.each(testEngines())('inquiries.list totals on %s', (engine) => {
  let database: TestDatabase;
  let caller: ReturnType<typeof callerFor>;

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    caller = callerFor(database);
    const template = await addTemplate(database.db, 'KYC', 1);
    const versionId = template.versionIds[0] ?? '';
    // One more than the exact count's cap, and three of another status.
    const rows = (n: number, status: 'created' | 'approved', offset: number) =>
      Array.from({ length: n }, (_, i) => {
        const createdAt = ago((offset + i + 1) * MINUTE);
        return {
          id: `inq_total${(offset + i).toString().padStart(5, '0')}`,
          template_id: template.id,
          version_id: versionId,
          version_number: 1,
          policy_revision_id: template.policyRevisionId,
          reference_id: null,
          fields: JSON.stringify({ 'name-first': 'Ada' }),
          status,
          created_at: createdAt,
          expires_at: ahead(DAY),
          updated_at: createdAt,
        };
      });
    await database.db.insertInto('inquiries').values(rows(TOTAL_EXACT_CAP + 1, 'created', 0)).execute();
    await database.db.insertInto('inquiries').values(rows(3, 'approved', TOTAL_EXACT_CAP + 1)).execute();
    if (engine === 'postgres') await sql`analyze inquiries`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('counts exactly up to the cap, past it answers the planner’s estimate marked as such, on every page', async () => {
    const first = await caller.inquiries.list({ limit: 5 });
    expect(first.items).toHaveLength(5);
    expect(first).toMatchObject({ totalExact: false });
    expect(first.total).toBeGreaterThan(TOTAL_EXACT_CAP);
    const second = await caller.inquiries.list({ limit: 5, cursor: first.nextCursor ?? '' });
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
    expect(second).toMatchObject({ totalExact: false });
    // Under the cap: exact, whether or not the page holds them all.
    expect(await caller.inquiries.list({ status: ['approved'], limit: 2 })).toMatchObject({ total: 3, totalExact: true });
    expect(await caller.inquiries.list({ status: ['approved'], limit: 5 })).toMatchObject({ total: 3, totalExact: true, nextCursor: null });
  });

  it.skipIf(engine !== 'postgres')('on a server database runs the page and the count at once, not one after the other', async () => {
    // Both statements read the inquiries: while they are locked, each waits where it stands.
    const { waiting, answer } = await waitingWhileLocked(database.db, ['inquiries'], () => caller.inquiries.list({ status: ['approved'], limit: 2 }));
    expect(waiting).toBe(2);
    expect(answer).toMatchObject({ total: 3, totalExact: true });
  });
});
