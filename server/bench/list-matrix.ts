import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CompiledQuery, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { AppDeps } from '../deps.js';
import { listInquiries as listInquiriesService } from '../services/inquiries.js';
import { EXPIRY_FILTERS, InquiryListInputSchema, QUICK_VIEWS, SORT_FIELDS, type InquiryListInput } from '../../shared/inquiries.js';
import { STATUSES } from '../../shared/statuses.js';
import { statementsOfRequest, worldFacts, type WorldFacts } from './list-views.js';
import { type BenchRow } from './report.js';
import { createDeps } from '../providers/index.js';

/**
 * The inquiry list's filter × sort matrix: every filter the console offers (alone, and the pairs that multiply
 * branches: template × status/expiry/quick view, version state × expiry), by every sort and direction, on the
 * first page and on a deeper one reached by following nextCursor. Each combination's page statement is the one
 * the service runs (captured from it, like the list bench), timed and explained, and flagged when it is not an
 * index walk: a median slower than PAGE_MS_LIMIT (confirmed with more runs, since the machine is shared), a Seq Scan
 * on inquiries, a Bitmap Heap Scan on inquiries visiting more than ROWS_LIMIT rows (an exact-match search ORs two
 * indexes into a bitmap of a handful of rows: that is an index lookup), or a Sort over more than ROWS_LIMIT rows
 * that are not already bounded by per-branch LIMITs. Index walks that skip many entries (Rows Removed by Filter)
 * are noted, not flagged: an index-only walk filtering entries is cheap (docs/performance.md, "Why the list is
 * shaped this way").
 *
 *   DATABASE_URL=postgres://…/inqdesk_bench npx tsx server/bench/list-matrix.ts [--runs 5] [--depth 5] [--only word,word] [--json FILE] [--all]
 */

export const PAGE_MS_LIMIT = 5;
export const ROWS_LIMIT = 500;
/** Noted (not flagged) when the walks skip more index entries than this. */
export const FILTERED_ROWS_NOTE = 5_000;
const CONFIRM_RUNS = 15;

export interface MatrixFilter {
  name: string;
  input: InquiryListInput;
}

export function matrixFilters(facts: WorldFacts): MatrixFilter[] {
  const day = 86_400_000;
  const expiry = EXPIRY_FILTERS.map((e) => ({ name: `expiry ${e}`, input: { expiry: e } }));
  const quick = QUICK_VIEWS.map((q) => ({ name: `quick ${q}`, input: { quickView: q } }));
  const template = { templateId: facts.templateId };
  const ago = (days: number) => new Date(facts.now.getTime() - days * day);
  const createdRange = { createdAfter: ago(30), createdBefore: ago(20) };
  // Walked day by day up to MAX_CREATED_DAY_BUCKETS days (one bound missing: from the first or to the last
  // inquiry), wider ranges by the sort column from the range's lower bound.
  const createdRanges: MatrixFilter[] = [
    { name: 'created 30..20 d ago', input: createdRange },
    { name: 'created since 7 d ago', input: { createdAfter: ago(7) } },
    { name: 'created since 150 d ago', input: { createdAfter: ago(150) } },
    { name: 'created until 150 d ago', input: { createdBefore: ago(150) } },
    { name: 'created 30..20 d ago × status pending', input: { ...createdRange, status: ['pending'] } },
    { name: 'created 30..20 d ago × status expired+approved', input: { ...createdRange, status: ['expired', 'approved'] } },
    { name: 'created 30..20 d ago × template', input: { ...createdRange, ...template } },
  ];
  const filters: MatrixFilter[] = [
    { name: 'none', input: {} },
    ...STATUSES.map((s) => ({ name: `status ${s}`, input: { status: [s] } })),
    { name: 'status created+pending', input: { status: ['created', 'pending'] } },
    { name: 'template', input: template },
    { name: 'version latest', input: { versionState: 'latest' } },
    { name: 'version outdated', input: { versionState: 'outdated' } },
    ...expiry,
    ...quick,
    ...createdRanges,
    ...(facts.customerId ? [{ name: 'customer', input: { customerId: facts.customerId } }] : []),
    { name: 'search id', input: { search: facts.inquiryId } },
    { name: 'search reference', input: { search: facts.referenceId } },
    { name: 'search email', input: { search: facts.email.toUpperCase() } },
    ...STATUSES.map((s) => ({ name: `template × status ${s}`, input: { ...template, status: [s] } })),
    ...expiry.map((f) => ({ name: `template × ${f.name}`, input: { ...template, ...f.input } })),
    ...quick.map((f) => ({ name: `template × ${f.name}`, input: { ...template, ...f.input } })),
    ...(['latest', 'outdated'] as const).flatMap((v) => expiry.map((f) => ({ name: `version ${v} × ${f.name}`, input: { versionState: v, ...f.input } }))),
  ];
  return filters;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

export interface PlanFindings {
  /** Scans of inquiries, e.g. "inquiries_status_created_idx (Index Only Scan Backward)". */
  scans: string[];
  /** Rows inquiries scans read and threw away (Rows Removed by Filter, over all loops). */
  filteredRows: number;
  /** The largest Sort input not already bounded by LIMITs below it. */
  largestSort: number;
  flags: string[];
  notes: string[];
}

/** Rows reaching this node are bounded by LIMITs in every branch below it (the UNION ALL of keyset walks). */
function bounded(node: PlanNode): boolean {
  if (node['Node Type'] === 'Limit') return true;
  if (['Append', 'Merge Append', 'Subquery Scan', 'Result'].includes(node['Node Type'])) return (node.Plans ?? []).every(bounded);
  // One LIMITed walk per row of a VALUES list (the branches that share one plan).
  if (node['Node Type'] === 'Nested Loop') return (node.Plans ?? []).every((child) => child['Node Type'] === 'Values Scan' || bounded(child));
  return false;
}

export function analysePlan(root: PlanNode): PlanFindings {
  const scans = new Set<string>();
  const flags = new Set<string>();
  let filteredRows = 0;
  let largestSort = 0;
  const visit = (node: PlanNode) => {
    const type = node['Node Type'];
    const onInquiries = node['Relation Name'] === 'inquiries';
    if (onInquiries) {
      scans.add(node['Index Name'] ? `${node['Index Name']} (${type}${node['Scan Direction'] === 'Backward' ? ' Backward' : ''})` : type);
      filteredRows += (node['Rows Removed by Filter'] ?? 0) * node['Actual Loops'];
      if (type === 'Seq Scan') flags.add('Seq Scan on inquiries');
      if (type === 'Bitmap Heap Scan') {
        const visited = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops'];
        if (visited > ROWS_LIMIT) flags.add(`Bitmap Heap Scan on inquiries (${visited.toLocaleString('en-US')} rows)`);
      }
    }
    if ((type === 'Sort' || type === 'Incremental Sort') && node.Plans?.[0]) {
      const child = node.Plans[0];
      const input = child['Actual Rows'] * child['Actual Loops'];
      if (!bounded(child)) largestSort = Math.max(largestSort, input);
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(root);
  if (largestSort > ROWS_LIMIT) flags.add(`Sort of ${largestSort.toLocaleString('en-US')} rows`);
  const notes = filteredRows > FILTERED_ROWS_NOTE ? [`skips ${filteredRows.toLocaleString('en-US')} entries`] : [];
  return { scans: [...scans], filteredRows, largestSort, flags: [...flags], notes };
}

export interface MatrixResult {
  filter: string;
  sort: string;
  order: 'asc' | 'desc';
  /** 1, or the page reached by following nextCursor. */
  page: number;
  /** Median of the timed runs of the page statement. */
  pageMs: number;
  /** Median of the capped count, when the request runs one. */
  countMs: number | null;
  rows: number;
  total: number;
  totalExact: boolean;
  findings: PlanFindings;
  /** Every reason this combination is not served by an index; empty when it is. */
  flags: string[];
  /** EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of the page statement (kept for flagged combinations only). */
  plan?: unknown;
}

export interface MatrixOptions {
  deps: AppDeps;
  facts: WorldFacts;
  /** Timed runs per statement, after one warm-up (median reported). */
  runs?: number;
  /** The deeper page measured (reached by following nextCursor); 1 measures only the first. */
  depth?: number;
  /** Only filters whose names contain one of these words. */
  only?: readonly string[] | null;
  log?: (line: string) => void;
}

async function median(db: Kysely<DB>, statement: CompiledQuery, runs: number): Promise<number> {
  await db.executeQuery(statement);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await db.executeQuery(statement);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

async function explainJson(db: Kysely<DB>, statement: CompiledQuery): Promise<[{ Plan: PlanNode; 'Execution Time': number }]> {
  const result = await db.executeQuery<{ 'QUERY PLAN': unknown }>(
    CompiledQuery.raw(`explain (analyze, buffers, format json) ${statement.sql}`, [...statement.parameters]),
  );
  const raw = result.rows[0]?.['QUERY PLAN'];
  return (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode; 'Execution Time': number }];
}

async function measure(options: MatrixOptions, filter: MatrixFilter, input: InquiryListInput, page: number): Promise<MatrixResult> {
  const { deps } = options;
  const { db } = deps.database;
  const runs = options.runs ?? 5;
  const query = InquiryListInputSchema.parse(input);
  const { output, page: pageStatement, count: countStatement } = await statementsOfRequest(deps, query);
  const base = { filter: filter.name, sort: query.sort, order: query.order, page, rows: output.items.length, total: output.total, totalExact: output.totalExact };
  if (!pageStatement) {
    // planList proved the filter empty: no statement at all.
    return { ...base, pageMs: 0, countMs: null, findings: { scans: [], filteredRows: 0, largestSort: 0, flags: [], notes: [] }, flags: [] };
  }
  let pageMs = await median(db, pageStatement, runs);
  if (pageMs > PAGE_MS_LIMIT) pageMs = await median(db, pageStatement, CONFIRM_RUNS);
  const countMs = countStatement ? await median(db, countStatement, runs) : null;
  const plan = await explainJson(db, pageStatement);
  const findings = analysePlan(plan[0].Plan);
  const flags = [...(pageMs > PAGE_MS_LIMIT ? [`page query ${pageMs.toFixed(1)} ms`] : []), ...findings.flags];
  return { ...base, pageMs, countMs, findings, flags, ...(flags.length > 0 ? { plan } : {}) };
}

export async function runListMatrix(options: MatrixOptions): Promise<MatrixResult[]> {
  const depth = options.depth ?? 5;
  const results: MatrixResult[] = [];
  const filters = matrixFilters(options.facts).filter((f) => !options.only || options.only.some((w) => f.name.toLowerCase().includes(w)));
  for (const filter of filters) {
    for (const sort of SORT_FIELDS) {
      for (const order of ['asc', 'desc'] as const) {
        const input: InquiryListInput = { ...filter.input, sort, order };
        const first = await measure(options, filter, input, 1);
        results.push(first);
        options.log?.(line(first));
        // Follow the cursor as someone paging would, then measure that page.
        let deeper: InquiryListInput | null = input;
        let page = 1;
        while (deeper && page < depth) {
          const answer = await listInquiriesService(options.deps, InquiryListInputSchema.parse(deeper));
          deeper = answer.nextCursor ? { ...input, cursor: answer.nextCursor } : null;
          page++;
        }
        if (deeper && depth > 1) {
          const result = await measure(options, filter, deeper, page);
          results.push(result);
          options.log?.(line(result));
        }
      }
    }
  }
  return results;
}

function line(r: MatrixResult): string {
  const combination = `${r.filter} | ${r.sort} ${r.order} | p${r.page}`;
  const count = r.countMs === null ? '' : ` (count ${r.countMs.toFixed(2)})`;
  return `  ${combination.padEnd(62)} ${r.pageMs.toFixed(2).padStart(8)} ms${count.padEnd(16)} ${String(r.rows).padStart(3)} rows  ${
    r.flags.length > 0 ? `FLAG: ${r.flags.join('; ')}` : 'ok'
  }${r.findings.notes.length > 0 ? ` (${r.findings.notes.join('; ')})` : ''}  [${r.findings.scans.join(', ')}]`;
}

export interface MatrixSummary {
  combinations: number;
  flagged: number;
  worst: { combination: string; pageMs: number }[];
  maxCountMs: number;
}

export function summarize(results: readonly MatrixResult[]): MatrixSummary {
  const name = (r: MatrixResult) => `${r.filter} | ${r.sort} ${r.order} | page ${r.page}`;
  return {
    combinations: results.length,
    flagged: results.filter((r) => r.flags.length > 0).length,
    worst: [...results]
      .sort((a, b) => b.pageMs - a.pageMs)
      .slice(0, 5)
      .map((r) => ({ combination: name(r), pageMs: Number(r.pageMs.toFixed(2)) })),
    maxCountMs: Math.max(0, ...results.map((r) => r.countMs ?? 0)),
  };
}

/** For npm run bench: one summary row, then one row per flagged combination. */
export function matrixRows(results: readonly MatrixResult[]): BenchRow[] {
  const summary = summarize(results);
  const section = 'inquiries.list filter × sort matrix';
  return [
    {
      section,
      name: `${summary.combinations} combinations (first page and page 5, every sort and direction)`,
      cells: { 'worst page query': summary.worst[0]?.pageMs ?? 0, 'worst count': summary.maxCountMs, flagged: summary.flagged, flags: '' },
      checks: [{ target: `every page an index walk, ≤ ${PAGE_MS_LIMIT} ms`, pass: summary.flagged === 0 }],
    },
    ...results
      .filter((r) => r.flags.length > 0)
      .map(
        (r): BenchRow => ({
          section,
          name: `${r.filter} | ${r.sort} ${r.order} | page ${r.page}`,
          cells: { 'worst page query': r.pageMs, 'worst count': r.countMs, flagged: 1, flags: r.flags.join('; ') },
          checks: [{ target: `index walk, ≤ ${PAGE_MS_LIMIT} ms`, pass: false }],
        }),
      ),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      runs: { type: 'string' },
      depth: { type: 'string' },
      only: { type: 'string' },
      json: { type: 'string' },
      all: { type: 'boolean', default: false },
    },
  });
  // Imported here so that importing this module (npm run bench) does not parse the environment twice.
  const { loadConfig } = await import('../config.js');
  const { openDatabase } = await import('../db/index.js');
  const { createLogger } = await import('../logger.js');
  const config = loadConfig();
  if (!config.databaseUrl) throw new Error('list-matrix needs DATABASE_URL: the seeded world to check (e.g. postgres://postgres@127.0.0.1:5432/inqdesk_bench)');
  const database = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: 2 });
  try {
    const facts = await worldFacts(database.db);
    const deps: AppDeps = createDeps({ database, config, log: createLogger('silent'), now: () => facts.now });
    const log = (text: string): void => void process.stdout.write(`${text}\n`);
    log(`inquiries.list matrix at world clock ${facts.now.toISOString()}, load ${os.loadavg()[0]?.toFixed(1)}`);
    const results = await runListMatrix({
      deps,
      facts,
      runs: values.runs ? Number(values.runs) : 5,
      depth: values.depth ? Number(values.depth) : 5,
      only: values.only?.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean) ?? null,
      ...(values.all ? { log } : {}),
    });
    const flagged = results.filter((r) => r.flags.length > 0);
    if (!values.all) {
      log(flagged.length > 0 ? 'Flagged:' : 'Nothing flagged.');
      for (const r of flagged) log(line(r));
    }
    const summary = summarize(results);
    log(`\n${summary.combinations} combinations, ${summary.flagged} flagged; worst page queries (ms):`);
    for (const w of summary.worst) log(`  ${w.pageMs.toFixed(2).padStart(8)}  ${w.combination}`);
    log(`worst capped count: ${summary.maxCountMs.toFixed(2)} ms; load after ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
    if (values.json) {
      fs.writeFileSync(values.json, `${JSON.stringify({ date: new Date().toISOString(), worldNow: facts.now, summary, results }, null, 2)}\n`);
      log(`Wrote ${values.json}`);
    }
    process.exitCode = flagged.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  });
}
