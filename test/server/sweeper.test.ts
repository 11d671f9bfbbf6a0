import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeExpiresAt, canTransition, DEFAULT_POLICY } from '../../shared/lifecycle.js';
import { sweepExpired } from '../../server/providers/local/sweeper.js';
import { openDatabase } from '../../server/db/index.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { addInquiry, addTemplate, ago, ahead, HOUR, MINUTE, NOW } from './fixtures.js';

describe('local engine rules', () => {
  it('computes expiry from the policy in force for create, start and resume', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(computeExpiresAt(DEFAULT_POLICY, 'create', at).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    // A blank after-start interval means "same as after creation".
    expect(computeExpiresAt(DEFAULT_POLICY, 'start', at).toISOString()).toBe('2026-01-02T00:00:00.000Z');
    const policy = { ...DEFAULT_POLICY, afterStartMinutes: 60, afterResumeMinutes: 30 };
    expect(computeExpiresAt(policy, 'start', at).toISOString()).toBe('2026-01-01T01:00:00.000Z');
    expect(computeExpiresAt(policy, 'resume', at).toISOString()).toBe('2026-01-01T00:30:00.000Z');
  });

  it('allows only the lifecycle transitions Persona allows', () => {
    expect(canTransition('created', 'pending')).toBe(true);
    expect(canTransition('expired', 'pending')).toBe(true);
    expect(canTransition('pending', 'approved')).toBe(false);
    expect(canTransition('approved', 'pending')).toBe(false);
    expect(canTransition('some_future_status', 'pending')).toBe(false);
  });
});

describe.each(testEngines())('expiry sweep on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('expires overdue created and pending inquiries with their sessions, and nothing else', async () => {
    const { db } = database;
    const t = await addTemplate(db, 'KYC', 1);
    const overduePending = await addInquiry(db, t, { status: 'pending', createdAt: ago(30 * HOUR), expiresAt: ago(5 * MINUTE) });
    await db.insertInto('inquiry_sessions').values({ id: 'iqse_sweep1', inquiry_id: overduePending, created_at: ago(29 * HOUR), expires_at: ago(5 * MINUTE) }).execute();
    const overdueCreated = await addInquiry(db, t, { status: 'created', createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) });
    const notYet = await addInquiry(db, t, { status: 'pending', createdAt: ago(HOUR), expiresAt: ahead(MINUTE), liveSessions: 1 });
    const completed = await addInquiry(db, t, { status: 'completed', createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) });

    const result = await sweepExpired(db, NOW);
    expect(result).toMatchObject({ ran: true, inquiriesExpired: 2 });

    const rows = await db.selectFrom('inquiries').select(['id', 'status', 'expired_at', 'updated_at']).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(overduePending)).toMatchObject({ status: 'expired', expired_at: ago(5 * MINUTE), updated_at: NOW });
    expect(byId.get(overdueCreated)?.status).toBe('expired');
    expect(byId.get(notYet)?.status).toBe('pending');
    expect(byId.get(completed)?.status).toBe('completed');
    const session = await db.selectFrom('inquiry_sessions').select('expired_at').where('id', '=', 'iqse_sweep1').executeTakeFirstOrThrow();
    expect(session.expired_at).toEqual(ago(5 * MINUTE));
    const events = await db.selectFrom('inquiry_events').select('kind').where('inquiry_id', '=', overduePending).execute();
    expect(events.map((e) => e.kind)).toContain('expired');

    // A second sweep finds nothing left to do.
    expect(await sweepExpired(db, NOW)).toMatchObject({ ran: true, inquiriesExpired: 0 });
  });

  it.runIf(engine === 'postgres')('does nothing while another instance holds the sweep lock', async () => {
    if (!database.url) throw new Error('postgres url expected');
    const other = await openDatabase({ databaseUrl: database.url, poolSize: 1 });
    try {
      const t = await addTemplate(database.db, 'Locked', 1);
      const overdue = await addInquiry(database.db, t, { status: 'created', createdAt: ago(30 * HOUR), expiresAt: ago(HOUR) });
      await other.db.transaction().execute(async (trx) => {
        await sql`select pg_advisory_xact_lock(7421902)`.execute(trx);
        expect(await sweepExpired(database.db, NOW)).toEqual({ ran: false, inquiriesExpired: 0, sessionsExpired: 0, linksExpired: 0 });
      });
      const row = await database.db.selectFrom('inquiries').select('status').where('id', '=', overdue).executeTakeFirstOrThrow();
      expect(row.status).toBe('created');
      expect(await sweepExpired(database.db, NOW)).toMatchObject({ ran: true, inquiriesExpired: 1 });
    } finally {
      await other.close();
    }
  });
});
