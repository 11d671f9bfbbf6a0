import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalEventBody, chainHash, GENESIS_HASH } from '../../server/audit/canonical.js';
import type { DB } from '../../server/db/schema.js';
import { AppError } from '../../server/errors.js';
import { appendAuditEvent, prepareAuditEvent, verifyAuditChain, type AuditEventInput } from '../../server/services/audit.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';

const event = (n: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  actor: { type: 'staff', id: 'stf_1', display: 'support@demo.test' },
  action: 'inquiry.resumed',
  target: { type: 'inquiry', id: `inq_${n}` },
  reason: `Reason ${n}`,
  metadata: { sessionId: `iqse_${n}`, tokenFingerprint: `fp${n}` },
  request: { ip: '203.0.113.7', userAgent: 'vitest', requestId: `req-${n}` },
  ...extra,
});

async function head(db: Kysely<DB>) {
  return db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
}

async function eventCount(db: Kysely<DB>) {
  const r = await sql<{ n: number }>`select count(*)::int as n from audit_events`.execute(db);
  return r.rows[0]?.n ?? 0;
}

describe.each(testEngines())('audit log on %s', (engine) => {
  let database: TestDatabase;

  /**
   * Runs statements the way an attacker with database superuser rights would: with user triggers off. On
   * PostgreSQL through a separate superuser connection; PGlite has one session, so it is switched and restored.
   */
  async function behindTheTriggersBack(...statements: string[]) {
    if (database.url) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await client.query('set session_replication_role = replica');
        for (const statement of statements) await client.query(statement);
      } finally {
        await client.end();
      }
    } else {
      await sql`set session_replication_role = replica`.execute(database.db);
      try {
        for (const statement of statements) await sql.raw(statement).execute(database.db);
      } finally {
        await sql`reset session_replication_role`.execute(database.db);
      }
    }
  }

  const append = (input: AuditEventInput) => database.db.transaction().execute((trx) => appendAuditEvent(trx, input));

  beforeAll(async () => {
    database = await createTestDatabase(engine);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('starts from the genesis head and verifies an empty chain', async () => {
    expect(await head(database.db)).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 0, headHash: GENESIS_HASH, headSeq: 0, firstBrokenSeq: null });
  });

  it('appends events whose hashes chain in seq order, computed in SQL exactly as the verifier computes them', async () => {
    const input = event(1, { occurredAt: new Date('2026-11-25T09:30:00.123Z') });
    await append(input);
    const first = await head(database.db);
    expect(first).toEqual({ seq: 1, hash: chainHash(GENESIS_HASH, 1, prepareAuditEvent(input).body) });
    await append(event(2));
    const second = await head(database.db);
    expect(second.seq).toBe(2);

    const rows = await database.db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
    expect(rows.map((r) => [r.seq, r.prev_hash, r.hash])).toEqual([
      [1, GENESIS_HASH, first.hash],
      [2, first.hash, second.hash],
    ]);
    expect(rows[0]).toMatchObject({
      occurred_at: new Date('2026-11-25T09:30:00.123Z'),
      actor_type: 'staff',
      action: 'inquiry.resumed',
      target_type: 'inquiry',
      target_id: 'inq_1',
      metadata: { sessionId: 'iqse_1', tokenFingerprint: 'fp1' },
      ip: '203.0.113.7',
      request_id: 'req-1',
    });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 2, headHash: second.hash, headSeq: 2, firstBrokenSeq: null });
  });

  it('chains at commit: events of one transaction take consecutive seqs in call order, and nothing stays staged', async () => {
    const { db } = database;
    const before = await head(db);
    await db.transaction().execute(async (trx) => {
      await appendAuditEvent(trx, event(21, { action: 'link.created' }));
      await appendAuditEvent(trx, event(22, { action: 'link.revoked' }));
      // Not chained yet: the head is untouched (and unlocked) until this transaction commits.
      expect(await head(trx)).toEqual(before);
    });
    const rows = await db.selectFrom('audit_events').select(['seq', 'action']).where('seq', '>', before.seq).orderBy('seq').execute();
    expect(rows).toEqual([
      { seq: before.seq + 1, action: 'link.created' },
      { seq: before.seq + 2, action: 'link.revoked' },
    ]);
    expect(await db.selectFrom('audit_pending').select('id').execute()).toEqual([]);
  });

  it('keeps awkward text and numbers byte-exact through the database', async () => {
    await append(
      event(3, {
        actor: { type: 'system', id: null, display: null },
        target: null,
        reason: 'Ünïcødé 🚀 "quotes" \\ back\nslash\ttab \u001f',
        ticket: '',
        metadata: {
          z: [1e21, 0.1, 5e-324, -1.5, 123456789012345680000, 0],
          é: { 'e\u0301': 'decomposed', Z: null, a: true, '': '' },
          nested: { deeper: { list: [[], {}, 'x'] } },
          when: new Date('2026-01-01T00:00:00Z'),
        },
        request: {},
      }),
    );
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: (await head(database.db)).seq });
  });

  it('commits the event with its action, or neither: a failure after the append rolls both back', async () => {
    const before = await head(database.db);
    const count = await eventCount(database.db);
    await expect(
      database.db.transaction().execute(async (trx) => {
        await appendAuditEvent(trx, event(99));
        throw new AppError('CONFLICT', 'the action failed');
      }),
    ).rejects.toThrow('the action failed');
    expect(await head(database.db)).toEqual(before);
    expect(await eventCount(database.db)).toBe(count);
    expect(await database.db.selectFrom('audit_pending').select('id').execute()).toEqual([]);
    // No gap: the next event takes the seq the rolled-back one had.
    await append(event(4));
    expect((await head(database.db)).seq).toBe(before.seq + 1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: before.seq + 1 });
  });

  it.runIf(engine === 'postgres')('does not hold the chain while an appending transaction is still open', async () => {
    const { db } = database;
    const before = await head(db);
    let releaseSlow!: () => void;
    const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
    let slowAppended!: () => void;
    const slowHasAppended = new Promise<void>((resolve) => (slowAppended = resolve));
    const slow = db.transaction().execute(async (trx) => {
      await appendAuditEvent(trx, event(31, { action: 'test.slow' }));
      slowAppended();
      await slowMayCommit; // e.g. a call to the vendor after the append
    });
    await slowHasAppended;
    // Another writer appends and commits while the first transaction is still open.
    await append(event(32, { action: 'test.fast' }));
    expect(await head(db)).toMatchObject({ seq: before.seq + 1 });
    releaseSlow();
    await slow;
    const rows = await db.selectFrom('audit_events').select(['seq', 'action']).where('seq', '>', before.seq).orderBy('seq').execute();
    expect(rows).toEqual([
      { seq: before.seq + 1, action: 'test.fast' },
      { seq: before.seq + 2, action: 'test.slow' },
    ]);
  });

  it('refuses metadata that carries a secret, and writes nothing', async () => {
    const count = await eventCount(database.db);
    await expect(append(event(5, { metadata: { sessionToken: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' } }))).rejects.toThrow(/metadata\.sessionToken names a secret/);
    await expect(append(event(5, { metadata: { inner: { Cookie: 'sid=1' } } }))).rejects.toThrow(/names a secret/);
    expect(await eventCount(database.db)).toBe(count);
  });

  it('forces a transaction on the caller (type-level)', () => {
    const withoutTransaction = (db: Kysely<DB>) =>
      // @ts-expect-error — appending needs the caller's Transaction<DB>, not the database
      appendAuditEvent(db, event(0));
    expect(typeof withoutTransaction).toBe('function');
  });

  it("refuses UPDATE, DELETE and TRUNCATE of history through the application's own connection", async () => {
    const { db } = database;
    await expect(sql`update audit_events set reason = 'rewritten' where seq = 1`.execute(db)).rejects.toThrow(/audit_events is append-only: UPDATE is not allowed/);
    await expect(sql`delete from audit_events where seq = 1`.execute(db)).rejects.toThrow(/audit_events is append-only: DELETE is not allowed/);
    await expect(sql`delete from audit_events where false`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_events`.execute(db)).rejects.toThrow(/audit_events is append-only: TRUNCATE is not allowed/);
    // Nor can the head be reset, rewound or removed.
    await expect(sql`update audit_chain_head set seq = 0, hash = ${GENESIS_HASH}`.execute(db)).rejects.toThrow(/can only advance by one event/);
    await expect(sql`delete from audit_chain_head`.execute(db)).rejects.toThrow(/audit_chain_head: DELETE is not allowed/);
    await expect(sql`truncate audit_chain_head`.execute(db)).rejects.toThrow(/not allowed/);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
  });

  it('keeps the chain gapless and unforked under 16 concurrent writers', async () => {
    const { db } = database;
    const before = await head(db);
    const writers = 16;
    const perWriter = engine === 'postgres' ? 40 : 15;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i++) {
          const n = 1000 + w * perWriter + i;
          await db.transaction().execute((trx) => appendAuditEvent(trx, event(n, { actor: { type: 'partner', id: `key_${w}`, display: `Writer ${w}` } })));
        }
      }),
    );
    const total = before.seq + writers * perWriter;
    expect(await head(db)).toMatchObject({ seq: total });
    const all = await sql<{ seq: number; request_id: string }>`select seq, request_id from audit_events order by seq`.execute(db);
    expect(all.rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    // Every writer's every event is there exactly once.
    const written = all.rows.filter((r) => Number(r.seq) > before.seq).map((r) => r.request_id).sort();
    expect(written).toEqual(Array.from({ length: writers * perWriter }, (_, i) => `req-${1000 + i}`).sort());
    expect(await verifyAuditChain(db, { batchSize: 37 })).toMatchObject({ ok: true, checked: before.seq + writers * perWriter, firstBrokenSeq: null });
  });

  /** Statements that put an event row back exactly as it is now (delete it if present, re-insert every column). */
  async function restorer(seq: number): Promise<string[]> {
    const r = await sql<{ stmt: string }>`
      select format('insert into audit_events select * from json_populate_record(null::audit_events, %L::json)', row_to_json(e)) as stmt
        from audit_events e where seq = ${seq}`.execute(database.db);
    const insert = r.rows[0]?.stmt;
    if (!insert) throw new Error(`no event ${seq}`);
    return [`delete from audit_events where seq = ${seq}`, insert];
  }

  describe('tamper detection', () => {
    it('finds an edited reason at exactly its seq', async () => {
      const { db } = database;
      const total = (await head(db)).seq;
      const restore = await restorer(7);
      await behindTheTriggersBack(`update audit_events set reason = 'nothing to see here' where seq = 7`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 6, firstBrokenSeq: 7 });
      expect(await verifyAuditChain(db, { batchSize: 3 })).toMatchObject({ ok: false, checked: 6, firstBrokenSeq: 7 });
      await behindTheTriggersBack(...restore);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: total });
    });

    it('finds edited metadata, a timestamp moved by one microsecond, and an event re-hashed to match', async () => {
      const { db } = database;
      const restore9 = await restorer(9);
      await behindTheTriggersBack(`update audit_events set metadata = metadata || '{"tokenFingerprint":"other"}' where seq = 9`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBrokenSeq: 9 });
      await behindTheTriggersBack(...restore9);

      const restore10 = await restorer(10);
      await behindTheTriggersBack(`update audit_events set occurred_at = occurred_at + interval '1 microsecond' where seq = 10`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBrokenSeq: 10 });
      await behindTheTriggersBack(...restore10);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true });

      // Rewriting an event and fixing its own hash still breaks the link from the next one.
      const row = await db.selectFrom('audit_events').selectAll().where('seq', '=', 11).executeTakeFirstOrThrow();
      const forgedHash = chainHash(
        row.prev_hash,
        11,
        canonicalEventBody({
          occurredAt: row.occurred_at,
          actorType: row.actor_type,
          actorId: row.actor_id,
          actorDisplay: row.actor_display,
          action: row.action,
          targetType: row.target_type,
          targetId: row.target_id,
          reason: 'forged',
          ticket: row.ticket,
          metadata: row.metadata,
          ip: row.ip,
          userAgent: row.user_agent,
          requestId: row.request_id,
        }),
      );
      const restore11 = await restorer(11);
      await behindTheTriggersBack(`update audit_events set reason = 'forged', hash = '${forgedHash}' where seq = 11`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 11, firstBrokenSeq: 12 });
      await behindTheTriggersBack(...restore11);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    });

    it('finds a deleted event in the middle, at a batch edge and at the end, at the missing seq', async () => {
      const { db } = database;
      const total = (await head(db)).seq;
      for (const [seq, batchSize] of [
        [13, 20_000],
        [12, 4], // the last row of the batch [9, 13): caught by the batch's row count, not by the next row
        [total, 20_000],
      ] as const) {
        const restore = await restorer(seq);
        await behindTheTriggersBack(restore[0] ?? '');
        expect(await verifyAuditChain(db, { batchSize })).toMatchObject({ ok: false, checked: seq - 1, firstBrokenSeq: seq });
        await behindTheTriggersBack(...restore);
        expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: total });
      }
    });

    it('finds an event forged beyond the head, and a head that no longer names the last event', async () => {
      const { db } = database;
      const h = await head(db);
      await behindTheTriggersBack(
        `insert into audit_events (seq, occurred_at, actor_type, action, prev_hash, hash)
         values (${h.seq + 1}, now(), 'system', 'audit.forged', '${h.hash}', '${'f'.repeat(64)}')`,
      );
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: h.seq, firstBrokenSeq: h.seq + 1 });
      await behindTheTriggersBack(`delete from audit_events where seq = ${h.seq + 1}`);

      await behindTheTriggersBack(`update audit_chain_head set hash = '${'e'.repeat(64)}'`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBrokenSeq: h.seq, headHash: 'e'.repeat(64) });
      await behindTheTriggersBack(`update audit_chain_head set hash = '${h.hash}'`);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: h.seq, headHash: h.hash, headSeq: h.seq, firstBrokenSeq: null });
    });

    // npm run audit:verify on PostgreSQL: seq ranges checked by worker threads reading COPY's text format.
    it.runIf(engine === 'postgres')('verifies in worker threads exactly as on one thread: escapes, breaks inside and between ranges', async () => {
      const { db } = database;
      const url = database.url ?? '';
      const parallel = { databaseUrl: url, workers: 3, minEventsForWorkers: 0 };
      // Text that COPY escapes (tab, newline, CR, backslash, \b \f \v), non-ASCII, nulls and nested metadata.
      const awkward = 'tab\there\nnew line\r\\back\\slash \b\f\v é 😀 \\N';
      await db.transaction().execute(async (trx) => {
        for (let n = 800; n < 830; n++) await appendAuditEvent(trx, event(n));
        await appendAuditEvent(trx, event(900, { reason: awkward, ticket: null, metadata: { note: awkward, nested: { list: [1, 'two\tthree', null] } } }));
        await appendAuditEvent(trx, { actor: { type: 'system', id: null, display: null }, action: 'audit.escaped', target: null, reason: null, metadata: {}, request: { ip: null, userAgent: null, requestId: null } });
      });
      const h = await head(db);
      expect(await verifyAuditChain(db, parallel)).toEqual({ ok: true, checked: h.seq, headHash: h.hash, headSeq: h.seq, firstBrokenSeq: null });

      const size = Math.ceil(h.seq / 3); // ranges [1, size], [size + 1, 2 size], …
      const cases: { seq: number; tamper: string; broken: number }[] = [
        { seq: 5, tamper: `update audit_events set reason = 'edited' where seq = 5`, broken: 5 },
        { seq: h.seq - 1, tamper: `update audit_events set reason = reason || '!' where seq = ${h.seq - 1}`, broken: h.seq - 1 },
        { seq: size, tamper: `delete from audit_events where seq = ${size}`, broken: size }, // last of a range
        { seq: size + 1, tamper: `delete from audit_events where seq = ${size + 1}`, broken: size + 1 }, // first of the next
        { seq: size + 1, tamper: `update audit_events set prev_hash = '${'a'.repeat(64)}' where seq = ${size + 1}`, broken: size + 1 },
      ];
      for (const { seq, tamper, broken } of cases) {
        const restore = await restorer(seq);
        await behindTheTriggersBack(tamper);
        expect(await verifyAuditChain(db, parallel)).toMatchObject({ ok: false, checked: broken - 1, firstBrokenSeq: broken });
        expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: broken - 1, firstBrokenSeq: broken });
        await behindTheTriggersBack(...restore);
      }

      // An event re-hashed to match itself, as the last of a range: only the link from the next range catches it.
      const row = await db.selectFrom('audit_events').selectAll().where('seq', '=', size).executeTakeFirstOrThrow();
      const forged = chainHash(row.prev_hash, size, canonicalEventBody({
        occurredAt: row.occurred_at, actorType: row.actor_type, actorId: row.actor_id, actorDisplay: row.actor_display,
        action: row.action, targetType: row.target_type, targetId: row.target_id, reason: 'forged', ticket: row.ticket,
        metadata: row.metadata, ip: row.ip, userAgent: row.user_agent, requestId: row.request_id,
      }));
      const restore = await restorer(size);
      await behindTheTriggersBack(`update audit_events set reason = 'forged', hash = '${forged}' where seq = ${size}`);
      expect(await verifyAuditChain(db, parallel)).toMatchObject({ ok: false, checked: size, firstBrokenSeq: size + 1 });
      await behindTheTriggersBack(...restore);
      expect(await verifyAuditChain(db, parallel)).toEqual({ ok: true, checked: h.seq, headHash: h.hash, headSeq: h.seq, firstBrokenSeq: null });
    });
  });
});
