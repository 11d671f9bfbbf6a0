import type { Executor } from '../../repositories/executor.js';
import * as store from '../../repositories/inquiry-store/index.js';

// Shared by every instance on one database: only the holder of this lock sweeps.
const SWEEP_LOCK_KEY = 7_421_902;
const BATCH = 1000;

export interface SweepResult {
  /** False when another instance held the lock and this one did nothing. */
  ran: boolean;
  inquiriesExpired: number;
  sessionsExpired: number;
  /** Links marked expired (past their own expiry; the mark the access report walks by). */
  linksExpired: number;
}

/**
 * Moves overdue `created`/`pending` inquiries to `expired` (with a timeline event, and expiring their live
 * sessions), expires live sessions whose own expiry has passed, and marks links past theirs. Batched, one
 * transaction per batch, each holding a transaction-scoped advisory lock so that two instances never sweep at once.
 */
export async function sweepExpired(db: Executor, now: Date): Promise<SweepResult> {
  const total: SweepResult = { ran: false, inquiriesExpired: 0, sessionsExpired: 0, linksExpired: 0 };
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      if (!(await store.tryJobLock(trx, SWEEP_LOCK_KEY))) return null;
      const inquiries = await store.expireOverdueInquiries(trx, now, BATCH);
      const sessions = await store.expireDueSessions(trx, now, BATCH);
      const links = await store.markDueLinksExpired(trx, now, BATCH);
      return { inquiries, sessions, links };
    });
    if (!batch) return total;
    total.ran = true;
    total.inquiriesExpired += batch.inquiries;
    total.sessionsExpired += batch.sessions;
    total.linksExpired += batch.links;
    if (batch.inquiries < BATCH && batch.sessions < BATCH && batch.links < BATCH) return total;
  }
}
