import { PERSONA_RETRY_JITTER, personaRetryDelayMs } from '../config.js';
import type { AppDeps, RequestFacts } from '../deps.js';
import { AppError } from '../errors.js';
import { DEADLINE_MARGIN_MS, withCallDeadline } from '../providers/call-context.js';
import { ProviderUnavailableError } from '../providers/types.js';

/**
 * A vendor call whose outcome is unknown (5xx, timeout: ProviderUnavailableError) rolls its action's transaction
 * back, so no local record claims success. The action may then run again — a new transaction, the inquiry locked
 * afresh, the same idempotency key, so Persona answers a repeated effect from its stored response instead of
 * doing it twice — up to PERSONA_ATTEMPTS times with back-off between. The row lock is never held across the wait.
 * Each failed attempt is reported to `onFailure` (the services record it in the audit log); after the last, the
 * person is told plainly that nothing was done. Configuration keeps the usual case under the request deadline
 * (config.ts, personaWorstActionMs); within a request, each call takes at most what is left of its deadline and
 * no attempt starts without room for one, so an action that runs out of time fails, rolled back, in time.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The least time left before the request's deadline that another attempt is worth: one call's answer, at best. */
const MIN_ATTEMPT_MS = 1_000;

export async function withProviderRetries<T>(
  deps: Pick<AppDeps, 'config'> & Pick<RequestFacts, 'deadlineAt'>,
  run: () => Promise<T>,
  onFailure: (failure: ProviderUnavailableError, attempt: number, retrying: boolean) => Promise<void>,
  /** Work in the background stops between attempts when this aborts (a shutdown). */
  stop?: AbortSignal,
): Promise<T> {
  const attempts = deps.config.persona?.attempts ?? 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      // Each call of the attempt takes at most what is left of the request's deadline (call-context.ts).
      return await withCallDeadline(deps.deadlineAt, run);
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
      // Exponential back-off with jitter: 250 ms, 500 ms, 1 s, … (± 25 %) — and another attempt only while the
      // request's deadline leaves room for the wait and a call after it.
      const delay = personaRetryDelayMs(attempt) * (1 - PERSONA_RETRY_JITTER + Math.random() * 2 * PERSONA_RETRY_JITTER);
      const left = deps.deadlineAt === null || deps.deadlineAt === undefined ? null : deps.deadlineAt - performance.now() - DEADLINE_MARGIN_MS;
      const retrying = attempt < attempts && (left === null || left > delay + MIN_ATTEMPT_MS) && stop?.aborted !== true;
      await onFailure(error, attempt, retrying);
      if (!retrying) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          `Persona did not complete "${error.operation}" (${String(error.status)}). Tried ${attempt} time${attempt === 1 ? '' : 's'}: nothing was recorded as done. Try again in a minute.`,
          { provider: error.provider, providerStatus: error.status, attempts: attempt },
        );
      }
      await sleep(delay);
    }
  }
}
