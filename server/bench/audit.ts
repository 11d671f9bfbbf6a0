import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { chainHash } from '../audit/canonical.js';
import { verifyAuditChain } from '../audit/verify.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { appendAuditEvent, prepareAuditEvent, type AuditEventInput } from '../services/audit.js';

/**
 * Audit-log benchmark on PostgreSQL, in a scratch database created on `databaseUrl`'s server and dropped after:
 *   1. append throughput: `writers` concurrent writers, each appending one event per transaction (the way an
 *      audited action does) for `appendSeconds`;
 *   2. verification speed: the chain is topped up to `verifyEvents` events and verified end to end.
 * The URL's user must be allowed to create databases; to top the chain up quickly the bench writes precomputed,
 * valid events directly and moves the head with triggers off, which needs superuser (it falls back to appending).
 */
export interface AuditBenchOptions {
  writers?: number;
  appendSeconds?: number;
  verifyEvents?: number;
  batchSize?: number;
  log?: (line: string) => void;
}

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
}

export const APPEND_TARGET_PER_SECOND = 1_500;
export const VERIFY_TARGET_PER_SECOND = 200_000;

function sampleEvent(n: number, writer: number): AuditEventInput {
  return {
    actor: { type: 'staff', id: `stf_${writer.toString().padStart(4, '0')}`, display: `agent${writer}@demo.test` },
    action: 'inquiry.resumed',
    target: { type: 'inquiry', id: `inq_${n.toString(36).padStart(10, '0')}` },
    reason: 'End user closed the browser mid-flow; ticket attached',
    ticket: `SUP-${10_000 + n}`,
    metadata: {
      sessionId: `iqse_${n.toString(36).padStart(10, '0')}`,
      tokenFingerprint: `sha256:${(n * 2654435761).toString(16).padStart(16, '0')}`,
      expiresAt: '2026-11-26T09:30:00.000Z',
      acknowledgedExpired: n % 3 === 0,
    },
    request: {
      ip: `203.0.113.${n % 250}`,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      requestId: `req-${writer}-${n}`,
    },
  };
}

async function measureAppends(database: Database, writers: number, seconds: number): Promise<{ events: number; perSecond: number; p95Ms: number }> {
  const { db } = database;
  const deadline = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  const started = performance.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      while (performance.now() < deadline) {
        const input = sampleEvent(n++, writer);
        const t0 = performance.now();
        await db.transaction().execute((trx) => appendAuditEvent(trx, input));
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { events: latencies.length, perSecond: latencies.length / elapsed, p95Ms: latencies[Math.floor(latencies.length * 0.95)] ?? 0 };
}

/** Extends the chain to `total` events quickly: valid events, hashed in Node, inserted 2,000 per statement. */
export async function topUpChain(database: Database, adminCapable: pg.Client, total: number): Promise<void> {
  const { db } = database;
  const head = await db.selectFrom('audit_chain_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
  let seq = Number(head.seq);
  let prev = head.hash;
  let prevOfLast = head.hash;
  const base = Date.UTC(2026, 10, 25);
  while (seq < total) {
    const columns: unknown[][] = [];
    for (let i = 0; i < 2_000 && seq < total; i++) {
      seq++;
      const { event, body, metadataJson } = prepareAuditEvent({ ...sampleEvent(seq, seq % 16), occurredAt: new Date(base + seq) });
      const hash = chainHash(prev, seq, body);
      columns.push([seq, event.occurredAt.toISOString(), event.actorType, event.actorId, event.actorDisplay, event.action, event.targetType, event.targetId, event.reason, event.ticket, metadataJson, event.ip, event.userAgent, event.requestId, prev, hash]);
      prevOfLast = prev;
      prev = hash;
    }
    // One array parameter per column keeps the statement small however many rows it carries.
    const byColumn = columns[0]?.map((_, c) => columns.map((row) => row[c])) ?? [];
    await adminCapable.query(
      `insert into audit_events (seq, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id,
         reason, ticket, metadata, ip, user_agent, request_id, prev_hash, hash)
       select * from unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
         $9::text[], $10::text[], $11::jsonb[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])`,
      byColumn,
    );
  }
  // The head may only advance one event at a time through its trigger; a bulk load moves it with triggers off.
  await adminCapable.query('begin');
  await adminCapable.query('set local session_replication_role = replica');
  await adminCapable.query('update audit_chain_head set seq = $1, hash = $2, prev_hash = $3 where id = 1', [seq, prev, prevOfLast]);
  await adminCapable.query('commit');
}

async function commitLatencyMs(client: pg.Client): Promise<number> {
  await client.query('create table bench_commit (x int)');
  const rounds = 100;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await client.query('insert into bench_commit values (1)');
  const ms = (performance.now() - started) / rounds;
  await client.query('drop table bench_commit');
  return ms;
}

export async function runAuditBench(databaseUrl: string, options: AuditBenchOptions = {}): Promise<BenchResult[]> {
  const writers = options.writers ?? 16;
  const appendSeconds = options.appendSeconds ?? 8;
  const verifyEvents = options.verifyEvents ?? 500_000;
  const log = options.log ?? (() => undefined);

  const name = `inqdesk_bench_audit_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: writers + 4 });
  const direct = new pg.Client({ connectionString: url.toString() });
  try {
    await migrate(database);
    await direct.connect();

    // The floor under any design that holds a lock across COMMIT: one writer's commit latency (a WAL flush).
    const commitMs = await commitLatencyMs(direct);
    log(`one-writer commit latency ${commitMs.toFixed(2)} ms (serialised-commit ceiling ~${Math.round(1000 / commitMs)}/s); load ${os.loadavg()[0]?.toFixed(1)}`);

    // Warm up connections, plans and the JIT before measuring.
    await measureAppends(database, writers, 1);
    log(`appending with ${writers} concurrent writers for ${appendSeconds} s…`);
    const appends = await measureAppends(database, writers, appendSeconds);
    log(`  ${appends.events} events, ${Math.round(appends.perSecond)}/s, p95 ${appends.p95Ms.toFixed(1)} ms per transaction`);

    const head = await database.db.selectFrom('audit_chain_head').select('seq').executeTakeFirstOrThrow();
    if (Number(head.seq) < verifyEvents) {
      log(`topping the chain up to ${verifyEvents} events…`);
      await topUpChain(database, direct, verifyEvents);
    }
    await sql`vacuum analyze audit_events`.execute(database.db);
    // As `npm run audit:verify` runs it: ranges checked by worker threads, each on its own connection.
    const parallelOptions = { databaseUrl: url.toString(), ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }) };
    await verifyAuditChain(database.db, parallelOptions).catch(() => undefined); // warm caches
    const timed = async (verifyOptions: Parameters<typeof verifyAuditChain>[1]) => {
      const started = performance.now();
      const verification = await verifyAuditChain(database.db, verifyOptions);
      const seconds = (performance.now() - started) / 1000;
      if (!verification.ok) throw new Error(`bench chain did not verify: broken at ${verification.firstBrokenSeq}`);
      return { checked: verification.checked, seconds, rate: verification.checked / seconds };
    };
    const parallel = await timed(parallelOptions);
    log(`  verified ${parallel.checked} events in ${parallel.seconds.toFixed(2)} s (${os.availableParallelism()} worker threads)`);
    const single = await timed(options.batchSize === undefined ? {} : { batchSize: options.batchSize });
    log(`  verified ${single.checked} events in ${single.seconds.toFixed(2)} s (one thread, batched queries)`);

    return [
      {
        name: `audit append, ${writers} concurrent writers (PostgreSQL)`,
        value: Math.round(appends.perSecond),
        unit: 'events/s',
        target: `>= ${APPEND_TARGET_PER_SECOND}`,
        pass: appends.perSecond >= APPEND_TARGET_PER_SECOND,
      },
      {
        name: `audit append latency p95, ${writers} writers`,
        value: Number(appends.p95Ms.toFixed(1)),
        unit: 'ms',
        target: 'informational',
        pass: true,
      },
      {
        name: 'PostgreSQL commit latency, one writer (WAL flush)',
        value: Number(commitMs.toFixed(2)),
        unit: 'ms',
        target: 'informational',
        pass: true,
      },
      {
        name: `audit verify (${parallel.checked} events, ${os.availableParallelism()} worker threads)`,
        value: Math.round(parallel.rate),
        unit: 'events/s',
        target: `>= ${VERIFY_TARGET_PER_SECOND}`,
        pass: parallel.rate >= VERIFY_TARGET_PER_SECOND,
      },
      {
        name: 'audit verify, one thread (PGlite and short chains)',
        value: Math.round(single.rate),
        unit: 'events/s',
        target: 'informational',
        pass: true,
      },
    ];
  } finally {
    await direct.end().catch(() => undefined);
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

// Standalone: `npx tsx server/bench/audit.ts [admin database url]`; default DATABASE_URL, else the local server.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const url = process.argv[2] ?? loadConfig().databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const results = await runAuditBench(url, { log: (line) => console.log(line) });
  console.table(results.map((r) => ({ metric: r.name, value: r.value, unit: r.unit, target: r.target, result: r.pass ? 'PASS' : 'FAIL' })));
  if (results.some((r) => !r.pass)) process.exitCode = 1;
}
