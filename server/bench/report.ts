/**
 * The bench's common currency: every section (list views, audit log, actions…) reports rows of named cells
 * with the targets they were checked against, and one printer renders them as a terminal table or Markdown.
 */

export interface BenchCheck {
  /** What was required, in words: "p95 ≤ 10 ms". */
  target: string;
  pass: boolean;
}

export interface BenchRow {
  /** e.g. "inquiries.list", "audit log". Rows are grouped by section, in the order first seen. */
  section: string;
  name: string;
  /** Column → value, in display order; sections may use different columns. Numbers are milliseconds unless named otherwise. */
  cells: Record<string, string | number | boolean | null>;
  checks: BenchCheck[];
}

/** A section that reports `{ name, value, unit, target, pass }` results (server/bench/audit.ts) as rows. */
export function rowFromResult(section: string, result: { name: string; value: number; unit: string; target: string; pass: boolean }): BenchRow {
  return { section, name: result.name, cells: { value: result.value, unit: result.unit }, checks: [{ target: result.target, pass: result.pass }] };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface Latency {
  p50: number;
  p95: number;
  max: number;
  samples: number;
}

export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? Number.NaN, samples: sorted.length };
}

export const allPass = (rows: readonly BenchRow[]) => rows.every((r) => r.checks.every((c) => c.pass));

function cellText(value: BenchRow['cells'][string]): string {
  if (value === null) return '–';
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
  return String(value);
}

function resultText(row: BenchRow): string {
  if (row.checks.length === 0) return '';
  const failed = row.checks.filter((c) => !c.pass);
  return failed.length === 0 ? 'PASS' : `FAIL (${failed.map((c) => c.target).join('; ')})`;
}

function grouped(rows: readonly BenchRow[]): [string, BenchRow[]][] {
  const sections = new Map<string, BenchRow[]>();
  for (const row of rows) sections.set(row.section, [...(sections.get(row.section) ?? []), row]);
  return [...sections];
}

function columnsOf(rows: readonly BenchRow[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.cells)))];
}

/** Plain-text tables, one per section, columns aligned; the last column is PASS or FAIL with the failed targets. */
export function formatTable(rows: readonly BenchRow[]): string {
  return grouped(rows)
    .map(([section, sectionRows]) => {
      const columns = columnsOf(sectionRows);
      const header = [section, ...columns, 'result'];
      const body = sectionRows.map((r) => [r.name, ...columns.map((c) => cellText(r.cells[c] ?? null)), resultText(r)]);
      const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => (line[i] ?? '').length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
      return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
    })
    .join('\n\n');
}

export function printTable(rows: readonly BenchRow[], write: (text: string) => void = (text) => process.stdout.write(text)): void {
  write(`${formatTable(rows)}\n`);
}

/** The same tables in Markdown, for docs/performance.md. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  return grouped(rows)
    .map(([section, sectionRows]) => {
      const columns = columnsOf(sectionRows);
      const header = `| ${[section, ...columns, 'result'].map(escape).join(' | ')} |`;
      const rule = `|${[section, ...columns, 'result'].map((_, i) => (i === 0 || i === columns.length + 1 ? ' --- ' : ' ---: ')).join('|')}|`;
      const body = sectionRows.map((r) => `| ${[r.name, ...columns.map((c) => cellText(r.cells[c] ?? null)), resultText(r)].map(escape).join(' | ')} |`);
      return [header, rule, ...body].join('\n');
    })
    .join('\n\n');
}
