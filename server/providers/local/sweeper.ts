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
}

/**
 * Moves overdue `created`/`pending` inquiries to `expired` (with a timeline event, and expiring their live
 * sessions), and expires live sessions whose own expiry has passed. Batched, one transaction per batch, each
 * holding a transaction-scoped advisory lock so that two instances never sweep at once.
 */
export async function sweepExpired(db: Executor, now: Date): Promise<SweepResult> {
  const total: SweepResult = { ran: false, inquiriesExpired: 0, sessionsExpired: 0 };
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      if (!(await store.tryJobLock(trx, SWEEP_LOCK_KEY))) return null;
      const inquiries = await store.expireOverdueInquiries(trx, now, BATCH);
      const sessions = await store.expireDueSessions(trx, now, BATCH);
      return { inquiries, sessions };
    });
    if (!batch) return total;
    total.ran = true;
    total.inquiriesExpired += batch.inquiries;
    total.sessionsExpired += batch.sessions;
    if (batch.inquiries < BATCH && batch.sessions < BATCH) return total;
  }
}
