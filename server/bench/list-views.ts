import { CompiledQuery, sql, type Kysely, type KyselyPlugin } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AppDeps } from '../deps.js';
import * as listRepo from '../repositories/inquiry-list.js';
import { listInquiries as listInquiriesService, planList, TOTAL_EXACT_CAP } from '../services/inquiries.js';
import { InquiryListInputSchema, type InquiryListInput, type InquiryListOutput, type InquiryListQuery } from '../../shared/inquiries.js';
import { BenchHttpClient } from './http-client.js';
import { latency, type BenchRow, type Latency } from './report.js';

/**
 * inquiries.list under load: every view the console offers, each requested over HTTP through the real app
 * (tRPC, superjson, zod, the signed-in session) and, alternately, as the SQL that request runs, so the
 * difference is what the server adds. EXPLAIN ANALYZE shows which index each view walks.
 */

export const TARGET_P95_MS = 10;
export const TARGET_OVERHEAD_MS = 3;
export const TARGET_DEEP_PAGE_RATIO = 1.5;
/** The HTTP answer's p50 may cost at most this many times the page statement's own p50 (issue 13). */
export const TARGET_HTTP_TO_PAGE = 2;
const DEEP_PAGE = 500;

export interface ListView {
  name: string;
  input: InquiryListInput;
  /** Measure this page, reached by following nextCursor from page 1 (default 1). */
  page?: number;
}

/** Values from the seeded world that the views filter or search by. */
export interface WorldFacts {
  now: Date;
  templateId: string;
  templateName: string;
  customerId: string | null;
  inquiryId: string;
  referenceId: string;
  email: string;
}

/**
 * The world's clock is its latest update (the seed writes nothing after `now`); the bench runs the app at
 * that instant so that "expires within the hour" means what it meant when the world was made.
 */
export async function worldFacts(db: Kysely<DB>): Promise<WorldFacts> {
  const clock = await sql<{ now: Date }>`select max(updated_at) as now from inquiries`.execute(db);
  const now = clock.rows[0]?.now;
  if (!now) throw new Error('the database has no inquiries to benchmark');
  const template = await sql<{ id: string; name: string }>`
    select t.id, t.name from templates t order by (select count(*) from template_versions v where v.template_id = t.id) desc, t.name limit 1`.execute(db);
  const customer = await sql<{ id: string }>`select id from customers order by name limit 1`.execute(db);
  // A pending inquiry from the last days with a prefilled email: the kind a support agent searches for.
  const sample = await sql<{ id: string; reference_id: string; email: string }>`
    select id, reference_id, email_normalized as email from inquiries
    where status = 'pending' and email_normalized is not null and reference_id is not null
    order by created_at desc offset 10 limit 1`.execute(db);
  const t = template.rows[0];
  const s = sample.rows[0];
  if (!t || !s) throw new Error('the seeded world lacks templates or pending inquiries with an email');
  return { now, templateId: t.id, templateName: t.name, customerId: customer.rows[0]?.id ?? null, inquiryId: s.id, referenceId: s.reference_id, email: s.email };
}

export function listViews(facts: WorldFacts): ListView[] {
  const day = 86_400_000;
  const createdRange = { createdAfter: new Date(facts.now.getTime() - 30 * day), createdBefore: new Date(facts.now.getTime() - 20 * day) };
  const views: ListView[] = [
    { name: 'default (newest first)', input: {} },
    { name: 'status: pending', input: { status: ['pending'] } },
    { name: 'status: expired', input: { status: ['expired'] } },
    { name: 'status: created + pending', input: { status: ['created', 'pending'] } },
    { name: 'status: approved + declined + needs_review', input: { status: ['approved', 'declined', 'needs_review'] } },
    { name: `template: ${facts.templateName}`, input: { templateId: facts.templateId } },
    { name: 'version: latest', input: { versionState: 'latest' } },
    { name: 'version: outdated', input: { versionState: 'outdated' } },
    { name: 'expiry: expired', input: { expiry: 'expired' } },
    { name: 'expiry: within 1 h', input: { expiry: 'within_1h' } },
    { name: 'expiry: within 24 h', input: { expiry: 'within_24h' } },
    { name: 'expiry: within 7 d', input: { expiry: 'within_7d' } },
    { name: 'expiry: live', input: { expiry: 'live' } },
    { name: 'quick view: stuck', input: { quickView: 'stuck' } },
    { name: 'quick view: expiring in 24 h', input: { quickView: 'expiring_24h' } },
    { name: 'quick view: outdated', input: { quickView: 'outdated' } },
    { name: 'quick view: expired, resumable', input: { quickView: 'expired_resumable' } },
    { name: 'created 30 to 20 days ago', input: createdRange },
    // Another column's order: one walk per creation day (migrations/0009).
    { name: 'created 30 to 20 days ago, by expiry', input: { ...createdRange, sort: 'expiresAt', order: 'asc' } },
    {
      name: 'created in the last 7 days, open, by update',
      input: { createdAfter: new Date(facts.now.getTime() - 7 * day), status: ['created', 'pending'], sort: 'updatedAt', order: 'desc' },
    },
  ];
  if (facts.customerId) views.push({ name: 'customer (B2B2C)', input: { customerId: facts.customerId } });
  for (const sort of ['createdAt', 'expiresAt', 'updatedAt'] as const) {
    for (const order of ['asc', 'desc'] as const) {
      if (sort === 'createdAt' && order === 'desc') continue; // the default view
      views.push({ name: `sort: ${sort} ${order}`, input: { sort, order } });
    }
  }
  views.push(
    { name: 'page 1 (newest first)', input: {}, page: 1 },
    { name: `page ${DEEP_PAGE} (newest first)`, input: {}, page: DEEP_PAGE },
    { name: 'search: inquiry id', input: { search: facts.inquiryId } },
    { name: 'search: reference id', input: { search: facts.referenceId } },
    { name: 'search: email', input: { search: facts.email.toUpperCase() } },
  );
  return views;
}

/**
 * The SQL one inquiries.list request runs: the service itself is called once through a database handle that
 * records each compiled statement (the version catalog, the page, the count or estimate when it needs one), and
 * those statements are what the bench replays and explains. Whatever the service does next week, the bench
 * measures exactly that, with the same plan built by planList and the same repository queries.
 */
export async function statementsOfRequest(
  deps: AppDeps,
  query: InquiryListQuery,
): Promise<{ statements: CompiledQuery[]; output: InquiryListOutput; page: CompiledQuery | null; count: CompiledQuery | null }> {
  const { db } = deps.database;
  const capture = async (run: (spied: Kysely<DB>) => Promise<unknown>) => {
    const captured: CompiledQuery[] = [];
    const spy: KyselyPlugin = {
      transformQuery: (args) => {
        captured.push(db.getExecutor().compileQuery(args.node, args.queryId));
        return args.node;
      },
      transformResult: (args) => Promise.resolve(args.result),
    };
    await run(db.withPlugin(spy));
    return captured;
  };
  let output: InquiryListOutput | undefined;
  const statements = await capture(async (spied) => {
    output = await listInquiriesService({ ...deps, database: { ...deps.database, db: spied } }, query);
  });
  // The page statement alone, and the capped count, as they were before they became one statement with the
  // page: the baseline the HTTP answer is compared with (issue 13: HTTP p50 ≤ 2 × the page statement's p50).
  const plan = planList(query, await deps.catalog.versions(), deps.now());
  const page = plan ? (await capture((spied) => listRepo.listInquiries(spied, plan))).filter(isPageOrCount).at(-1) ?? null : null;
  const count = plan ? (await capture((spied) => listRepo.countInquiriesUpTo(spied, plan, TOTAL_EXACT_CAP))).at(-1) ?? null : null;
  return { statements, output: output as InquiryListOutput, page, count };
}

async function replay(db: Kysely<DB>, statements: readonly CompiledQuery[]): Promise<void> {
  for (const statement of statements) await db.executeQuery(statement);
}

/** Of the statements the repository's listInquiries runs, the page (a query for the plan's buckets may come before it). */
export const isPageOrCount = (q: CompiledQuery) => /\binquiries\s+i\b/.test(q.sql) && !/^\s*explain/i.test(q.sql);

export interface PlanReport {
  /** Index scans (and any sequential scan) of the page query, e.g. "inquiries_status_created_idx (Index Scan Backward)". */
  scans: string[];
  executionMs: number;
  /** EXPLAIN (ANALYZE, BUFFERS) of every statement that reads inquiries, as text. */
  text: string;
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

async function explainStatements(db: Kysely<DB>, statements: readonly CompiledQuery[]): Promise<PlanReport> {
  let scans: string[] = [];
  let executionMs = 0;
  const texts: string[] = [];
  for (const [i, statement] of statements.entries()) {
    const json = await db.executeQuery<{ 'QUERY PLAN': unknown }>(CompiledQuery.raw(`explain (analyze, format json) ${statement.sql}`, [...statement.parameters]));
    const raw = json.rows[0]?.['QUERY PLAN'];
    const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode; 'Execution Time': number }];
    if (i === 0) {
      scans = [...scansOf(parsed[0].Plan, new Set())];
      executionMs = parsed[0]['Execution Time'];
    }
    const text = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (analyze, buffers, costs off) ${statement.sql}`, [...statement.parameters]));
    texts.push(`-- ${i === 0 ? 'page' : 'count'}\n${text.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  return { scans, executionMs, text: texts.join('\n\n') };
}

export interface ViewResult {
  view: ListView;
  http: Latency;
  raw: Latency;
  listOnly: Latency;
  total: number;
  totalExact: boolean;
  items: number;
  statements: number;
  plan: PlanReport | null;
}

export interface ListBenchOptions {
  client: BenchHttpClient;
  /** The app's dependencies, with the clock the app runs at. */
  deps: AppDeps;
  requests: number;
  warmup?: number;
  /**
   * Requests per view sent once before any view is measured (default 20), so the first views are not measured
   * while V8 is still compiling the server's hot paths and the heap is still growing: without it the first
   * views measured more overhead than the same request measured later in the run (docs/performance.md, "Why the
   * list is shaped this way").
   */
  processWarmup?: number;
  explain?: boolean;
  log?: (line: string) => void;
  /** Called after each view, so a caller can keep what was measured if the run is stopped. */
  onView?: (result: ViewResult) => void;
}

async function measureView(options: ListBenchOptions, view: ListView): Promise<ViewResult> {
  const { client, deps, requests } = options;
  const { db } = deps.database;
  const list = (input: InquiryListInput) => client.query<InquiryListOutput>('inquiries.list', input);

  // Deep pages: follow the cursor as a person paging would, then measure that page.
  let input: InquiryListInput = view.input;
  for (let page = 1; page < (view.page ?? 1); page++) {
    const answer = await list(input);
    if (!answer.nextCursor) throw new Error(`${view.name}: the list ends at page ${page}`);
    input = { ...view.input, cursor: answer.nextCursor };
  }
  const { statements, page, count } = await statementsOfRequest(deps, InquiryListInputSchema.parse(input));

  // Alternate HTTP and SQL so that both see the same machine load. The timed HTTP request ends when the whole
  // answer has arrived; decoding it is the client's work, not the server's, and happens once, after.
  const path = BenchHttpClient.queryPath('inquiries.list', input);
  for (let i = 0; i < (options.warmup ?? Math.min(10, requests)); i++) {
    await client.request('GET', path);
    await replay(db, statements);
  }
  let last = await client.request('GET', path);
  const http: number[] = [];
  const raw: number[] = [];
  const listOnly: number[] = [];
  for (let i = 0; i < requests; i++) {
    let t0 = performance.now();
    last = await client.request('GET', path);
    http.push(performance.now() - t0);
    if (last.status !== 200) throw new Error(`${view.name}: HTTP ${last.status} ${last.body.slice(0, 200)}`);
    t0 = performance.now();
    await replay(db, statements);
    raw.push(performance.now() - t0);
    if (page) {
      t0 = performance.now();
      await db.executeQuery(page);
      listOnly.push(performance.now() - t0);
    }
  }
  const answer = BenchHttpClient.decode<InquiryListOutput>('inquiries.list', last);
  return {
    view,
    http: latency(http),
    raw: latency(raw),
    listOnly: latency(listOnly),
    total: answer.total,
    totalExact: answer.totalExact,
    items: answer.items.length,
    statements: statements.length,
    plan: options.explain === false ? null : await explainStatements(db, [page, count].filter((q): q is CompiledQuery => q !== null)),
  };
}

export async function runListBench(options: ListBenchOptions, views: readonly ListView[]): Promise<{ rows: BenchRow[]; results: ViewResult[] }> {
  const results: ViewResult[] = [];
  const rounds = options.processWarmup ?? 20;
  for (let round = 0; round < rounds; round++) {
    for (const view of views) await options.client.request('GET', BenchHttpClient.queryPath('inquiries.list', view.input));
  }
  for (const view of views) {
    const result = await measureView(options, view);
    results.push(result);
    options.onView?.(result);
    options.log?.(
      `  ${view.name}: HTTP p50 ${result.http.p50.toFixed(2)} / p95 ${result.http.p95.toFixed(2)} ms, SQL p50 ${result.raw.p50.toFixed(2)} ms, ${result.items} rows` +
        (result.plan ? ` — ${result.plan.scans.join(', ')}` : ''),
    );
  }
  return { rows: listRows(results), results };
}

/**
 * One row per measured view, checked against the targets. With `calibrationMs` (the run's single-row primary-key
 * select p50) each latency is also given as a multiple of it (×cal), so runs on machines of other speeds compare.
 */
export function listRows(results: readonly ViewResult[], calibrationMs: number | null = null): BenchRow[] {
  const firstPage = results.find((r) => r.view.page === 1);
  return results.map((r): BenchRow => {
    const overhead = r.http.p50 - r.raw.p50;
    const checks = [
      { target: `HTTP p95 ≤ ${TARGET_P95_MS} ms`, pass: r.http.p95 <= TARGET_P95_MS },
      { target: `HTTP p50 − SQL p50 ≤ ${TARGET_OVERHEAD_MS} ms`, pass: overhead <= TARGET_OVERHEAD_MS },
    ];
    const pageP50 = r.listOnly.samples > 0 ? r.listOnly.p50 : null;
    if (pageP50 !== null) {
      checks.push({ target: `HTTP p50 ≤ ${TARGET_HTTP_TO_PAGE} × page statement p50`, pass: r.http.p50 <= TARGET_HTTP_TO_PAGE * pageP50 });
    }
    const cal = (ms: number | null) => (calibrationMs && ms !== null ? Number((ms / calibrationMs).toFixed(1)) : null);
    if ((r.view.page ?? 1) > 1 && firstPage) {
      checks.push({
        target: `p50 ≤ ${TARGET_DEEP_PAGE_RATIO} × page 1 (${(TARGET_DEEP_PAGE_RATIO * firstPage.http.p50).toFixed(2)} ms)`,
        pass: r.http.p50 <= TARGET_DEEP_PAGE_RATIO * firstPage.http.p50,
      });
    }
    return {
      section: 'inquiries.list',
      name: r.view.name,
      cells: {
        'HTTP p50': r.http.p50,
        'HTTP p95': r.http.p95,
        'SQL p50': r.raw.p50,
        'SQL p95': r.raw.p95,
        'page query p50': pageP50,
        'HTTP p50 ÷ page p50': pageP50 ? Number((r.http.p50 / pageP50).toFixed(2)) : null,
        'page ×cal': cal(pageP50),
        'SQL ×cal': cal(r.raw.p50),
        'HTTP p50 ×cal': cal(r.http.p50),
        'HTTP p95 ×cal': cal(r.http.p95),
        overhead,
        rows: r.items,
        total: r.totalExact ? r.total : `~${r.total.toLocaleString('en-US')}`,
        totalExact: r.totalExact,
      },
      checks,
    };
  });
}
