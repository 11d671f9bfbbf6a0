import { parseArgs } from 'node:util';
import { exitOnConfigError, loadConfig } from '../config.js';
import { openDatabase } from '../db/index.js';
import { verifyAuditLog, type CheckpointComparison, type CheckpointMismatch } from '../audit/checkpoints.js';

/**
 * `npm run audit:verify [-- --checkpoints FILE]`: recomputes the whole audit chain and compares it with every
 * checkpoint in FILE (default AUDIT_CHECKPOINT_FILE); exits 1 when either does not hold, 2 when it cannot run.
 */
exitOnConfigError();
const config = loadConfig();
let checkpointFile: string | null;
try {
  const { values } = parseArgs({ options: { checkpoints: { type: 'string' } }, strict: true });
  checkpointFile = values.checkpoints ?? config.auditCheckpoints.file;
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\nUsage: npm run audit:verify [-- --checkpoints FILE]`);
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
