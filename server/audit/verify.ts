import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { chainRowsInRange, maxEventSeq, readChainHead, type ChainRow } from '../repositories/audit.js';
import { canonicalEventBody, chainHash, GENESIS_HASH } from './canonical.js';
import type { SegmentRequest, SegmentResult } from './verify-segment.js';

/** The answer of `audit.verify()` (DESIGN §7). */
export interface AuditVerification {
  ok: boolean;
  /** Events found intact, from seq 1 up to the first broken one (all of them when ok). */
  checked: number;
  /** The chain head as recorded in audit_chain_head when verification started. */
  headHash: string;
  /** The seq of that head: the number of events in the chain, if it is intact. */
  headSeq: number;
  /**
   * The first seq at which the chain does not hold: an event whose hash or prev_hash is wrong, or the seq that is
   * missing when an event was deleted, or the first seq past the recorded head when events exist beyond it.
   * null when ok.
   */
  firstBrokenSeq: number | null;
}

export interface VerifyOptions {
  /** Events fetched per query; the next batch is fetched while this one is hashed. */
  batchSize?: number;
  /**
   * PostgreSQL only: the URL of the database `db` is connected to. With it, a long chain is split into seq ranges
   * checked at once by worker threads, each on its own connection (verify-segment.ts); the answer is the same.
   */
  databaseUrl?: string;
  /** Worker threads for a parallel verification (default: the machine's available parallelism, at most 8). */
  workers?: number;
  /** Chains shorter than this are verified on the calling thread (default 50,000 events). */
  minEventsForWorkers?: number;
}

function rowBody(row: ChainRow): string {
  return canonicalEventBody({
    occurredAt: new Date(row.occurred_ms),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorDisplay: row.actor_display,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    ticket: row.ticket,
    metadata: row.metadata,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
  });
}

/**
 * Walks the chain from seq 1 to the head recorded when it starts, recomputing every hash from the event's
 * columns (canonical.ts) and checking that seq has no gap and each prev_hash is the previous event's hash; then
 * checks that the head row names the last event and that no event lies beyond it. Appends made meanwhile are
 * simply not covered. Reads in seq ranges (keyset on the primary key), without a long-lived transaction, so it
 * never holds back vacuum of the hot head row.
 */
export async function verifyAuditChain(db: Kysely<DB>, options: VerifyOptions = {}): Promise<AuditVerification> {
  const head = await readChainHead(db);
  if (!head) throw new Error('audit_chain_head is missing: the audit migration has not been applied');
  const workers = Math.max(1, Math.floor(options.workers ?? Math.min(os.availableParallelism(), 8)));
  const parallel = options.databaseUrl !== undefined && workers > 1 && head.seq >= (options.minEventsForWorkers ?? 50_000);
  const walked = parallel
    ? await walkInWorkers(options.databaseUrl as string, head.seq, workers)
    : await walkInBatches(db, head.seq, Math.max(1, Math.floor(options.batchSize ?? 20_000)));
  const broken = (seq: number, checked: number): AuditVerification => ({ ok: false, checked, headHash: head.hash, headSeq: head.seq, firstBrokenSeq: seq });
  if (walked.brokenSeq !== null) return broken(walked.brokenSeq, walked.brokenSeq - 1);

  if (walked.lastHash !== head.hash) return broken(Math.max(head.seq, 1), Math.max(head.seq - 1, 0));
  // Nothing may lie beyond the head. Read the highest seq before the head: every event visible then had
  // committed together with a head at least that far, so a higher seq than the head means a forged event.
  const maxSeq = await maxEventSeq(db);
  const headNow = await readChainHead(db);
  if (headNow && maxSeq > headNow.seq) return broken(headNow.seq + 1, head.seq);
  return { ok: true, checked: head.seq, headHash: head.hash, headSeq: head.seq, firstBrokenSeq: null };
}

/** Where a walk from seq 1 to the head ended: the first broken seq, or the hash of the head's event. */
interface Walk {
  brokenSeq: number | null;
  lastHash: string;
}

/** Seq 1 to headSeq on the calling thread, in keyset batches, fetching the next batch while hashing this one. */
async function walkInBatches(db: Kysely<DB>, headSeq: number, batchSize: number): Promise<Walk> {
  const end = headSeq + 1; // exclusive
  const fetch = (from: number) => {
    const promise = chainRowsInRange(db, from, Math.min(from + batchSize, end));
    promise.catch(() => undefined); // awaited below; this only keeps an abandoned prefetch from going unhandled
    return promise;
  };

  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let pending = end > 1 ? fetch(1) : null;
  for (let from = 1; from < end; from += batchSize) {
    const rows = await (pending as Promise<ChainRow[]>);
    pending = from + batchSize < end ? fetch(from + batchSize) : null;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return { brokenSeq: expectedSeq, lastHash: prevHash };
      if (row.prev_hash !== prevHash || !Number.isInteger(row.occurred_ms)) return { brokenSeq: seq, lastHash: prevHash };
      const hash = row.hash;
      if (chainHash(prevHash, seq, rowBody(row)) !== hash) return { brokenSeq: seq, lastHash: prevHash };
      prevHash = hash;
      expectedSeq = seq + 1;
    }
    const batchEnd = Math.min(from + batchSize, end);
    if (expectedSeq < batchEnd) return { brokenSeq: expectedSeq, lastHash: prevHash }; // events deleted at the batch's end
  }
  return { brokenSeq: null, lastHash: prevHash };
}

function runSegment(request: SegmentRequest): Promise<SegmentResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./verify-worker.mjs', import.meta.url), { workerData: request });
    let answered = false;
    worker.once('message', (result: SegmentResult) => {
      answered = true;
      resolve(result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`audit verification worker stopped (exit code ${code}) before answering`));
    });
  });
}

/**
 * Seq 1 to headSeq split into one contiguous range per worker. Each range is checked on its own (every event's
 * hash, and each prev_hash against the event before it inside the range); here the ranges are joined: each
 * range's first prev_hash must be the previous range's last hash. The first broken seq is the lowest found.
 */
async function walkInWorkers(databaseUrl: string, headSeq: number, workers: number): Promise<Walk> {
  const end = headSeq + 1;
  const size = Math.ceil(headSeq / workers);
  const requests: SegmentRequest[] = [];
  for (let from = 1; from < end; from += size) requests.push({ databaseUrl, from, to: Math.min(from + size, end) });
  const results = await Promise.all(requests.map(runSegment));
  let prevHash = GENESIS_HASH;
  for (const segment of results) {
    if (segment.firstPrevHash !== null && segment.firstPrevHash !== prevHash) return { brokenSeq: segment.from, lastHash: prevHash };
    if (segment.brokenSeq !== null) return { brokenSeq: segment.brokenSeq, lastHash: prevHash };
    prevHash = segment.lastHash ?? prevHash;
  }
  return { brokenSeq: null, lastHash: prevHash };
}
