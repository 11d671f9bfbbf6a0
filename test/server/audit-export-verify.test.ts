import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalEventBody, chainHash, GENESIS_HASH } from '../../server/audit/canonical.js';
import { checkpointLine, type CheckpointFile } from '../../server/audit/checkpoints.js';
import { readEventLine } from '../../server/audit/export-lines.js';
import { verifyExportLines } from '../../server/audit/export-verify.js';
import { createContextInner } from '../../server/context.js';
import { appendAuditEvent } from '../../server/services/audit.js';
import { startAuditExport } from '../../server/services/exports.js';
import { createTestDatabase, type TestDatabase } from '../db.js';
import { authTestDeps, testStaff } from '../helpers/auth.js';

/**
 * `npm run audit:verify -- --file export.jsonl` (docs/audit.md, "Exports"): an export verified from the file alone.
 * The export is made once (on PGlite: the verifier never sees a database, so the engine does not matter to it;
 * test/server/exports.test.ts makes and tampers with exports on both engines).
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The script in its own process, with only the environment given (no DATABASE_URL unless passed). */
async function auditVerify(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { DATABASE_URL: _url, DATA_DIR: _dir, AUDIT_CHECKPOINT_FILE: _file, ...inherited } = process.env;
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'server/scripts/audit-verify.ts', ...args], {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Recomputes the hash of every event line from `from` on, chaining each to the one before: a full re-hash. */
function rehashFrom(lines: string[], seq: number): string[] {
  const header = lines[0] ?? '';
  const events = lines.slice(1).map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => (a.seq as number) - (b.seq as number));
  let prev: string | null = null;
  for (const event of events) {
    if ((event.seq as number) >= seq) {
      if (prev !== null) event.prev_hash = prev;
      const read = readEventLine(event);
      if (typeof read === 'string') throw new Error(read);
      event.hash = chainHash(read.prevHash, read.seq, canonicalEventBody(read.event));
    }
    prev = event.hash as string;
  }
  return [header, ...events.reverse().map((e) => JSON.stringify(e))];
}

describe('verifying an export offline', () => {
  let database: TestDatabase;
  let dir: string;
  let full: string[];
  let filtered: string[];

  const exportLines = async (q: string) => {
    const { deps } = authTestDeps(database);
    const staff = testStaff('compliance');
    const started = await startAuditExport({ ...createContextInner(deps, { staff }), staff }, 'jsonl', new URLSearchParams(q ? { q } : {}));
    let text = started.preamble;
    for await (const chunk of started.chunks) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    return text.split('\n').filter(Boolean);
  };
  const write = (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  const lineOf = (lines: string[], seq: number) => lines.findIndex((l) => (JSON.parse(l) as { seq?: number }).seq === seq);
  const hashAt = (lines: string[], seq: number) => (JSON.parse(lines[lineOf(lines, seq)] ?? '{}') as { hash: string }).hash;

  beforeAll(async () => {
    database = await createTestDatabase('pglite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inqdesk-export-'));
    for (let n = 1; n <= 40; n++) {
      await database.db.transaction().execute((trx) =>
        appendAuditEvent(trx, {
          actor: { type: 'staff', id: n % 2 === 0 ? 'stf_even' : 'stf_odd', display: null },
          action: n % 4 === 0 ? 'link.revoked' : 'link.created',
          target: { type: 'inquiry', id: `inq_x${n % 3}` },
          reason: `event ${n}`,
          metadata: { n },
          occurredAt: new Date(Date.UTC(2026, 5, 1, 0, n)),
        }),
      );
    }
    full = await exportLines('');
    filtered = await exportLines('actor:stf_even');
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('npm run audit:verify -- --file: intact, with no database (none configured, and none reachable)', { timeout: 60_000 }, async () => {
    const file = write('full.jsonl', full);
    const dataDir = path.join(dir, 'never-created');
    const offline = await auditVerify(['--file', file], { DATA_DIR: dataDir });
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('Events: 40 read (the export record says 40), seq 1 to 40');
    expect(offline.stdout).toContain('Proven: seq 1–40 — 40 events');
    expect(offline.stdout).toContain('Export intact: 40 events');
    // Nothing was opened: the embedded database would have created its directory.
    expect(fs.existsSync(dataDir)).toBe(false);
    // A configured server database that cannot be reached changes nothing: it is never asked.
    const unreachable = await auditVerify(['--file', file], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(unreachable.code).toBe(0);
    expect(unreachable.stdout).toContain('Export intact');
  });

  it('names the first broken seq of an edited export (exit 1), and refuses what it cannot verify (exit 2)', { timeout: 60_000 }, async () => {
    const edited = [...full];
    const at = lineOf(edited, 17);
    edited[at] = (edited[at] ?? '').replace('"event 17"', '"event seventeen"');
    const broken = await auditVerify(['--file', write('edited.jsonl', edited)]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('Export BROKEN at seq 17: 1 problem(s)');
    expect(broken.stdout).toContain('seq 17: its fields and prev_hash do not give its hash');
    expect(broken.stdout).toContain('Proven: seq 1–16, 18–40');

    expect((await auditVerify(['--file', path.join(dir, 'missing.jsonl')])).stderr).toContain('missing.jsonl does not exist');
    const csv = await auditVerify(['--file', write('export.csv', ['# Inquiry Desk audit log export', 'seq,occurred_at'])]);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('a CSV export cannot be verified');
    expect((await auditVerify(['--file'])).code).toBe(2);
  });

  it('a filtered export: each run proven, the gaps named as unproven', { timeout: 60_000 }, async () => {
    const result = await verifyExportLines(filtered);
    expect(result.ok).toBe(true);
    expect(result.events).toBe(20);
    expect(result.provenCount).toBe(20); // every other seq: runs of one
    expect(result.gapCount).toBe(19);
    expect(result.missingEvents).toBe(19);
    const cli = await auditVerify(['--file', write('filtered.jsonl', filtered)]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('Proven: seq 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40 — 20 events');
    expect(cli.stdout).toContain('Not in this export (unproven): seq 3, 5, 7');
    expect(cli.stdout).toContain('19 events a filtered export leaves out');

    // An event dropped from a filtered export's run is found by the count its first record gives.
    const dropped = filtered.filter((_, i) => i !== 3);
    const short = await verifyExportLines(dropped);
    expect(short.ok).toBe(false);
    expect(short.problems.map((p) => p.kind)).toEqual(['count_mismatch']);
  });

  it('checkpoints: one inside the export anchors its run; a whole re-hashed export is caught by it', async () => {
    const checkpoints = (entries: Array<[number, string]>): CheckpointFile => ({
      file: 'checkpoints.jsonl',
      found: true,
      checkpoints: entries.map(([seq, hash]) => ({ seq, hash, at: '2026-06-02T00:00:00.000Z' })),
      unreadableLines: [],
    });
    const truth = checkpoints([
      [10, hashAt(full, 10)],
      [30, hashAt(full, 30)],
      [99, 'f'.repeat(64)],
    ]);
    const anchored = await verifyExportLines(full, { checkpoints: truth });
    expect(anchored.ok).toBe(true);
    expect(anchored.checkpoints).toMatchObject({ compared: 2, agreed: 2, outside: 1, anchored: [{ from: 1, to: 30 }] });

    // Someone edits event 17 and recomputes every hash after it: the chain holds, the checkpoint at 30 does not.
    const rewritten = rehashFrom(
      full.map((l) => l.replace('"event 17"', '"event seventeen"')),
      17,
    );
    expect((await verifyExportLines(rewritten)).ok).toBe(true);
    const caught = await verifyExportLines(rewritten, { checkpoints: truth });
    expect(caught.ok).toBe(false);
    expect(caught.firstBrokenSeq).toBe(30);
    expect(caught.problems[0]?.message).toMatch(/^checkpoint seq 30 .* an event in seq 11–30 was changed/);
    expect(caught.checkpoints?.anchored).toEqual([{ from: 1, to: 10 }]);

    // The same from the command line, with the checkpoints in a file.
    const file = path.join(dir, 'checkpoints.jsonl');
    fs.writeFileSync(file, truth.checkpoints.map(checkpointLine).join(''));
    const cli = await auditVerify(['--file', write('rewritten.jsonl', rewritten), '--checkpoints', file]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('Checkpoints: 2 of 3 in');
    expect(cli.stdout).toContain('Export BROKEN at seq 30');
  }, 60_000);

  it('seq 1 must follow the genesis hash, and a seq twice is refused', async () => {
    const replaced = full.map((l) => l.replace(`"prev_hash":"${GENESIS_HASH}"`, `"prev_hash":"${'1'.repeat(64)}"`));
    // seq 1 re-hashed over its new prev_hash, and everything after it re-chained: only the genesis rule is left.
    const one = JSON.parse(replaced[lineOf(replaced, 1)] ?? '') as Record<string, unknown>;
    const read = readEventLine(one);
    if (typeof read === 'string') throw new Error(read);
    one.hash = chainHash(read.prevHash, 1, canonicalEventBody(read.event));
    replaced[lineOf(replaced, 1)] = JSON.stringify(one);
    const fixed = rehashFrom(replaced, 2);
    const result = await verifyExportLines(fixed);
    expect(result.firstBrokenSeq).toBe(1);
    expect(result.problems.map((p) => p.kind)).toContain('genesis_mismatch');

    const twice = [...full, full[lineOf(full, 5)] ?? ''];
    const repeated = await verifyExportLines(twice);
    expect(repeated.problems.map((p) => [p.kind, p.seq])).toEqual(expect.arrayContaining([['duplicate_seq', 5]]));
  });
});
