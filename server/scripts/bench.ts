import { fork } from 'node:child_process';
import { build } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { CompiledQuery, sql } from 'kysely';
import { ensureDemoStaff } from '../auth/bootstrap.js';
import { projectPath } from '../paths.js';
import { runActionsBench } from '../bench/actions.js';
import { runAuditBench } from '../bench/audit.js';
import { runAccessReportBench } from '../bench/access-report.js';
import { runAuditListBench } from '../bench/audit-list.js';
import { runExportBench } from '../bench/export.js';
import { runPartnerBench } from '../bench/partner.js';
import { runTemplatesBench } from '../bench/templates.js';
import { BenchHttpClient } from '../bench/http-client.js';
import { matrixRows, runListMatrix, summarize } from '../bench/list-matrix.js';
import { listRows, listViews, runListBench, worldFacts, type ViewResult } from '../bench/list-views.js';
import { allPass, latency, markdownTable, printTable, rowFromResult, type BenchRow } from '../bench/report.js';
import { exitOnConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../logger.js';
import { UsageError, parseCount, runSeed } from '../seed/cli.js';
import { createDeps } from '../providers/index.js';
import { SERVER_NODE_FLAGS } from '../../scripts/server-flags.mjs';

/** server/bench/list-server.ts compiled like the production server (esbuild, packages left to node_modules). */
async function compileListServer(): Promise<string> {
  const outfile = projectPath('.bench', 'list-server.mjs');
  await build({
    entryPoints: [projectPath('server', 'bench', 'list-server.ts')],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * `npm run bench -- [--rows N] [--requests N] [--sections list,matrix,audit,export,auditlist,accessreport,actions,partner,templates] [--json FILE] [--markdown FILE]`
 *
 * Needs DATABASE_URL: a scratch PostgreSQL database. With fewer than --rows inquiries it is emptied and seeded
 * (npm run seed --reset). The list section runs the real app in a child process of its own (server/bench/list-server.ts)
 * on an ephemeral port, signed in as the demo viewer, and reports that process's peak RSS; it also times a fixed
 * calibration workload in the same run (a single-row primary-key select), and every list figure as a ratio to it.
 * Other sections bring their own scratch databases.
 */

const USAGE = `Usage: DATABASE_URL=postgres://… npm run bench -- [--rows N] [--requests N] [--sections list,matrix,audit,export,auditlist,accessreport,actions,partner,templates] [--views V] [--json FILE] [--markdown FILE]

  --rows N        inquiries the list section needs (default 1,000,000); a database with fewer is reset and seeded
  --requests N    timed requests per list view, over HTTP and as SQL each (default 200)
  --sections S    which sections to run, comma-separated (default: all); matrix runs every filter × sort of
                  inquiries.list through the service on the list section's world (server/bench/list-matrix.ts)
  --views V       only the list views whose names contain one of these comma-separated words
  --json FILE     write every measurement, plan and the machine's details as JSON
  --markdown FILE write the tables and plans as Markdown (between bench markers, if FILE already has them)`;

const RSS_TARGET_MB = 200;
const CALIBRATION_SELECTS = 2_000;
const MARK_START = '<!-- bench:start -->';
const MARK_END = '<!-- bench:end -->';

type Section = 'list' | 'matrix' | 'audit' | 'export' | 'auditlist' | 'accessreport' | 'actions' | 'partner' | 'templates';
const SECTIONS: readonly Section[] = ['list', 'matrix', 'audit', 'export', 'auditlist', 'accessreport', 'actions', 'partner', 'templates'];

function parse() {
  const { values } = parseArgs({
    strict: true,
    options: {
      rows: { type: 'string' },
      requests: { type: 'string' },
      sections: { type: 'string' },
      views: { type: 'string' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const sections = (values.sections ?? SECTIONS.join(',')).split(',').map((s) => s.trim());
  const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--sections: unknown ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})`);
  return {
    help: values.help,
    rows: values.rows === undefined ? 1_000_000 : parseCount('rows', values.rows, { min: 1000, max: 10_000_000 }),
    requests: values.requests === undefined ? 200 : parseCount('requests', values.requests, { min: 1, max: 100_000 }),
    seed: values.seed === undefined ? 1 : parseCount('seed', values.seed, { max: 2 ** 31 - 1 }),
    sections: sections as Section[],
    views: values.views?.split(',').map((v) => v.trim().toLowerCase()).filter(Boolean) ?? null,
    json: values.json ?? null,
    markdown: values.markdown ?? null,
  };
}

let args: ReturnType<typeof parse>;
try {
  args = parse();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
exitOnConfigError();
const config = loadConfig();
const databaseUrl = config.databaseUrl;
if (!databaseUrl) {
  process.stderr.write(
    'npm run bench needs DATABASE_URL: a PostgreSQL database it may empty and reseed, e.g.\n' +
      '  createdb -h 127.0.0.1 -U postgres inqdesk_bench\n' +
      '  DATABASE_URL=postgres://postgres@127.0.0.1:5432/inqdesk_bench npm run bench\n',
  );
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const rows: BenchRow[] = [];
let postgresVersion = '?';
const report: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? null, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  args,
};
const listResults: ViewResult[] = [];
let listDone = false;
let calibrationMs: number | null = null;

// Stopped midway (Ctrl-C, a timeout): report the views measured so far rather than nothing.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: reporting the ${listResults.length} views measured so far.`);
    if (!listDone) rows.push(...listRows(listResults, calibrationMs));
    finish(true);
    process.exit(130);
  });
}

function finish(partial: boolean): void {
  process.stdout.write('\n');
  printTable(rows);
  report.loadAfter = os.loadavg();
  report.partial = partial;
  if (args.json) {
    fs.writeFileSync(
      args.json,
      `${JSON.stringify({ ...report, rows, views: listResults.map((r) => ({ ...r, view: { ...r.view, input: r.view.input } })) }, null, 2)}\n`,
    );
    log(`Wrote ${args.json}`);
  }
  if (args.markdown) {
    const plans = listResults
      .filter((r) => r.plan)
      .map((r) => `<details><summary>${r.view.name}: ${r.plan?.scans.join(', ')}</summary>\n\n\`\`\`\n${r.plan?.text}\n\`\`\`\n</details>`)
      .join('\n');
    const generated = [
      MARK_START,
      `Measured ${String(report.date)} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, PostgreSQL ${postgresVersion}, Node ${process.version};` +
        ` ${args.requests} requests per view; load average after the run ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}.` +
        (typeof report.seedSeconds === 'number' ? ` Seeding took ${report.seedSeconds.toFixed(1)} s.` : ''),
      '',
      markdownTable(rows),
      '',
      '#### Which index each view walks (EXPLAIN ANALYZE of the page query, then the count)',
      '',
      plans,
      MARK_END,
    ].join('\n');
    const previous = fs.existsSync(args.markdown) ? fs.readFileSync(args.markdown, 'utf8') : '';
    const start = previous.indexOf(MARK_START);
    const end = previous.indexOf(MARK_END);
    const next = start >= 0 && end > start ? `${previous.slice(0, start)}${generated}${previous.slice(end + MARK_END.length)}` : `${previous}${previous ? '\n' : ''}${generated}\n`;
    fs.writeFileSync(args.markdown, next);
    log(`Wrote ${args.markdown}`);
  }
}

if (args.sections.includes('list')) {
  const database = await openDatabase({ databaseUrl, poolSize: 10 });
  try {
    await migrate(database);
    const { db } = database;
    const version = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
    postgresVersion = version.rows[0]?.v ?? '?';
    report.postgres = postgresVersion;

    const count = await sql<{ n: number }>`select count(*)::int8 as n from inquiries`.execute(db);
    const have = Number(count.rows[0]?.n ?? 0);
    if (have < args.rows) {
      log(`The database has ${have.toLocaleString('en-US')} inquiries; resetting it and seeding ${args.rows.toLocaleString('en-US')}…`);
      const run = await runSeed(database, { inquiries: args.rows, seed: args.seed, reset: true }, { onStep: (step, ms) => ms >= 2000 && log(`  ${step} ${(ms / 1000).toFixed(1)} s`) });
      log(`Seeded in ${(run.elapsedMs / 1000).toFixed(1)} s.`);
      report.seedSeconds = run.elapsedMs / 1000;
      report.seedSummary = run.summary;
    } else {
      log(`Using the ${have.toLocaleString('en-US')} inquiries already in the database.`);
    }

    const facts = await worldFacts(db);
    report.worldNow = facts.now.toISOString();
    // Signed in as the least-privileged demo account, as a support viewer would be.
    const password = config.demoPassword ?? 'bench-demo-password';
    await ensureDemoStaff(db, password, facts.now);

    // The bench's own deps: the SQL side (each request's statements, replayed) runs here, the server in its child.
    const deps = createDeps({ database, config, log: createLogger('silent'), now: () => facts.now });
    const calibration = await calibrate(database.db);
    // Compiled and with the Node flags `npm start` runs the server with (scripts/build-server.mjs, scripts/server-flags.mjs):
    // no TypeScript loader in the measured process.
    const serverFile = await compileListServer();
    const child = fork(serverFile, [], {
      execArgv: [...SERVER_NODE_FLAGS],
      env: { ...process.env, BENCH_WORLD_NOW: facts.now.toISOString() },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message) => resolve((message as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`the bench server (server/bench/list-server.ts) exited with ${String(code)}`)));
    });
    const client = new BenchHttpClient(`http://127.0.0.1:${port}`);
    const rssAtStart = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${String(child.pid)}/status`, 'utf8'))?.[1];
    report.serverRssAtStartMb = Number(rssAtStart ?? NaN) / 1024;
    log(`The app server runs in process ${String(child.pid)} (RSS at start ${Math.round(Number(report.serverRssAtStartMb))} MB).`);
    try {
      await client.signIn('viewer@demo.test', password, new URL(config.publicUrl).origin).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n(If the demo accounts already exist with another password, set DEMO_PASSWORD to it.)`);
      });
      log(`inquiries.list: ${args.requests} requests per view over HTTP and as SQL, world clock ${facts.now.toISOString()}, load ${os.loadavg()[0]?.toFixed(1)}`);
      const views = listViews(facts).filter((v) => !args.views || args.views.some((part) => v.name.toLowerCase().includes(part)));
      await runListBench({ client, deps, requests: args.requests, log, onView: (result) => listResults.push(result) }, views);
      // Calibrated before and after the views; the median of both halves is the run's unit.
      calibration.push(...(await calibrate(database.db)));
      calibrationMs = latency(calibration).p50;
      report.calibration = { statement: 'select … from inquiries where id = $1 (one row, primary key)', p50Ms: calibrationMs, samples: calibration.length };
      rows.push({
        section: 'calibration',
        name: `single-row primary-key select, ${calibration.length} times (the unit of the ×cal columns)`,
        cells: { 'p50 ms': calibrationMs },
        checks: [],
      });
      rows.push(...listRows(listResults, calibrationMs));
      // The floor under every answer: what the server costs for a signed-in procedure that reads nothing but the
      // session (auth.me), and for a request that reaches no procedure at all (/healthz), in the same run.
      const floor = async (path: string) => {
        const samples: number[] = [];
        for (let i = 0; i < args.requests; i++) {
          const t0 = performance.now();
          const answer = await client.request('GET', path);
          samples.push(performance.now() - t0);
          if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
        }
        return latency(samples);
      };
      for (const [name, path] of [
        ['GET /healthz (Express, no procedure)', '/healthz'],
        ['auth.me over HTTP (the session lookup, tRPC, superjson)', BenchHttpClient.queryPath('auth.me', undefined)],
      ] as const) {
        const measured = await floor(path);
        report.requestFloor = { ...(report.requestFloor as Record<string, unknown> | undefined), [name]: measured };
        rows.push({
          section: 'request floor',
          name,
          cells: { 'p50 ms': measured.p50, 'p95 ms': measured.p95, 'p50 ×cal': Number((measured.p50 / calibrationMs).toFixed(1)) },
          checks: [],
        });
      }
      listDone = true;
      // VmHWM: the server process's peak resident set over its whole life (Linux).
      const status = fs.readFileSync(`/proc/${String(child.pid)}/status`, 'utf8');
      const peakMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
      report.serverPeakRssMb = peakMb;
      rows.push({
        section: 'process',
        name: 'peak RSS of the app server process (VmHWM; its own process, the bench client not included)',
        cells: { MB: Math.round(peakMb) },
        checks: [{ target: `≤ ${RSS_TARGET_MB} MB`, pass: peakMb <= RSS_TARGET_MB }],
      });
    } finally {
      client.close();
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await database.close();
  }
}

/** The calibration workload: single-row primary-key selects of known ids, each timed (ms). */
async function calibrate(db: Parameters<typeof worldFacts>[0]): Promise<number[]> {
  const ids = await sql<{ id: string }>`select id from inquiries order by id limit 500`.execute(db);
  const samples: number[] = [];
  for (let i = 0; i < CALIBRATION_SELECTS / 2; i++) {
    const id = ids.rows[i % ids.rows.length]?.id ?? '';
    const t0 = performance.now();
    await db.executeQuery(CompiledQuery.raw('select id, status, expires_at from inquiries where id = $1', [id]));
    samples.push(performance.now() - t0);
  }
  return samples;
}

// Every filter × sort × direction of inquiries.list, first and fifth page, on the world the list section measured.
if (args.sections.includes('matrix')) {
  const database = await openDatabase({ databaseUrl, poolSize: 2 });
  try {
    await migrate(database);
    const facts = await worldFacts(database.db);
    log(`inquiries.list filter × sort matrix, world clock ${facts.now.toISOString()}`);
    const results = await runListMatrix({ deps: createDeps({ database, config, log: createLogger('silent'), now: () => facts.now }), facts });
    rows.push(...matrixRows(results));
    report.matrix = { summary: summarize(results), results };
  } finally {
    await database.close();
  }
}

// Sections with their own scratch databases, reporting { name, value, unit, target, pass } results.
if (args.sections.includes('audit')) rows.push(...(await runAuditBench(databaseUrl, { log })).map((r) => rowFromResult('audit log', r)));
if (args.sections.includes('actions')) rows.push(...(await runActionsBench(databaseUrl, { log })).map((r) => rowFromResult('guarded actions', r)));
if (args.sections.includes('partner')) rows.push(...(await runPartnerBench(databaseUrl, { log })).map((r) => rowFromResult('partner API', r)));
if (args.sections.includes('templates')) rows.push(...(await runTemplatesBench(databaseUrl, { log })).map((r) => rowFromResult('templates (policy editor)', r)));

// Exports of 1,000,000 events from the app server in its own process: its RSS growth while a client downloads, and the rate.
if (args.sections.includes('export')) {
  const serverFile = await compileListServer();
  rows.push(...(await runExportBench(databaseUrl, { log, serverFile })).map((r) => rowFromResult('exports', r)));
}

// audit.list at 1,000,000 events and access.list at 1,000,000 issued artifacts, over HTTP: first page and page 500.
for (const [section, run] of [
  ['auditlist', runAuditListBench],
  ['accessreport', runAccessReportBench],
] as const) {
  if (!args.sections.includes(section)) continue;
  const results: unknown[] = [];
  report[section] = results;
  rows.push(...(await run(databaseUrl, { log, serverFile: await compileListServer(), requests: args.requests, onResult: (r) => results.push(r) })));
}

finish(false);

process.exit(allPass(rows) ? 0 : 1);
