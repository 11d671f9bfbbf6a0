import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { chainRowsInRange, maxEventSeq, readChainHead, type ChainRow } from '../repositories/audit.js';
import { canonicalEventBody, chainHash, GENESIS_HASH } from './canonical.js';

/** The answer of `audit.verify()` (DESIGN §7). */
export interface AuditVerification {
  ok: boolean;
  /** Events found intact, from seq 1 up to the first broken one (all of them when ok). */
  checked: number;
  /** The chain head as recorded in audit_chain_head when verification started. */
  headHash: string;
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
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 20_000));
  const head = await readChainHead(db);
  if (!head) throw new Error('audit_chain_head is missing: the audit migration has not been applied');
  const end = head.seq + 1; // exclusive

  const broken = (seq: number, checked: number): AuditVerification => ({ ok: false, checked, headHash: head.hash, firstBrokenSeq: seq });
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
      if (seq !== expectedSeq) return broken(expectedSeq, expectedSeq - 1);
      if (row.prev_hash !== prevHash || !Number.isInteger(row.occurred_ms)) return broken(seq, seq - 1);
      const hash = row.hash;
      if (chainHash(prevHash, seq, rowBody(row)) !== hash) return broken(seq, seq - 1);
      prevHash = hash;
      expectedSeq = seq + 1;
    }
    const batchEnd = Math.min(from + batchSize, end);
    if (expectedSeq < batchEnd) return broken(expectedSeq, expectedSeq - 1); // events deleted at the batch's end
  }

  if (prevHash !== head.hash) return broken(Math.max(head.seq, 1), Math.max(head.seq - 1, 0));
  // Nothing may lie beyond the head. Read the highest seq before the head: every event visible then had
  // committed together with a head at least that far, so a higher seq than the head means a forged event.
  const maxSeq = await maxEventSeq(db);
  const headNow = await readChainHead(db);
  if (headNow && maxSeq > headNow.seq) return broken(headNow.seq + 1, head.seq);
  return { ok: true, checked: head.seq, headHash: head.hash, firstBrokenSeq: null };
}
