import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { verifyAuditChain } from '../audit/verify.js';
import { loadConfig } from '../config.js';
import { createContextInner } from '../context.js';
import { randomSecret } from '../crypto.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { appRouter } from '../routers/_app.js';
import { createCallerFactory } from '../trpc.js';
import type { BenchResult } from './audit.js';
import { createDeps } from '../providers/index.js';

/**
 * Resume throughput on PostgreSQL: `agents` support agents resume distinct pending inquiries concurrently for
 * `seconds`, each through the real tRPC procedure (validation, permission, idempotency, guards with the row
 * lock, provider, rate-limit rows, audit event in the same transaction). Reports actions/s, p50/p95 latency,
 * and whether the audit chain verifies afterwards. Runs in a scratch database that is dropped after.
 */
export interface ActionsBenchOptions {
  agents?: number;
  seconds?: number;
  inquiries?: number;
  log?: (line: string) => void;
}

export const RESUME_TARGET_PER_SECOND = 500;
export const RESUME_P95_TARGET_MS = 40;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function runActionsBench(databaseUrl: string, options: ActionsBenchOptions = {}): Promise<BenchResult[]> {
  const agents = options.agents ?? 16;
  const seconds = options.seconds ?? 10;
  const inquiryCount = options.inquiries ?? 40_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const name = `inqdesk_bench_actions_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: agents + 4 });
  try {
    await migrate(database);
    const { db } = database;
    log(`actions bench: preparing ${inquiryCount} pending inquiries…`);
    await db.transaction().execute(async (trx) => {
      await sql`insert into templates (id, name, latest_version_id, latest_version_number) values ('itmpl_bench', 'Bench KYC', 'itmplv_bench1', 1)`.execute(trx);
      await sql`insert into template_versions (id, template_id, version_number, published_at) values ('itmplv_bench1', 'itmpl_bench', 1, now() - interval '30 days')`.execute(trx);
    });
    await sql`insert into policy_revisions (template_id, after_create_minutes, after_resume_minutes, one_time_link_minutes) values ('itmpl_bench', 1440, 1440, 60)`.execute(db);
    await sql`insert into inquiries (id, template_id, version_id, version_number, status, created_at, started_at, expires_at, updated_at, fields)
      select 'inq_bench' || g, 'itmpl_bench', 'itmplv_bench1', 1, 'pending', now() - interval '1 hour', now() - interval '50 minutes',
        now() + interval '20 hours', now() - interval '50 minutes', '{}'::jsonb
      from generate_series(1, ${inquiryCount}) g`.execute(db);
    await sql`analyze`.execute(db);

    // Limits high enough that the bench measures the work, not the rate limiter refusing it.
    // A scratch server database: a throwaway signing key (the server itself requires SESSION_TOKEN_SECRET there).
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', STAFF_ACTION_BUDGET: '100000', RESUME_COOLDOWN_MAX: '1000', SESSION_TOKEN_SECRET: randomSecret() });
    const deps = createDeps({ database, config, log: createLogger('silent'), now: () => new Date() });
    const createCaller = createCallerFactory(appRouter);
    const callers = Array.from({ length: agents }, (_, i) =>
      createCaller(
        createContextInner(deps, {
          requestId: `bench-${i}`,
          ip: '127.0.0.1',
          userAgent: 'bench',
          staff: { id: `stf_bench${i}`, email: `agent${i}@bench.test`, displayName: `Agent ${i}`, role: 'support' },
        }),
      ),
    );
    // Warm up: the provider loads its signing secret once.
    await callers[0]?.inquiries.resume({ id: 'inq_bench1', reason: 'Warm-up resume', idempotencyKey: `warm-${randomBytes(6).toString('hex')}` });

    let next = 2;
    const latencies: number[] = [];
    let failures = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      callers.map(async (caller) => {
        while (performance.now() < deadline && next <= inquiryCount) {
          const id = `inq_bench${next++}`;
          const t0 = performance.now();
          try {
            await caller.inquiries.resume({ id, reason: 'End user closed the browser mid-flow', idempotencyKey: `bench-${id}` });
            latencies.push(performance.now() - t0);
          } catch {
            failures++;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const throughput = latencies.length / elapsed;
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    const verification = await verifyAuditChain(db);
    log(`actions bench: ${latencies.length} resumes by ${agents} agents in ${elapsed.toFixed(1)} s, ${failures} failed; chain ${verification.ok ? 'intact' : 'BROKEN'}`);
    return [
      { name: `resume throughput, ${agents} concurrent agents`, value: Math.round(throughput), unit: 'actions/s', target: `≥ ${RESUME_TARGET_PER_SECOND}`, pass: throughput >= RESUME_TARGET_PER_SECOND && failures === 0 },
      { name: 'resume latency p50', value: Number(p50.toFixed(1)), unit: 'ms', target: '—', pass: true },
      { name: 'resume latency p95', value: Number(p95.toFixed(1)), unit: 'ms', target: `≤ ${RESUME_P95_TARGET_MS}`, pass: p95 <= RESUME_P95_TARGET_MS },
      { name: 'audit chain after resumes', value: verification.checked, unit: 'events verified', target: 'intact', pass: verification.ok },
    ];
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const databaseUrl = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL; // empty means unset
  if (!databaseUrl) {
    console.error('Set DATABASE_URL to a PostgreSQL server (the bench creates and drops its own database there).');
    process.exit(2);
  }
  const rows = await runActionsBench(databaseUrl);
  console.table(rows);
  process.exit(rows.every((r) => r.pass) ? 0 : 1);
}
