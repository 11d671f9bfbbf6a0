import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.js';
import { backfillGate, memoryRateGate, rateGateFor, sharedRateGate, type RateGate } from '../../server/providers/persona/rate-gate.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';

/**
 * Persona's rate limit is one budget for every instance on a database (docs/persona.md, "Rate limit"): gates over
 * one database — on PostgreSQL each with its own pool, as separate instances have — never admit more than the limit
 * in a window between them, and a 429 seen by one closes the gate for all.
 */

const WINDOW = Date.UTC(2026, 5, 15, 12, 0, 0);
const at = (ms: number) => new Date(WINDOW + ms);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(testEngines())('the shared rate gate on %s', (engine) => {
  let database: TestDatabase;
  /** The "instances": on PostgreSQL each has its own pool; PGlite belongs to one process. */
  const instances: Database[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    instances.push(database);
    if (engine === 'postgres' && database.url) {
      for (let i = 0; i < 3; i += 1) instances.push(await openDatabase({ databaseUrl: database.url, poolSize: 8 }));
    }
  });
  afterAll(async () => {
    for (const instance of instances.slice(1)) await instance.close();
    await database?.close();
  });

  const gatesFor = (bucket: string, limit: number, count = 8): RateGate[] =>
    Array.from({ length: count }, (_, i) => sharedRateGate((instances[i % instances.length] as Database).db, limit, bucket));

  it('admits no more than the limit in a window across many gates taking at once, then the next window', async () => {
    const gates = gatesFor('concurrent', 25);
    const waits = await Promise.all(Array.from({ length: 120 }, (_, i) => (gates[i % gates.length] as RateGate).take(at(10_000 + (i % 7)))));
    expect(waits.filter((w) => w === 0)).toHaveLength(25);
    // The refused wait for the window's end (a little under 50 s from 10 s into it).
    for (const wait of waits.filter((w) => w > 0)) {
      expect(wait).toBeGreaterThan(49_000);
      expect(wait).toBeLessThanOrEqual(50_000);
    }
    const next = await Promise.all(Array.from({ length: 60 }, (_, i) => (gates[i % gates.length] as RateGate).take(at(60_000 + i))));
    expect(next.filter((w) => w === 0)).toHaveLength(25);
  });

  it('counts a gate whose clock is behind in the newer window, not in a window of its own', async () => {
    const [ahead, behind] = gatesFor('skew', 3, 2) as [RateGate, RateGate];
    expect(await ahead.take(at(60_100))).toBe(0);
    expect(await behind.take(at(59_900))).toBe(0); // still the previous minute by its own clock
    expect(await behind.take(at(59_950))).toBe(0);
    expect(await ahead.take(at(60_200))).toBeGreaterThan(0);
  });

  it('closes for every gate until the reset after a 429, and after RateLimit-Remaining: 0', async () => {
    const [a, b] = gatesFor('closed', 100, 2) as [RateGate, RateGate];
    expect(await b.take(at(5_000))).toBe(0);
    await a.observe({ remaining: null, resetSeconds: 30, limited: true }, at(5_000));
    expect(await b.take(at(6_000))).toBe(29_000);
    expect(await a.take(at(34_999))).toBe(1);
    expect(await b.take(at(35_000))).toBe(0);
    // A later, shorter closing does not shorten an earlier, longer one.
    await b.observe({ remaining: 0, resetSeconds: 20, limited: false }, at(36_000));
    await a.observe({ remaining: 0, resetSeconds: 5, limited: false }, at(37_000));
    expect(await a.take(at(40_000))).toBe(16_000);
    // A 429 without a reset header closes for a second.
    await a.observe({ remaining: null, resetSeconds: null, limited: true }, at(70_000));
    expect(await b.take(at(70_500))).toBe(500);
    // Persona's window is not ours: RateLimit-Remaining: 0 with a 1 s reset closes for that second, not until our minute ends.
    await a.observe({ remaining: 0, resetSeconds: 1, limited: false }, at(125_000));
    expect(await b.take(at(125_500))).toBe(500);
    expect(await b.take(at(126_100))).toBe(0);
  });

  it("leaves a quarter of each window to agents' actions while a backfill takes its share", async () => {
    const [shared, other] = gatesFor('share', 20, 2) as [RateGate, RateGate];
    const gates = engine === 'postgres' ? [shared, other] : [memoryRateGate(20), memoryRateGate(20)];
    const [actions, base] = gates as [RateGate, RateGate];
    const backfill = backfillGate(engine === 'postgres' ? base : actions);
    let admitted = 0;
    for (let i = 0; i < 30; i += 1) if ((await backfill.take(at(200_000 + i))) === 0) admitted += 1;
    expect(admitted).toBe(15);
    const left = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => actions.take(at(200_100 + i))));
    expect(left.filter((w) => w === 0)).toHaveLength(5);
  });

  it('honours RateLimit-Remaining: what Persona counted beyond the row is used up', async () => {
    const [a, b] = gatesFor('remaining', 10, 2) as [RateGate, RateGate];
    expect(await a.take(at(1_000))).toBe(0);
    // Persona says 3 left of 10 (another application on the same environment used some).
    await a.observe({ remaining: 3, resetSeconds: 50, limited: false }, at(1_100));
    const waits = await Promise.all([1, 2, 3, 4, 5].map((i) => b.take(at(1_200 + i))));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    // A remaining that says no more than the row knows changes nothing.
    await a.observe({ remaining: 9, resetSeconds: 50, limited: false }, at(61_000));
    expect(await b.take(at(61_100))).toBe(0);
  });
});

describe('which gate a database gets (rateGateFor)', () => {
  it('PGlite: the in-memory gate, which answers while a transaction holds the one connection — the shared one would wait for it', async () => {
    const database = await createTestDatabase('pglite');
    try {
      const gate = rateGateFor(database, 5);
      expect(rateGateFor(database, 5)).toBe(gate); // one per database: the provider and the backfill share it
      const shared = sharedRateGate(database.db, 5, 'pglite-deadlock');
      const pending: { sharedTake?: Promise<string> } = {};
      await database.db.transaction().execute(async (trx) => {
        await trx.selectFrom('persona_rate_gate').select('bucket').execute();
        // What an action does: its transaction is open, and the client asks the gate before calling Persona.
        expect(await Promise.race([gate.take(at(0)).then(() => 'answered'), sleep(1_000).then(() => 'waiting')])).toBe('answered');
        pending.sharedTake = shared.take(at(0)).then(() => 'answered');
        expect(await Promise.race([pending.sharedTake, sleep(300).then(() => 'waiting')])).toBe('waiting');
      });
      // Only once the transaction ends does the shared gate's statement run.
      expect(await pending.sharedTake).toBe('answered');
    } finally {
      await database.close();
    }
  });

  it.runIf(Boolean(process.env.TEST_DATABASE_URL))('PostgreSQL: the shared gate, counted in the database and answering beside an open transaction', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const gate = rateGateFor(database, 2);
      await database.db.transaction().execute(async (trx) => {
        await trx.selectFrom('persona_rate_gate').select('bucket').forUpdate().execute();
        expect(await gate.take(at(0))).toBe(0);
      });
      expect(await sharedRateGate(database.db, 2).take(at(1))).toBe(0);
      expect(await gate.take(at(2))).toBeGreaterThan(0); // the third in the window, whichever gate asks
    } finally {
      await database.close();
    }
  });

  it('the in-memory gate keeps the same rules (one process)', async () => {
    const gate = memoryRateGate(2);
    expect(await gate.take(at(0))).toBe(0);
    expect(await gate.take(at(1))).toBe(0);
    expect(await gate.take(at(2))).toBe(59_998);
  });

  it('the in-memory gate honours RateLimit-Remaining too: what Persona counted beyond this process is used up', async () => {
    const gate = memoryRateGate(10);
    expect(await gate.take(at(1_000))).toBe(0);
    // Another application on the same Persona environment used six: three are left.
    await gate.observe({ remaining: 3, resetSeconds: 50, limited: false }, at(1_100));
    const waits = [];
    for (let i = 0; i < 5; i += 1) waits.push(await gate.take(at(1_200 + i)));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    // The next window starts afresh; a remaining that says less than this process counted changes nothing.
    expect(await gate.take(at(60_000))).toBe(0);
    await gate.observe({ remaining: 9, resetSeconds: 50, limited: false }, at(60_100));
    const next = [];
    for (let i = 0; i < 10; i += 1) next.push(await gate.take(at(60_200 + i)));
    expect(next.filter((w) => w === 0)).toHaveLength(9);
  });
});
