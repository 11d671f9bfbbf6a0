import { performance } from 'node:perf_hooks';
import type { AppDeps } from '../../deps.js';
import { pruneGuardState } from '../../repositories/access.js';
import { expireDueRequests } from '../../services/inquiry-actions/approval-expiry.js';
import { sweepExpired } from './sweeper.js';

// Longer than any rate-limit window (max 1 day) and Persona's 24 h idempotency replay window.
const GUARD_STATE_RETENTION_MS = 2 * 24 * 3_600_000;

/** Runs the expiry sweep now and then every interval; returns a function that stops it. */
export function startSweeper(deps: AppDeps): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    const started = performance.now();
    let outcome: 'ran' | 'skipped' | 'error' = 'error';
    try {
      const now = deps.now();
      const result = await sweepExpired(deps.database.db, now);
      if (result.ran) await pruneGuardState(deps.database.db, new Date(now.getTime() - GUARD_STATE_RETENTION_MS));
      // Token link requests nobody decided in time (docs/two-person-rule.md): each audited as link.approval_expired.
      if (result.ran) await expireDueRequests(deps, now);
      if (result.inquiriesExpired > 0 || result.sessionsExpired > 0 || result.linksExpired > 0) deps.log.info(result, 'expiry sweep');
      outcome = result.ran ? 'ran' : 'skipped';
      deps.metrics.sweepExpired.inc({ kind: 'inquiry' }, result.inquiriesExpired);
      deps.metrics.sweepExpired.inc({ kind: 'session' }, result.sessionsExpired);
      deps.metrics.sweepExpired.inc({ kind: 'link' }, result.linksExpired);
    } catch (err) {
      deps.log.error({ err }, 'expiry sweep failed');
    } finally {
      running = false;
      deps.metrics.sweepRuns.inc({ outcome });
      deps.metrics.sweepDuration.observe({ outcome }, (performance.now() - started) / 1000);
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), deps.config.sweepIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
