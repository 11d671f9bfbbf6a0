import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import { openDatabase, type Database } from '../db/index.js';
import type { DB } from '../db/schema.js';
import { BenchHttpClient } from './http-client.js';
import { latency, type BenchRow, type Latency } from './report.js';
import { SERVER_NODE_FLAGS } from '../../scripts/server-flags.mjs';

/**
 * What the audit explorer and access report sections of `npm run bench` share (server/bench/audit-list.ts,
 * server/bench/access-report.ts): a scratch database of their own, the app server in a process of its own, and a
 * paged view measured over HTTP at its first page and at a deep page reached by following `nextCursor`.
 */

export const PAGED_P95_TARGET_MS = 10;
export const DEEP_PAGE_RATIO_TARGET = 1.5;
export const DEEP_PAGE = 500;

export interface ScratchDatabase {
  name: string;
  url: string;
  database: Database;
  /** A plain connection to the scratch database (COPY, session settings, superuser-only statements). */
  direct: pg.Client;
  drop(): Promise<void>;
}

/** A database of its own on `databaseUrl`'s server (named `inqdesk_bench_<prefix>_<random>`), dropped by drop(). */
export async function createScratchDatabase(databaseUrl: string, prefix: string, poolSize = 4): Promise<ScratchDatabase> {
  const name = `inqdesk_bench_${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize });
  const direct = new pg.Client({ connectionString: url.toString() });
  await direct.connect();
  return {
    name,
    url: url.toString(),
    database,
    direct,
    async drop() {
      await direct.end().catch(() => undefined);
      await database.close().catch(() => undefined);
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export interface BenchServer {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** server/bench/list-server.ts (compiled: `serverFile`) on the scratch database, its clock frozen at `now`. */
export async function startBenchServer(serverFile: string, databaseUrl: string, now: Date): Promise<BenchServer> {
  const child: ChildProcess = fork(serverFile, [], {
    execArgv: [...SERVER_NODE_FLAGS],
    env: { ...process.env, DATABASE_URL: databaseUrl, BENCH_WORLD_NOW: now.toISOString() },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the bench server (server/bench/list-server.ts) exited with ${String(code)}`)));
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function serverRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** A view of a paged procedure: its input (without cursor), as whom, and the page statements its requests run. */
export interface PagedView {
  name: string;
  procedure: 'audit.list' | 'access.list';
  input: Record<string, unknown>;
  /** Which signed-in client asks (the demo compliance officer, or support for the 'own' scope). */
  as: string;
  /** Optional note for the report (e.g. why its deep page is not page 500). */
  note?: string;
}

interface PageAnswer {
  items: unknown[];
  nextCursor: string | null;
}

/**
 * The SQL a page's request runs, rebuilt in the bench process from the same input. With `setup` (the access report:
 * how its prepared statements are planned), the statements are replayed as the server runs them: on `reads` (the
 * report's own connections, which start with the setup) or else in one read-only transaction after the setup, and
 * EXPLAIN shows the plan they run under (explain()).
 */
export type StatementsOf = (view: PagedView, cursor: string | null) => Promise<CompiledQuery[] | Replayed>;

interface Replayed {
  setup: CompiledQuery[];
  statements: CompiledQuery[];
  /** Where the server runs the statements without the setup, as its connections start with it (Database.reportReads). */
  reads?: Kysely<DB> | null;
}

const replayedOf = (got: Awaited<ReturnType<StatementsOf>>): Replayed => (Array.isArray(got) ? { setup: [], statements: got } : got);

/** A parameter of a prepared statement written as a literal for `EXECUTE name(…)` (PostgreSQL infers its type). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new Error(`no literal for a parameter of type ${typeof value}`);
  return `'${value.replace(/'/g, "''")}'`;
}

export interface PagedResult {
  view: PagedView;
  first: Latency;
  deep: Latency;
  /** The page measured as the deep one: DEEP_PAGE, or the view's last page when it has fewer. */
  deepPage: number;
  firstRows: number;
  deepRows: number;
  /** The page statement(s) alone, replayed in the bench process between the HTTP requests. */
  firstSql: Latency | null;
  deepSql: Latency | null;
  /** Index scans of the page statement at page 1 and the deep page (EXPLAIN ANALYZE). */
  firstScans: string[];
  deepScans: string[];
  plans: { first: string; deep: string };
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}

function scansOf(node: PlanNode, into: Set<string>): Set<string> {
  const type = node['Node Type'];
  if (node['Index Name']) into.add(`${node['Index Name']} (${type}${node['Scan Direction'] === 'Backward' ? ' Backward' : ''})`);
  else if (type === 'Seq Scan' && node['Relation Name']) into.add(`Seq Scan on ${node['Relation Name']}`);
  for (const child of node.Plans ?? []) scansOf(child, into);
  return into;
}

/** The index scans of the first statement, and EXPLAIN (ANALYZE, BUFFERS) of each as text. */
async function explain(db: Kysely<DB>, { setup, statements }: Replayed): Promise<{ scans: string[]; text: string }> {
  if (statements.length === 0) return { scans: [], text: '' };
  // With a setup, each statement is explained as it runs: prepared (SQL PREPARE, its values as literals), executed a
  // few times so that its plan settles, under the setup's plan mode. EXPLAIN of the text with parameters would show a
  // plan made for the values, whatever the mode.
  return db.transaction().execute(async (trx) => {
    for (const statement of setup) await trx.executeQuery(statement);
    const explainOne = async (statement: CompiledQuery, options: string) => {
      if (setup.length === 0) {
        return (await trx.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (${options}) ${statement.sql}`, [...statement.parameters]))).rows;
      }
      await trx.executeQuery(CompiledQuery.raw(`prepare bench_explained as ${statement.sql}`));
      const values = statement.parameters.map(literal).join(', ');
      const execute = values === '' ? 'execute bench_explained' : `execute bench_explained(${values})`;
      for (let i = 0; i < 6; i++) await trx.executeQuery(CompiledQuery.raw(execute));
      const rows = (await trx.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (${options}) ${execute}`))).rows;
      await trx.executeQuery(CompiledQuery.raw('deallocate bench_explained'));
      return rows;
    };
    const [first] = statements as [CompiledQuery];
    const raw = (await explainOne(first, 'analyze, format json'))[0]?.['QUERY PLAN'];
    const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
    const texts: string[] = [];
    for (const statement of statements) texts.push((await explainOne(statement, 'analyze, buffers, costs off')).map((r) => String(r['QUERY PLAN'])).join('\n'));
    return { scans: [...scansOf(parsed[0].Plan, new Set())], text: texts.join('\n\n') };
  });
}

/** The statements alone are replayed this many times per page (enough for a median; the HTTP requests are what is checked). */
const SQL_SAMPLES = 50;
/** After this many requests, a view whose page 1 or deep page median is over EARLY_STOP_FACTOR × the target stops. */
const EARLY_STOP_AFTER = 40;
const EARLY_STOP_FACTOR = 5;
/** Reaching the deep page stops after this long (a view whose deep pages are slow): the page reached is measured. */
const WALK_BUDGET_MS = 45_000;

/**
 * The cursor of DEEP_PAGE (the rows before it read a page at a time, as a person paging would), or of the view's last
 * page when it has fewer; null for page 1.
 */
async function walkTo(client: BenchHttpClient, view: PagedView, single: boolean): Promise<{ page: number; cursor: string | null }> {
  const limit = Number(view.input.limit ?? 50);
  if (single) return { page: 1, cursor: null };
  // A page at a time, in the view's own page size: the access report's statements are prepared per text, and a text
  // per page size would spend the server's budget of them (db/prepared.ts) on sizes the console never asks for.
  const step = limit;
  const target = (DEEP_PAGE - 1) * limit;
  const boundaries: { rows: number; cursor: string | null }[] = [{ rows: 0, cursor: null }];
  const fetch = (size: number, cursor: string | null) =>
    client.query<PageAnswer>(view.procedure, { ...view.input, limit: size, ...(cursor === null ? {} : { cursor }) });
  const started = performance.now();
  let rows = 0;
  let cursor: string | null = null;
  let total: number | null = null;
  while (rows < target && performance.now() - started < WALK_BUDGET_MS) {
    const size = Math.min(step, target - rows);
    const answer = await fetch(size, cursor);
    if (answer.nextCursor === null) {
      total = rows + answer.items.length;
      break;
    }
    rows += size;
    cursor = answer.nextCursor;
    boundaries.push({ rows, cursor });
  }
  if (total !== null) {
    // The list ended: its last page of `limit` rows, from the nearest boundary before it.
    const start = total === 0 ? 0 : Math.floor((total - 1) / limit) * limit;
    const base = boundaries.filter((b) => b.rows <= start).at(-1) ?? { rows: 0, cursor: null };
    rows = base.rows;
    cursor = base.cursor;
    if (start > rows) {
      cursor = (await fetch(start - rows, cursor)).nextCursor;
      rows = start;
    }
  }
  return { page: rows / limit + 1, cursor };
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

/**
 * Measures one view: reaches DEEP_PAGE (or the last page) by following nextCursor (walkTo), then alternates the
 * first page's request and the deep page's, `requests` times each, replaying each one's statements after the first
 * SQL_SAMPLES of them when `statementsOf` is given. Every first page is a fresh request of the view as the console sends it (for the
 * audit explorer each one appends its `audit.viewed` event); the deep page's cursor is reused.
 */
export async function measurePagedView(
  clients: Readonly<Record<string, BenchHttpClient>>,
  db: Kysely<DB>,
  view: PagedView,
  options: {
    requests: number;
    warmup?: number;
    statementsOf?: StatementsOf;
    /** Runs (untimed) before each first page: the audit explorer's per-person bound on new searches (audit-list.ts). */
    beforeFirstPage?: (view: PagedView) => Promise<void>;
  },
): Promise<PagedResult> {
  const client = clients[view.as];
  if (!client) throw new Error(`${view.name}: no client signed in as ${view.as}`);
  const beforeFirstPage = () => options.beforeFirstPage?.(view) ?? Promise.resolve();
  const firstPath = BenchHttpClient.queryPath(view.procedure, view.input);
  await beforeFirstPage();
  const answer = await client.query<PageAnswer>(view.procedure, view.input);
  const firstRows = answer.items.length;
  await beforeFirstPage();
  const deep = await walkTo(client, view, answer.nextCursor === null);
  const deepPath = BenchHttpClient.queryPath(view.procedure, deep.cursor === null ? view.input : { ...view.input, cursor: deep.cursor });
  if (deep.cursor === null) await beforeFirstPage();
  const deepRows = (await client.query<PageAnswer>(view.procedure, deep.cursor === null ? view.input : { ...view.input, cursor: deep.cursor })).items.length;
  const page = deep.page;
  const cursor = deep.cursor;

  const firstStatements = replayedOf(options.statementsOf ? await options.statementsOf(view, null) : []);
  const deepStatements = replayedOf(options.statementsOf ? await options.statementsOf(view, cursor) : []);
  const replay = async ({ setup, statements, reads }: Replayed) => {
    if (setup.length === 0 || reads) {
      for (const statement of statements) await (reads ?? db).executeQuery(statement);
      return;
    }
    await db
      .transaction()
      .setAccessMode('read only')
      .execute(async (trx) => {
        for (const statement of [...setup, ...statements]) await trx.executeQuery(statement);
      });
  };
  const get = async (path: string) => {
    const res = await client.request('GET', path);
    if (res.status !== 200) throw new Error(`${view.name}: ${view.procedure} answered ${res.status}: ${res.body.slice(0, 300)}`);
  };
  for (let i = 0; i < (options.warmup ?? 10); i++) {
    await beforeFirstPage();
    await get(firstPath);
    if (deep.cursor === null) await beforeFirstPage();
    await get(deepPath);
    await replay(firstStatements);
    await replay(deepStatements);
  }
  const samples = { first: [] as number[], deep: [] as number[], firstSql: [] as number[], deepSql: [] as number[] };
  for (let i = 0; i < options.requests; i++) {
    // A view far over its target is not run to the end: its figures would not change, only the run's length.
    if (i === EARLY_STOP_AFTER && Math.max(latency(samples.first).p50, latency(samples.deep).p50) > EARLY_STOP_FACTOR * PAGED_P95_TARGET_MS) break;
    const sqlToo = i < SQL_SAMPLES;
    await beforeFirstPage();
    samples.first.push(await timed(() => get(firstPath)));
    if (sqlToo && firstStatements.statements.length > 0) samples.firstSql.push(await timed(() => replay(firstStatements)));
    if (deep.cursor === null) await beforeFirstPage();
    samples.deep.push(await timed(() => get(deepPath)));
    if (sqlToo && deepStatements.statements.length > 0) samples.deepSql.push(await timed(() => replay(deepStatements)));
  }
  const firstPlan = await explain(db, firstStatements);
  const deepPlan = await explain(db, deepStatements);
  return {
    view,
    first: latency(samples.first),
    deep: latency(samples.deep),
    deepPage: page,
    firstRows,
    deepRows,
    firstSql: samples.firstSql.length > 0 ? latency(samples.firstSql) : null,
    deepSql: samples.deepSql.length > 0 ? latency(samples.deepSql) : null,
    firstScans: firstPlan.scans,
    deepScans: deepPlan.scans,
    plans: { first: firstPlan.text, deep: deepPlan.text },
  };
}

export function describeResult(r: PagedResult): string {
  const sql = (l: Latency | null) => (l ? `, SQL p50 ${l.p50.toFixed(2)}` : '');
  return (
    `  ${r.view.name}: page 1 p50 ${r.first.p50.toFixed(2)} / p95 ${r.first.p95.toFixed(2)} ms${sql(r.firstSql)}; ` +
    `page ${r.deepPage} p50 ${r.deep.p50.toFixed(2)} / p95 ${r.deep.p95.toFixed(2)} ms${sql(r.deepSql)} — ${r.deepScans.join(', ') || 'no plan'}`
  );
}

/** Single-row primary-key selects (`sqlText` with one parameter from `keys`), each timed: the run's unit of speed. */
export async function calibrate(db: Kysely<DB>, sqlText: string, keys: readonly unknown[], count = 1_000): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const key = keys[i % keys.length];
    samples.push(await timed(() => db.executeQuery(CompiledQuery.raw(sqlText, [key]))));
  }
  return samples;
}

/** One row per view: page 1 and the deep page over HTTP, their ratio, the page statements alone, ×cal. */
export function pagedRows(section: string, results: readonly PagedResult[], calibrationMs: number | null): BenchRow[] {
  const cal = (ms: number) => (calibrationMs ? Number((ms / calibrationMs).toFixed(1)) : null);
  return results.map((r) => {
    const ratio = r.deep.p50 / r.first.p50;
    const checks = [
      { target: `page 1 p95 ≤ ${PAGED_P95_TARGET_MS} ms`, pass: r.first.p95 <= PAGED_P95_TARGET_MS },
      { target: `page ${r.deepPage} p95 ≤ ${PAGED_P95_TARGET_MS} ms`, pass: r.deep.p95 <= PAGED_P95_TARGET_MS },
    ];
    if (r.deepPage > 1) checks.push({ target: `page ${r.deepPage} p50 ≤ ${DEEP_PAGE_RATIO_TARGET} × page 1`, pass: ratio <= DEEP_PAGE_RATIO_TARGET });
    return {
      section,
      name: r.view.name,
      cells: {
        requests: r.first.samples,
        'p1 p50': r.first.p50,
        'p1 p95': r.first.p95,
        'deep page': r.deepPage,
        'deep p50': r.deep.p50,
        'deep p95': r.deep.p95,
        'deep ÷ p1': r.deepPage > 1 ? Number(ratio.toFixed(2)) : null,
        'SQL p1 p50': r.firstSql?.p50 ?? null,
        'SQL deep p50': r.deepSql?.p50 ?? null,
        'p1 p50 ×cal': cal(r.first.p50),
        'deep p50 ×cal': cal(r.deep.p50),
      },
      checks,
    };
  });
}
