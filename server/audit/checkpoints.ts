import fs from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { eventHashesAt } from '../repositories/audit.js';
import { GENESIS_HASH } from './canonical.js';
import { verifyAuditChain, type AuditVerification, type VerifyOptions } from './verify.js';

/**
 * Audit checkpoints: the chain head (seq, hash, time) written outside the database (checkpoint-writer.ts), and
 * the comparison of the chain with every checkpoint written so far.
 *
 * The chain alone proves that no event was changed by someone who cannot recompute hashes. A database superuser
 * can: edit an event, recompute every later hash with canonical.ts, move the head, and the chain verifies again.
 * A checkpoint names the hash the event at its seq had when it was written, somewhere that superuser cannot write;
 * after such a rewrite the event at that seq carries another hash, and the comparison names it.
 *
 * The file is JSON lines, one checkpoint a line, appended only: `{"seq":1234,"hash":"<64 hex>","at":"<ISO-8601>"}`.
 */

export interface Checkpoint {
  seq: number;
  /** The chain hash of the event at seq (GENESIS_HASH for seq 0, the empty chain). */
  hash: string;
  /** When it was taken, ISO-8601 UTC. */
  at: string;
}

/** One line of the checkpoint file (the webhook receives the same JSON). */
export function checkpointLine(checkpoint: Checkpoint): string {
  return `${JSON.stringify({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at })}\n`;
}

const HASH = /^[0-9a-f]{64}$/;

/** A checkpoint from one line of JSON, or null when the line is not one. */
export function parseCheckpoint(line: string): Checkpoint | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const { seq, hash, at } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return null;
  if (typeof hash !== 'string' || !HASH.test(hash)) return null;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return null;
  return { seq, hash, at };
}

export interface CheckpointFile {
  file: string;
  /** False when the file does not exist (yet): nothing to compare with. */
  found: boolean;
  checkpoints: Checkpoint[];
  /** Non-blank lines that are not a checkpoint (a write cut short, or an edit by hand), by line number. */
  unreadableLines: number[];
}

/** The checkpoint file exists but cannot be read (no permission, a directory): the operator's to fix. */
export class CheckpointFileError extends Error {
  override readonly name = 'CheckpointFileError';
}

/** Reads a checkpoint file. A missing file is `found: false`; any other failure throws a CheckpointFileError. */
export async function readCheckpointFile(file: string): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { file, found: false, checkpoints: [], unreadableLines: [] };
    throw new CheckpointFileError(`The checkpoint file ${file} (AUDIT_CHECKPOINT_FILE) cannot be read (${code ?? 'unreadable'}).`);
  }
  const checkpoints: Checkpoint[] = [];
  const unreadableLines: number[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const checkpoint = parseCheckpoint(line);
    if (checkpoint) checkpoints.push(checkpoint);
    else unreadableLines.push(index + 1);
  }
  return { file, found: true, checkpoints, unreadableLines };
}

/**
 * Why a checkpoint disagrees with the database:
 * - `hash_differs`: the event at its seq has another hash: it, or an event before it, was rewritten (and, when the
 *   chain itself holds, every later hash recomputed);
 * - `event_missing`: there is no event at its seq, below the head: deleted;
 * - `beyond_head`: its seq is past the chain's head: events the checkpoint saw were removed from the end.
 */
export type CheckpointProblem = 'hash_differs' | 'event_missing' | 'beyond_head';

export interface CheckpointMismatch extends Checkpoint {
  problem: CheckpointProblem;
  /** The hash the database holds for seq; null when there is no event there. */
  databaseHash: string | null;
  /**
   * The highest seq below this one whose checkpoint agrees (0: none): the changed event lies after it, at most at
   * this checkpoint's seq.
   */
  changedAfterSeq: number;
}

export interface CheckpointComparison {
  file: string;
  found: boolean;
  /** Checkpoints compared (every readable line). */
  compared: number;
  /** Of those, the ones the database agrees with. */
  agreed: number;
  /** The checkpoint with the highest seq, whether it agrees or not. */
  latest: Checkpoint | null;
  /** Disagreeing checkpoints, lowest seq first, at most MAX_MISMATCHES of them; mismatchCount counts all. */
  mismatches: CheckpointMismatch[];
  mismatchCount: number;
  unreadableLines: number;
  firstUnreadableLine: number | null;
}

/** Mismatches listed in an answer; a rewrite low in the chain can make every later checkpoint disagree. */
export const MAX_MISMATCHES = 20;

/** Compares each checkpoint with the event the database holds at its seq, against a head of `headSeq`. */
export async function compareWithCheckpoints(db: Kysely<DB>, headSeq: number, read: CheckpointFile): Promise<CheckpointComparison> {
  const sorted = [...read.checkpoints].sort((a, b) => a.seq - b.seq);
  const wanted = [...new Set(sorted.filter((c) => c.seq > 0 && c.seq <= headSeq).map((c) => c.seq))];
  const hashes = await eventHashesAt(db, wanted);
  const mismatches: CheckpointMismatch[] = [];
  let agreed = 0;
  let lastAgreedSeq = 0;
  for (const checkpoint of sorted) {
    const databaseHash = checkpoint.seq === 0 ? GENESIS_HASH : (hashes.get(checkpoint.seq) ?? null);
    const problem: CheckpointProblem | null =
      checkpoint.seq > headSeq ? 'beyond_head' : databaseHash === null ? 'event_missing' : databaseHash !== checkpoint.hash ? 'hash_differs' : null;
    if (problem === null) {
      agreed += 1;
      lastAgreedSeq = checkpoint.seq;
    } else {
      mismatches.push({ ...checkpoint, problem, databaseHash, changedAfterSeq: lastAgreedSeq });
    }
  }
  return {
    file: read.file,
    found: read.found,
    compared: sorted.length,
    agreed,
    latest: sorted.at(-1) ?? null,
    mismatches: mismatches.slice(0, MAX_MISMATCHES),
    mismatchCount: mismatches.length,
    unreadableLines: read.unreadableLines.length,
    firstUnreadableLine: read.unreadableLines[0] ?? null,
  };
}

/** The answer of `audit.verify()` and `npm run audit:verify`: the chain, and the chain against the checkpoints. */
export interface AuditLogVerification extends AuditVerification {
  /** Wall time of the whole verification, checkpoints included. */
  durationMs: number;
  /** null when no checkpoint file was given (AUDIT_CHECKPOINT_FILE unset, no --checkpoints). */
  checkpoints: CheckpointComparison | null;
}

/**
 * Verifies the chain (verify.ts) and compares it with every checkpoint in `checkpointFile`. `ok` only when both
 * hold. When a checkpoint disagrees, `firstBrokenSeq` is the lowest seq proven broken — the chain's own first
 * break, a disagreeing checkpoint's seq, or head + 1 when a checkpoint lies past the head — and `checked` counts
 * the events proven intact before it (for a disagreeing checkpoint: up to the last one that agrees).
 */
export async function verifyAuditLog(db: Kysely<DB>, options: VerifyOptions & { checkpointFile?: string | null } = {}): Promise<AuditLogVerification> {
  const started = performance.now();
  // Read before the head: every checkpoint written by then names a seq at or below the head verification reads.
  const read = options.checkpointFile ? await readCheckpointFile(options.checkpointFile) : null;
  const chain = await verifyAuditChain(db, options);
  const checkpoints = read ? await compareWithCheckpoints(db, chain.headSeq, read) : null;
  let { ok, checked, firstBrokenSeq } = chain;
  const first = checkpoints?.mismatches[0];
  if (first) {
    ok = false;
    const brokenAt = first.problem === 'beyond_head' ? chain.headSeq + 1 : first.seq;
    if (firstBrokenSeq === null || brokenAt < firstBrokenSeq) {
      firstBrokenSeq = brokenAt;
      checked = first.problem === 'beyond_head' ? chain.checked : first.changedAfterSeq;
    }
  }
  return { ...chain, ok, checked, firstBrokenSeq, durationMs: Math.round(performance.now() - started), checkpoints };
}
