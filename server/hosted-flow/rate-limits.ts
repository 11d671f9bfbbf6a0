import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { countCall } from '../repositories/api-keys.js';
import { addressOf } from '../auth/throttle.js';

/**
 * Per-address limits on the hosted flow, so nobody can open static links (each a new inquiry) or hammer the
 * pages without bound. The partner API's mechanism, reused: a fixed one-minute window per bucket in
 * `api_rate_windows`, counted by one upsert, so every instance on the database adds to the same count; IPv6
 * clients count by their /64. The sweeper prunes old windows with the partner API's.
 */
export type FlowLimit = 'request' | 'static_link';

export interface FlowRate {
  exceeded: boolean;
  /** The first refused request of the window (the one worth a log line). */
  firstExceeded: boolean;
  /** Seconds until the window resets: the Retry-After of a refusal. */
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;
const BUCKET_PREFIX: Record<FlowLimit, string> = { request: 'flow-request', static_link: 'flow-static-link' };

export async function countFlowRequest(db: Kysely<DB>, limit: FlowLimit, perMinute: number, clientAddress: string | null, now: Date): Promise<FlowRate> {
  const windowStart = new Date(Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS);
  const calls = await countCall(db, `${BUCKET_PREFIX[limit]}:${addressOf(clientAddress)}`, windowStart, null);
  return {
    exceeded: calls > perMinute,
    firstExceeded: calls === perMinute + 1,
    retryAfterSeconds: Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now.getTime()) / 1000)),
  };
}
