import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { canonicalEventBody, chainHash, GENESIS_HASH } from './canonical.js';
import { readCheckpointFile, type Checkpoint, type CheckpointFile } from './checkpoints.js';
import { readEventLine, type ExportHeader } from './export-lines.js';

/**
 * Verifies a JSONL export of the audit log offline: from the file alone, with no database (`npm run audit:verify --
 * --file export.jsonl`; docs/audit.md, "Exports").
 *
 * - Every event's hash is recomputed from its fields and its prev_hash (canonical.ts), exactly as the database's
 *   chain computed it: an event edited in the file no longer gives its hash, and is named by its seq.
 * - Events with consecutive seqs must chain: each one's prev_hash is the hash of the event before it. An event
 *   edited and re-hashed in the file breaks the link to the next one, and is named.
 * - seq 1's prev_hash must be the genesis hash.
 * - A filtered export holds runs of consecutive seqs with gaps between them. Each run is proven on its own; the gaps
 *   are not proven (nothing in the file says what was there), and the answer says which ranges were proven.
 * - With checkpoints (`--checkpoints FILE`, the chain's heads written outside the database), each checkpoint whose seq
 *   is in the export must name the hash the export has there. One that agrees anchors its run up to it: those events
 *   are exactly as the log held them when the checkpoint was written, even against someone who re-hashed the file.
 *
 * The file may be in any order (the server writes it newest first): links are checked whichever of two neighbours
 * comes second, and only the seqs (8 bytes each) and the run ends still waiting for a neighbour are kept in memory.
 */

export interface SeqRange {
  from: number;
  to: number;
}

export type ExportProblemKind =
  | 'hash_mismatch'
  | 'link_broken'
  | 'genesis_mismatch'
  | 'duplicate_seq'
  | 'beyond_head'
  | 'malformed'
  | 'no_export_record'
  | 'count_mismatch'
  | 'export_stopped'
  | 'checkpoint_differs';

export interface ExportProblem {
  kind: ExportProblemKind;
  /** The seq the problem is at, when it is at one. */
  seq: number | null;
  /** The line of the file, when the problem is on one line. */
  line: number | null;
  message: string;
}

export interface ExportCheckpointComparison {
  file: string;
  found: boolean;
  /** Checkpoints whose seq is in the export, compared with the export's hash there. */
  compared: number;
  agreed: number;
  /** Checkpoints whose seq the export does not hold: not compared. */
  outside: number;
  mismatches: Array<Checkpoint & { exportHash: string; changedFrom: number }>;
  /** Proven runs up to the highest agreeing checkpoint in each: as the log held them when it was written. */
  anchored: SeqRange[];
  unreadableLines: number;
  firstUnreadableLine: number | null;
}

export interface ExportVerification {
  ok: boolean;
  /** The export's first record (who exported what, when), or null when the file does not start with one. */
  header: ExportHeader | null;
  /** Event lines read (well-formed or not). */
  events: number;
  lowestSeq: number | null;
  highestSeq: number | null;
  /** The lowest seq a problem was found at; null when none is (or the problems are not at a seq). */
  firstBrokenSeq: number | null;
  /** Lowest seq first, at most MAX_LISTED; problemCount counts all. */
  problems: ExportProblem[];
  problemCount: number;
  /** Runs of consecutive seqs with nothing broken in them (lowest first, at most MAX_LISTED; provenCount counts all). */
  proven: SeqRange[];
  provenCount: number;
  provenEvents: number;
  /** Seqs between the lowest and the highest that the export does not hold (a filtered export): not proven. */
  gaps: SeqRange[];
  gapCount: number;
  missingEvents: number;
  checkpoints: ExportCheckpointComparison | null;
  durationMs: number;
}

/** Not an audit export at all (an access report export, a CSV): nothing to verify. */
export class NotAnAuditExportError extends Error {
  override readonly name = 'NotAnAuditExportError';
}

export const MAX_LISTED = 20;

interface Pending {
  prev: string;
  hash: string;
  /** 1: the link to seq - 1 was checked; 2: the link to seq + 1 was checked. */
  links: number;
}

/** Verifies the lines of a JSONL export (see the module comment). */
export async function verifyExportLines(
  lines: AsyncIterable<string> | Iterable<string>,
  options: { checkpoints?: CheckpointFile | null } = {},
): Promise<ExportVerification> {
  const started = performance.now();
  // The lowest-seq problems are kept for the answer (a badly damaged file may hold a problem on every line).
  let problems: ExportProblem[] = [];
  let problemCount = 0;
  let firstBrokenSeq: number | null = null;
  const badSeqs = new Set<number>();
  const problem = (kind: ExportProblemKind, seq: number | null, line: number | null, message: string) => {
    problems.push({ kind, seq, line, message });
    problemCount += 1;
    if (seq !== null) {
      badSeqs.add(seq);
      if (firstBrokenSeq === null || seq < firstBrokenSeq) firstBrokenSeq = seq;
    }
    if (problems.length > 50 * MAX_LISTED) problems = lowestFirst(problems).slice(0, MAX_LISTED);
  };

  const checkpointList = options.checkpoints?.checkpoints ?? [];
  const wanted = new Set(checkpointList.map((c) => c.seq));
  const hashesAtCheckpoints = new Map<number, string>();

  let header: ExportHeader | null = null;
  let firstRecordSeen = false;
  let events = 0;
  let seqs = new Float64Array(1024);
  let seqCount = 0;
  const pending = new Map<number, Pending>();
  let lineNumber = 0;

  for await (const raw of lines) {
    lineNumber += 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (!firstRecordSeen) throw new NotAnAuditExportError('The first line is not JSON: only the JSONL export carries what verification needs (a CSV export cannot be verified).');
      problem('malformed', null, lineNumber, `line ${lineNumber} is not JSON`);
      continue;
    }
    const record = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    const type = record?.type;
    const first = !firstRecordSeen;
    firstRecordSeen = true;
    if (record && type === 'export') {
      if (!first) {
        problem('malformed', null, lineNumber, `line ${lineNumber} is a second export record: an export has one, on its first line`);
        continue;
      }
      if (record.report === 'access') throw new NotAnAuditExportError('This is an export of the access report: it carries no hash chain, so there is nothing to verify.');
      if (record.report !== 'audit') throw new NotAnAuditExportError('The first record is not an audit log export record (report is not "audit").');
      header = record as unknown as ExportHeader;
      continue;
    }
    if (first) problem('no_export_record', null, lineNumber, 'the file does not start with its export record (who exported what, when): it is not the export as the server wrote it');
    if (record && type === 'error') {
      problem('export_stopped', null, lineNumber, `line ${lineNumber}: the server stopped the export midway (${typeof record.message === 'string' ? record.message : 'no reason given'})`);
      continue;
    }
    if (!record || type !== 'event') {
      problem('malformed', null, lineNumber, `line ${lineNumber} is neither an event nor the export record`);
      continue;
    }
    events += 1;
    const read = readEventLine(record);
    if (typeof read === 'string') {
      const seq = typeof record.seq === 'number' && Number.isSafeInteger(record.seq) ? record.seq : null;
      problem('malformed', seq, lineNumber, `line ${lineNumber}${seq !== null ? ` (seq ${seq})` : ''}: ${read}`);
      continue;
    }
    const { seq, prevHash, hash } = read;
    if (seqCount === seqs.length) {
      const grown = new Float64Array(seqs.length * 2);
      grown.set(seqs);
      seqs = grown;
    }
    seqs[seqCount++] = seq;
    if (wanted.has(seq)) hashesAtCheckpoints.set(seq, hash);
    if (header?.upToSeq !== undefined && seq > header.upToSeq) {
      problem('beyond_head', seq, lineNumber, `seq ${seq} is past the export's head (seq ${header.upToSeq}, when it was written): it was added`);
    }
    if (chainHash(prevHash, seq, canonicalEventBody(read.event)) !== hash) {
      problem('hash_mismatch', seq, lineNumber, `seq ${seq}: its fields and prev_hash do not give its hash — the event was changed after it was written`);
    }
    if (seq === 1 && prevHash !== GENESIS_HASH) problem('genesis_mismatch', 1, lineNumber, 'seq 1: its prev_hash is not the genesis hash (64 zeros)');
    if (pending.has(seq)) continue; // a second line for this seq: reported below, with every repeat
    const entry: Pending = { prev: prevHash, hash, links: 0 };
    const below = pending.get(seq - 1);
    if (below) {
      if (below.hash !== prevHash) linkBroken(seq - 1, lineNumber);
      below.links |= 2;
      entry.links |= 1;
      if (below.links === 3) pending.delete(seq - 1);
    }
    const above = pending.get(seq + 1);
    if (above) {
      if (above.prev !== hash) linkBroken(seq, lineNumber);
      above.links |= 1;
      entry.links |= 2;
      if (above.links === 3) pending.delete(seq + 1);
    }
    if (entry.links !== 3) pending.set(seq, entry);
  }

  /** seq and seq + 1 do not chain: seq was changed and re-hashed (or the prev_hash of seq + 1 rewritten). */
  function linkBroken(seq: number, line: number) {
    problem(
      'link_broken',
      seq,
      line,
      `seq ${seq} and seq ${seq + 1} do not chain: seq ${seq + 1}'s prev_hash is not seq ${seq}'s hash — seq ${seq} was changed and its hash recomputed (or seq ${seq + 1}'s prev_hash was rewritten)`,
    );
  }

  if (!firstRecordSeen) throw new NotAnAuditExportError('The file is empty.');

  const sorted = seqs.subarray(0, seqCount).sort();
  // Repeats, runs and gaps, from the sorted seqs.
  const unique: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const seq = sorted[i] as number;
    if (i > 0 && sorted[i - 1] === seq) {
      if (sorted[i - 2] !== seq) problem('duplicate_seq', seq, null, `seq ${seq} appears more than once`);
      continue;
    }
    unique.push(seq);
  }
  const runs: SeqRange[] = [];
  const gaps: SeqRange[] = [];
  let missingEvents = 0;
  for (const seq of unique) {
    const last = runs.at(-1);
    if (last && seq === last.to + 1) last.to = seq;
    else {
      if (last) {
        gaps.push({ from: last.to + 1, to: seq - 1 });
        missingEvents += seq - last.to - 1;
      }
      runs.push({ from: seq, to: seq });
    }
  }
  const proven: SeqRange[] = [];
  let provenEvents = 0;
  for (const run of runs) {
    let from: number | null = null;
    for (let seq = run.from; seq <= run.to + 1; seq++) {
      const usable = seq <= run.to && !badSeqs.has(seq);
      if (usable && from === null) from = seq;
      if (!usable && from !== null) {
        proven.push({ from, to: seq - 1 });
        provenEvents += seq - from;
        from = null;
      }
    }
  }

  if (header && typeof header.rows === 'number' && header.rows !== events) {
    problem(
      'count_mismatch',
      null,
      null,
      `the export record says ${header.rows} ${header.rows === 1 ? 'event' : 'events'}, the file holds ${events}: it was cut short, or lines were added or removed`,
    );
  }

  const checkpoints = options.checkpoints ? compareCheckpoints(options.checkpoints, hashesAtCheckpoints, runs, proven, problem) : null;

  return {
    ok: problemCount === 0,
    header,
    events,
    lowestSeq: unique[0] ?? null,
    highestSeq: unique.at(-1) ?? null,
    firstBrokenSeq,
    problems: lowestFirst(problems).slice(0, MAX_LISTED),
    problemCount,
    proven: proven.slice(0, MAX_LISTED),
    provenCount: proven.length,
    provenEvents,
    gaps: gaps.slice(0, MAX_LISTED),
    gapCount: gaps.length,
    missingEvents,
    checkpoints,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Problems at a seq first, lowest seq first; then the others by line. */
function lowestFirst(problems: ExportProblem[]): ExportProblem[] {
  return problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER) || (a.line ?? 0) - (b.line ?? 0));
}

/** The range of `ranges` (sorted, disjoint) that holds seq, or null. */
function rangeOf(ranges: readonly SeqRange[], seq: number): SeqRange | null {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid] as SeqRange;
    if (seq < range.from) hi = mid - 1;
    else if (seq > range.to) lo = mid + 1;
    else return range;
  }
  return null;
}

function compareCheckpoints(
  read: CheckpointFile,
  hashes: Map<number, string>,
  runs: readonly SeqRange[],
  proven: readonly SeqRange[],
  problem: (kind: ExportProblemKind, seq: number | null, line: number | null, message: string) => void,
): ExportCheckpointComparison {
  const sorted = [...read.checkpoints].sort((a, b) => a.seq - b.seq);
  const mismatches: ExportCheckpointComparison['mismatches'] = [];
  const anchoredUpTo = new Map<SeqRange, number>();
  let compared = 0;
  let agreed = 0;
  let outside = 0;
  const lastAgreedInRun = new Map<SeqRange, number>();
  for (const checkpoint of sorted) {
    const exportHash = hashes.get(checkpoint.seq);
    if (exportHash === undefined) {
      outside += 1;
      continue;
    }
    compared += 1;
    const run = rangeOf(runs, checkpoint.seq);
    if (exportHash === checkpoint.hash) {
      agreed += 1;
      if (run) lastAgreedInRun.set(run, checkpoint.seq);
      const range = rangeOf(proven, checkpoint.seq);
      if (range) anchoredUpTo.set(range, checkpoint.seq);
      continue;
    }
    const changedFrom = Math.max(run?.from ?? checkpoint.seq, (run ? lastAgreedInRun.get(run) ?? 0 : 0) + 1);
    mismatches.push({ ...checkpoint, exportHash, changedFrom });
    problem(
      'checkpoint_differs',
      checkpoint.seq,
      null,
      `checkpoint seq ${checkpoint.seq} (written ${checkpoint.at}) recorded hash ${checkpoint.hash}, the export has ${exportHash}: ` +
        (changedFrom === checkpoint.seq ? `seq ${checkpoint.seq} was changed` : `an event in seq ${changedFrom}–${checkpoint.seq} was changed (and the hashes after it recomputed)`),
    );
  }
  return {
    file: read.file,
    found: read.found,
    compared,
    agreed,
    outside,
    mismatches: mismatches.slice(0, MAX_LISTED),
    anchored: [...anchoredUpTo].map(([range, to]) => ({ from: range.from, to })).sort((a, b) => a.from - b.from),
    unreadableLines: read.unreadableLines.length,
    firstUnreadableLine: read.unreadableLines[0] ?? null,
  };
}

/** Verifies a JSONL export file, compared with the checkpoints in `checkpointFile` when given. */
export async function verifyExportFile(file: string, options: { checkpointFile?: string | null } = {}): Promise<ExportVerification> {
  const checkpoints = options.checkpointFile ? await readCheckpointFile(options.checkpointFile) : null;
  const stream = fs.createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', reject);
  });
  await opened;
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  try {
    return await verifyExportLines(lines, { checkpoints });
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** A range as people read it: "742" or "1–741". */
export function formatRange(range: SeqRange): string {
  return range.from === range.to ? String(range.from) : `${range.from}–${range.to}`;
}
