import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { serialize } from '../../server/transformer.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, callerFor, HOUR } from './fixtures.js';

/** The server's serializer must write exactly what superjson writes, and read back to the same value. */
function expectSameAsSuperjson(value: unknown) {
  expect(JSON.stringify(serialize(value))).toBe(JSON.stringify(superjson.serialize(value)));
  expect(superjson.deserialize(serialize(value))).toEqual(value);
}

class Money {
  constructor(readonly cents: number) {}
}

describe('the tRPC transformer (superjson on the wire, a direct walk for plain data)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes plain data, Dates and undefined exactly as superjson does, without calling superjson', () => {
    const spy = vi.spyOn(superjson, 'serialize');
    const values: unknown[] = [
      {},
      [],
      { a: 1, b: 'two', c: true, d: null, e: 0, f: -1.5, g: '' },
      { when: new Date('2026-11-26T01:02:03.456Z'), nested: { list: [new Date(0), undefined, null, 'x', [new Date(1)]] } },
      { items: [{ id: 'inq_1', createdAt: new Date(5), expiresAt: new Date(6), missing: undefined }], nextCursor: null, total: 3 },
      [undefined, [undefined, { deep: { deeper: [new Date(7)] } }]],
      { 'a-key with spaces': new Date(8), ünïcödé: 'ok', '': new Date(9) },
    ];
    for (const value of values) expectSameAsSuperjson(value);
    expect(spy).toHaveBeenCalledTimes(values.length); // only the comparisons' own calls
  });

  it('hands anything else to superjson, so the answer is still superjson’s', () => {
    const shared = { x: 1 };
    const sharedDate = new Date(10);
    const values: unknown[] = [
      new Date(11), // a root Date
      'just a string',
      42,
      null,
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { n: -0 },
      { n: 10n },
      { d: new Date(Number.NaN) },
      { m: new Map([['k', 1]]) },
      { s: new Set([1, 2]) },
      { re: /x/g },
      { money: new Money(5) },
      { 'dotted.key': new Date(12) },
      { 'back\\slash': 1 },
      { a: shared, b: shared },
      { a: sharedDate, b: [sharedDate] },
      { bare: Object.assign(Object.create(null) as object, { k: 1 }) },
      // eslint-disable-next-line no-sparse-arrays -- a hole is exactly what is being tested
      { holes: [1, , 3] },
    ];
    for (const value of values) {
      expect(JSON.stringify(serialize(value))).toBe(JSON.stringify(superjson.serialize(value)));
    }
  });

  describe('on what procedures return', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('pglite');
      const template = await addTemplate(database.db, 'KYC', 3);
      for (let i = 0; i < 12; i++) {
        await addInquiry(database.db, template, {
          status: i % 3 === 0 ? 'pending' : i % 3 === 1 ? 'expired' : 'approved',
          createdAt: ago((i + 5) * HOUR), // before its expiry (a CHECK constraint since migrations/0009)
          expiresAt: ahead((i - 4) * HOUR),
          version: 1 + (i % 3),
          liveSessions: i % 2,
        });
      }
    });
    afterAll(() => database.close());

    it('serialises a list page, an inquiry and the overview as superjson does, on the direct path', async () => {
      const caller = callerFor(database);
      const list = await caller.inquiries.list({});
      const first = list.items[0];
      expect(first).toBeDefined();
      const detail = await caller.inquiries.get({ id: first?.id ?? '' });
      const overview = await caller.inquiries.overview();
      const spy = vi.spyOn(superjson, 'serialize');
      const direct = [list, detail, overview].map((value) => JSON.stringify(serialize(value)));
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      expect(direct).toEqual([list, detail, overview].map((value) => JSON.stringify(superjson.serialize(value))));
      expect(direct[0]).toContain('"meta":{"values":{"items.0.createdAt":["Date"]');
    });
  });
});
