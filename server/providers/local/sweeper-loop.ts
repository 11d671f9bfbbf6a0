import type { AppDeps } from '../../context.js';
import { sweepExpired } from './sweeper.js';

/** Runs the expiry sweep now and then every interval; returns a function that stops it. */
export function startSweeper(deps: AppDeps): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const result = await sweepExpired(deps.database.db, deps.now());
      if (result.inquiriesExpired > 0 || result.sessionsExpired > 0) deps.log.info(result, 'expiry sweep');
    } catch (err) {
      deps.log.error({ err }, 'expiry sweep failed');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), deps.config.sweepIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
