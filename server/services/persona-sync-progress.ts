import type { SyncRunRow } from '../repositories/persona-sync.js';
import type { SyncProgress } from '../../shared/persona-sync.js';

export type { SyncProgress };

/** A running run is presumed dead after this long without a heartbeat (services/persona-sync.ts takes it over). */
export const STALE_AFTER_MS = 2 * 60_000;

/**
 * A run's progress at `now`. The rate counts this run's own inquiries (not those it carried from the run it
 * resumed) over its time so far. Persona's list has no total, so the share done is estimated from creation times:
 * pages come newest first, so (newest − reached) / (newest − lower bound) of the time span is behind us, and the
 * total is the count so far divided by it — an estimate that assumes inquiries were created evenly over time,
 * given only when a lower bound is known (`since`, or the oldest inquiry of an earlier whole walk) and not passed.
 */
export function describeRun(run: SyncRunRow, now: Date, waitingUntil: Date | null): SyncProgress {
  const end = run.finished_at ?? now;
  const elapsedSeconds = Math.max(0, (end.getTime() - run.started_at.getTime()) / 1000);
  const own = run.inquiries - run.carried_inquiries;
  const ratePerSecond = run.pages > 0 && elapsedSeconds > 0 && own > 0 ? own / elapsedSeconds : null;

  let estimatedFraction: number | null = run.status === 'done' ? 1 : null;
  const newest = run.newest_created_at?.getTime();
  const reached = run.oldest_created_at?.getTime();
  const lower = run.lower_bound_at?.getTime();
  if (run.status !== 'done' && newest !== undefined && reached !== undefined && lower !== undefined && newest > lower && reached >= lower) {
    estimatedFraction = Math.min(1, Math.max(0, (newest - reached) / (newest - lower)));
  }
  let etaSeconds: number | null = null;
  if (run.status === 'running' && estimatedFraction !== null && estimatedFraction > 0 && ratePerSecond !== null) {
    const estimatedTotal = run.inquiries / estimatedFraction;
    etaSeconds = Math.max(0, estimatedTotal - run.inquiries) / ratePerSecond;
  }
  return {
    runId: run.id,
    status: run.status,
    startedBy: run.started_by,
    startedAt: run.started_at,
    finishedAt: run.finished_at,
    resumedFrom: run.resumed_from,
    since: run.since,
    inquiries: run.inquiries,
    sessions: run.sessions,
    pages: run.pages,
    errors: run.errors,
    lastError: run.last_error,
    ratePerSecond,
    estimatedFraction,
    etaSeconds,
    reachedCreatedAt: run.oldest_created_at,
    waitingUntil,
    stale: run.status === 'running' && now.getTime() - run.heartbeat_at.getTime() > STALE_AFTER_MS,
  };
}
