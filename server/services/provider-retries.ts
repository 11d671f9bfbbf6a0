import { PERSONA_RETRY_JITTER, personaRetryDelayMs } from '../config.js';
import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { ProviderUnavailableError } from '../providers/types.js';

/**
 * A vendor call whose outcome is unknown (5xx, timeout: ProviderUnavailableError) rolls its action's transaction
 * back, so no local record claims success. The action may then run again — a new transaction, the inquiry locked
 * afresh, the same idempotency key, so Persona answers a repeated effect from its stored response instead of
 * doing it twice — up to PERSONA_ATTEMPTS times with back-off between. The row lock is never held across the wait.
 * Each failed attempt is reported to `onFailure` (the services record it in the audit log); after the last, the
 * person is told plainly that nothing was done. Configuration keeps all of it under the request deadline
 * (config.ts, personaWorstActionMs).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function withProviderRetries<T>(
  deps: Pick<AppDeps, 'config'>,
  run: () => Promise<T>,
  onFailure: (failure: ProviderUnavailableError, attempt: number, retrying: boolean) => Promise<void>,
): Promise<T> {
  const attempts = deps.config.persona?.attempts ?? 1;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ProviderUnavailableError)) throw error;
      const retrying = attempt < attempts;
      await onFailure(error, attempt, retrying);
      if (!retrying) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          `Persona did not complete "${error.operation}" (${String(error.status)}). Tried ${attempt} time${attempt === 1 ? '' : 's'}: nothing was recorded as done. Try again in a minute.`,
          { provider: error.provider, providerStatus: error.status, attempts: attempt },
        );
      }
      // Exponential back-off with jitter: 250 ms, 500 ms, 1 s, … (± 25 %).
      const delay = personaRetryDelayMs(attempt);
      await sleep(delay * (1 - PERSONA_RETRY_JITTER + Math.random() * 2 * PERSONA_RETRY_JITTER));
    }
  }
}
