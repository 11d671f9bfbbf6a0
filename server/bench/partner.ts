import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import pg from 'pg';
import { createApp } from '../app.js';
import { verifyAuditChain } from '../audit/verify.js';
import { loadConfig } from '../config.js';
import { createContextInner } from '../context.js';
import { randomSecret } from '../crypto.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { createDeps } from '../providers/index.js';
import { appRouter } from '../routers/_app.js';
import { createCallerFactory } from '../trpc.js';
import type { BenchResult } from './audit.js';
import { latency } from './report.js';

/**
 * Partner resumes on PostgreSQL: `clients` partner backends call `POST /api/v1/inquiries/{id}/resume` over HTTP on
 * the real app, concurrently, each on its own inquiries, with one customer key (so every call also counts in the
 * same per-key rate window row and usage row: the hot rows a busy partner makes). Beside it, in the same run and
 * database, the console's own resume (tRPC caller, no HTTP) by as many agents: the baseline that tells what the
 * partner path adds. Reports throughput, p50/p95 and whether the audit chain verifies afterwards.
 */
export interface PartnerBenchOptions {
  clients?: number;
  seconds?: number;
  log?: (line: string) => void;
}

const PER_RUN = 30_000;

export async function runPartnerBench(databaseUrl: string, options: PartnerBenchOptions = {}): Promise<BenchResult[]> {
  const clients = options.clients ?? 16;
  const seconds = options.seconds ?? 10;
  const log = options.log ?? ((line: string) => console.log(line));
  const name = `inqdesk_bench_partner_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: clients + 4 });
  const server = createServer();
  try {
    await migrate(database);
    const { db } = database;
    log(`partner bench: preparing ${2 * PER_RUN} pending inquiries of one customer…`);
    await db.transaction().execute(async (trx) => {
      await sql`insert into customers (id, name) values ('cust_bench', 'Bench Partner')`.execute(trx);
      await sql`insert into templates (id, name, latest_version_id, latest_version_number) values ('itmpl_bench', 'Bench KYC', 'itmplv_bench1', 1)`.execute(trx);
      await sql`insert into template_versions (id, template_id, version_number, published_at) values ('itmplv_bench1', 'itmpl_bench', 1, now() - interval '30 days')`.execute(trx);
      await sql`insert into staff (id, email, display_name, role) values ('stf_benchadmin', 'admin@bench.test', 'Bench admin', 'admin')`.execute(trx);
    });
    await sql`insert into policy_revisions (template_id, after_create_minutes, after_resume_minutes, one_time_link_minutes) values ('itmpl_bench', 1440, 1440, 60)`.execute(db);
    await sql`insert into inquiries (id, template_id, version_id, version_number, status, customer_id, created_at, started_at, expires_at, updated_at, fields)
      select 'inq_bench' || g, 'itmpl_bench', 'itmplv_bench1', 1, 'pending', 'cust_bench', now() - interval '1 hour', now() - interval '50 minutes',
        now() + interval '20 hours', now() - interval '50 minutes', '{}'::jsonb
      from generate_series(1, ${2 * PER_RUN}) g`.execute(db);
    await sql`analyze`.execute(db);

    // A scratch server database: a throwaway signing key (the server itself requires SESSION_TOKEN_SECRET there).
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', STAFF_ACTION_BUDGET: '100000', RESUME_COOLDOWN_MAX: '1000', SESSION_TOKEN_SECRET: randomSecret() });
    const deps = createDeps({ database, config, log: createLogger('silent'), now: () => new Date() });
    await deps.provider.ready();
    const caller = (i: number, role: 'admin' | 'support') =>
      createCallerFactory(appRouter)(
        createContextInner(deps, {
          requestId: `bench-${i}`,
          ip: '127.0.0.1',
          userAgent: 'bench',
          staff: { id: role === 'admin' ? 'stf_benchadmin' : `stf_bench${i}`, email: `agent${i}@bench.test`, displayName: `Agent ${i}`, role },
        }),
      );
    const key = await caller(0, 'admin').apiKeys.create({ customerId: 'cust_bench', name: 'bench', rateLimitPerMinute: 100_000, reason: 'Partner API benchmark' });

    server.on('request', createApp(deps, { serveClient: false }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    /** `workers` loops taking inquiries from [first, first + PER_RUN) until the deadline; latencies of the successes. */
    const run = async (first: number, call: (worker: number, id: string) => Promise<void>) => {
      let next = first;
      const samples: number[] = [];
      let failures = 0;
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async (_, worker) => {
          while (performance.now() < deadline && next < first + PER_RUN) {
            const id = `inq_bench${next++}`;
            const t0 = performance.now();
            try {
              await call(worker, id);
              samples.push(performance.now() - t0);
            } catch {
              failures++;
            }
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      return { perSecond: samples.length / elapsed, latency: latency(samples), failures, count: samples.length };
    };

    const partnerResume = async (_worker: number, id: string) => {
      const res = await fetch(`${base}/api/v1/inquiries/${id}/resume`, { method: 'POST', headers: { authorization: `Bearer ${key.secret}` } });
      const body = (await res.json()) as { meta?: { 'session-token'?: string } };
      if (res.status !== 200 || !body.meta?.['session-token']) throw new Error(`status ${res.status}`);
    };
    const agents = Array.from({ length: clients }, (_, i) => caller(i, 'support'));
    const consoleResume = async (worker: number, id: string) => {
      await agents[worker]?.inquiries.resume({ id, reason: 'End user closed the browser mid-flow', idempotencyKey: `bench-${id}` });
    };

    await partnerResume(0, `inq_bench${2 * PER_RUN}`); // warm-up: connections, prepared statements
    const partner = await run(1, partnerResume);
    const baseline = await run(PER_RUN + 1, consoleResume);
    const verification = await verifyAuditChain(db);
    log(
      `partner bench: ${partner.count} partner resumes (${partner.failures} failed) and ${baseline.count} console resumes by ${clients} clients each; chain ${verification.ok ? 'intact' : 'BROKEN'}`,
    );
    const ratio = baseline.perSecond > 0 ? partner.perSecond / baseline.perSecond : 0;
    return [
      { name: `partner resumes over HTTP, ${clients} concurrent clients, one key`, value: Math.round(partner.perSecond), unit: 'resumes/s', target: 'no failures', pass: partner.failures === 0 },
      { name: 'partner resume latency p50', value: Number(partner.latency.p50.toFixed(1)), unit: 'ms', target: '—', pass: true },
      { name: 'partner resume latency p95', value: Number(partner.latency.p95.toFixed(1)), unit: 'ms', target: '—', pass: true },
      { name: `baseline, same run: console resumes in-process, ${clients} agents`, value: Math.round(baseline.perSecond), unit: 'resumes/s', target: '—', pass: baseline.failures === 0 },
      { name: 'baseline console resume latency p95', value: Number(baseline.latency.p95.toFixed(1)), unit: 'ms', target: '—', pass: true },
      { name: 'partner throughput / console baseline', value: Number(ratio.toFixed(2)), unit: '×', target: '—', pass: true },
      { name: 'audit chain after both runs', value: verification.checked, unit: 'events verified', target: 'intact', pass: verification.ok },
    ];
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
