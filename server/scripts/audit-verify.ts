import { parseArgs } from 'node:util';
import type { CheckpointComparison, CheckpointMismatch } from '../audit/checkpoints.js';
import type { ExportHeader } from '../audit/export-lines.js';
import type { ExportVerification } from '../audit/export-verify.js';

/**
 * `npm run audit:verify [-- --checkpoints FILE]`: recomputes the whole audit chain and compares it with every
 * checkpoint in FILE (default AUDIT_CHECKPOINT_FILE); exits 1 when either does not hold, 2 when it cannot run.
 *
 * `npm run audit:verify -- --file export.jsonl [--checkpoints FILE]`: verifies a JSONL export offline, from the file
 * alone — no configuration is read and no database is opened (server/audit/export-verify.ts). Exits 1 naming the
 * first broken seq, 2 when the file cannot be read or is not an audit export.
 */

const USAGE = 'Usage: npm run audit:verify [-- --checkpoints FILE]\n       npm run audit:verify -- --file EXPORT.jsonl [--checkpoints FILE]';

let args: { file: string | null; checkpoints: string | null };
try {
  const { values } = parseArgs({ options: { checkpoints: { type: 'string' }, file: { type: 'string' } }, strict: true });
  args = { file: values.file ?? null, checkpoints: values.checkpoints ?? null };
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}

function mismatchLine(m: CheckpointMismatch): string {
  const where = `checkpoint seq ${m.seq} (written ${m.at})`;
  switch (m.problem) {
    case 'hash_differs':
      return `  ${where}: recorded hash ${m.hash}, the database has ${m.databaseHash}: an event in seq ${m.changedAfterSeq + 1}–${m.seq} was changed`;
    case 'event_missing':
      return `  ${where}: there is no event ${m.seq} in the database`;
    case 'beyond_head':
      return `  ${where}: past the chain's head — events up to seq ${m.seq} were removed from its end`;
  }
}

function checkpointReport(c: CheckpointComparison): string[] {
  if (!c.found) return [`Checkpoints: ${c.file} does not exist (yet); nothing to compare with`];
  const lines = [
    c.mismatchCount === 0
      ? `Checkpoints: all ${c.compared} in ${c.file} agree${c.latest ? ` (latest: seq ${c.latest.seq}, ${c.latest.at})` : ''}`
      : `Checkpoints: ${c.mismatchCount} of ${c.compared} in ${c.file} DISAGREE with the database:`,
    ...c.mismatches.map(mismatchLine),
  ];
  if (c.mismatchCount > c.mismatches.length) lines.push(`  … and ${c.mismatchCount - c.mismatches.length} more`);
  if (c.unreadableLines > 0) lines.push(`Warning: ${c.unreadableLines} line(s) of ${c.file} are not checkpoints (first: line ${c.firstUnreadableLine})`);
  return lines;
}

/** The chain in the configured database, and the checkpoints. */
async function verifyDatabase(checkpointsArg: string | null): Promise<void> {
  const { exitOnConfigError, loadConfig } = await import('../config.js');
  const { openDatabase } = await import('../db/index.js');
  const { verifyAuditLog } = await import('../audit/checkpoints.js');
  exitOnConfigError();
  const config = loadConfig();
  const checkpointFile = checkpointsArg ?? config.auditCheckpoints.file;
  const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  try {
    const result = await verifyAuditLog(database.db, { checkpointFile, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) });
    const seconds = (result.durationMs / 1000).toFixed(2);
    if (result.ok) {
      console.log(`Audit chain intact: ${result.checked} events, head ${result.headHash} (${seconds} s)`);
    } else {
      console.log(`Audit chain BROKEN at seq ${result.firstBrokenSeq}: ${result.checked} events before it are proven intact; recorded head ${result.headHash} (seq ${result.headSeq})`);
      process.exitCode = 1;
    }
    if (result.checkpoints) console.log(checkpointReport(result.checkpoints).join('\n'));
    else console.log('Checkpoints: none compared (set AUDIT_CHECKPOINT_FILE or pass --checkpoints FILE)');
  } catch (error) {
    console.error(`Audit verification could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  } finally {
    await database.close();
  }
}

const number = new Intl.NumberFormat('en-US');

function ranges(list: ReadonlyArray<{ from: number; to: number }>, total: number, format: (r: { from: number; to: number }) => string): string {
  const shown = list.map(format).join(', ');
  return total > list.length ? `${shown}, … (${number.format(total)} ranges in all)` : shown;
}

/** What an offline verification found, as lines for a person. */
function exportReport(file: string, r: ExportVerification, format: (r: { from: number; to: number }) => string): string[] {
  const lines: string[] = [];
  // Read from the file: any member may be missing.
  const h = r.header as (Partial<Omit<ExportHeader, 'exportedBy'>> & { exportedBy?: Partial<ExportHeader['exportedBy']> }) | null;
  if (h) {
    lines.push(
      `Export ${file}: ${h.exportId ?? '?'}, exported ${h.exportedAt ?? '?'} by ${h.exportedBy?.email ?? '?'} (${h.exportedBy?.role ?? '?'}); ` +
        `search: ${h.query ? h.query : '(everything)'}; events up to seq ${h.upToSeq ?? '?'}`,
    );
  }
  lines.push(`Events: ${number.format(r.events)} read${h && typeof h.rows === 'number' ? ` (the export record says ${number.format(h.rows)})` : ''}, seq ${r.lowestSeq ?? '–'} to ${r.highestSeq ?? '–'} (${(r.durationMs / 1000).toFixed(2)} s)`);
  lines.push(
    r.provenCount > 0
      ? `Proven: seq ${ranges(r.proven, r.provenCount, format)} — ${number.format(r.provenEvents)} events, each hash recomputed from the event's fields and every link between consecutive seqs checked`
      : 'Proven: nothing',
  );
  if (r.gapCount > 0) {
    lines.push(
      `Not in this export (unproven): seq ${ranges(r.gaps, r.gapCount, format)} — ${number.format(r.missingEvents)} events a filtered export leaves out; nothing here says what they hold`,
    );
  }
  if (r.checkpoints) {
    const c = r.checkpoints;
    if (!c.found) lines.push(`Checkpoints: ${c.file} does not exist; nothing to compare with`);
    else {
      lines.push(
        `Checkpoints: ${c.compared} of ${c.compared + c.outside} in ${c.file} fall on events of this export; ${c.agreed} agree${c.mismatches.length > 0 ? `, ${c.compared - c.agreed} DISAGREE` : ''}` +
          (c.outside > 0 ? `; ${c.outside} name seqs this export does not hold (not compared)` : ''),
      );
      if (c.anchored.length > 0) lines.push(`  Anchored by a checkpoint (as the log held them when it was written): seq ${c.anchored.map(format).join(', ')}`);
      if (c.unreadableLines > 0) lines.push(`  Warning: ${c.unreadableLines} line(s) of ${c.file} are not checkpoints (first: line ${c.firstUnreadableLine})`);
    }
  }
  if (r.ok) {
    lines.push(`Export intact: ${number.format(r.events)} events; every one proven as described above`);
  } else {
    lines.push(
      r.firstBrokenSeq !== null
        ? `Export BROKEN at seq ${r.firstBrokenSeq}: ${number.format(r.problemCount)} problem(s)`
        : `Export BROKEN: ${number.format(r.problemCount)} problem(s)`,
    );
    for (const p of r.problems) lines.push(`  ${p.message}`);
    if (r.problemCount > r.problems.length) lines.push(`  … and ${number.format(r.problemCount - r.problems.length)} more`);
  }
  return lines;
}

/** An export file, offline. */
async function verifyFile(file: string, checkpointFile: string | null): Promise<void> {
  const { verifyExportFile, formatRange, NotAnAuditExportError } = await import('../audit/export-verify.js');
  const { CheckpointFileError } = await import('../audit/checkpoints.js');
  try {
    const result = await verifyExportFile(file, { checkpointFile });
    console.log(exportReport(file, result, formatRange).join('\n'));
    if (!result.ok) process.exitCode = 1;
  } catch (error) {
    const known = error instanceof NotAnAuditExportError || error instanceof CheckpointFileError;
    const code = (error as NodeJS.ErrnoException).code;
    const message = known ? error.message : code === 'ENOENT' ? `${file} does not exist` : code ? `${file} cannot be read (${code})` : String(error);
    console.error(`Export verification could not run: ${message}`);
    process.exitCode = 2;
  }
}

// Last, once everything above is defined.
if (args.file !== null) await verifyFile(args.file, args.checkpoints);
else await verifyDatabase(args.checkpoints);
