import type { AuditActor } from '../../audit/canonical.js';
import { addressOf } from '../../auth/throttle.js';
import { sha256Hex } from '../../crypto.js';
import type { AppDeps } from '../../deps.js';
import * as repo from '../../repositories/api-keys.js';
import { API_KEY_PREFIX } from '../../../shared/partner.js';
import { keyState } from '../api-keys.js';

/**
 * Who is calling the partner API and how much they may still call. Every call is counted before anything else
 * happens, in a fixed one-minute window shared by every instance (one upsert on api_rate_windows), so the
 * per-key limit holds in total however many servers answer. Calls without a usable key are counted per client
 * address instead, so probing for keys is throttled too.
 */

/** The key a call authenticated with. */
export interface PartnerKey {
  id: string;
  customerId: string;
  customerName: string;
  name: string;
  prefix: string;
  rateLimitPerMinute: number;
  canReadPii: boolean;
}

export interface RateState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  exceeded: boolean;
  /** The first call over the limit in this window (the one the audit log records). */
  firstExceeded: boolean;
}

export type Authentication =
  | { ok: true; key: PartnerKey; rate: RateState }
  /**
   * `refusedKey`: the secret named a real key that is revoked or expired (worth an audit event — the first call of
   * each window: a forgotten job still calling with it must not grow the append-only log by a row per call).
   */
  | { ok: false; refusedKey: (PartnerKey & { state: 'revoked' | 'expired'; firstInWindow: boolean }) | null; rate: RateState };

/** Calls a client address may make per minute without a usable key. */
export const UNAUTHENTICATED_LIMIT_PER_MINUTE = 60;
const WINDOW_MS = 60_000;
const SECRET_PATTERN = new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9]{20,100}$`);

/** The audit log keeps display names to 200 characters; a long customer name is cut, the key's name kept. */
const MAX_DISPLAY = 200;

export const partnerActor = (key: Pick<PartnerKey, 'id' | 'customerName' | 'name'>): AuditActor => {
  const suffix = ` · ${key.name}`;
  const room = MAX_DISPLAY - suffix.length;
  const customer = key.customerName.length > room ? `${key.customerName.slice(0, room - 1).replace(/[\uD800-\uDBFF]$/, '')}…` : key.customerName;
  return { type: 'partner', id: key.id, display: `${customer}${suffix}` };
};

/** The secret of `Authorization: Bearer <secret>`, or null when the header is missing or malformed. */
export function bearerSecret(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  const secret = match?.[1];
  return secret !== undefined && SECRET_PATTERN.test(secret) ? secret : null;
}

async function count(deps: Pick<AppDeps, 'database'>, bucket: string, limit: number, now: Date, key: { id: string } | null): Promise<RateState> {
  const windowStart = new Date(Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS);
  const day = now.toISOString().slice(0, 10);
  const calls = await repo.countCall(deps.database.db, bucket, windowStart, key ? { id: key.id, day, now } : null);
  return {
    limit,
    remaining: Math.max(0, limit - calls),
    resetSeconds: Math.max(1, Math.ceil((windowStart.getTime() + WINDOW_MS - now.getTime()) / 1000)),
    exceeded: calls > limit,
    firstExceeded: calls === limit + 1,
  };
}

/**
 * Authenticates `Authorization: Bearer idk_live_…` and counts the call. A missing, malformed, unknown, expired
 * or revoked key all fail alike (the caller answers each with the same 401).
 */
export async function authenticate(deps: Pick<AppDeps, 'database'>, authorization: string | undefined, clientAddress: string | null, now: Date): Promise<Authentication> {
  const secret = bearerSecret(authorization);
  const row = secret === null ? undefined : await repo.findKeyByHash(deps.database.db, sha256Hex(secret));
  const key: PartnerKey | null = row
    ? {
        id: row.id,
        customerId: row.customer_id,
        customerName: row.customer_name,
        name: row.name,
        prefix: row.prefix,
        rateLimitPerMinute: row.rate_limit_per_minute,
        canReadPii: row.can_read_pii,
      }
    : null;
  const state = row ? keyState(row, now) : null;
  if (key && state === 'active') {
    return { ok: true, key, rate: await count(deps, `api-key:${key.id}`, key.rateLimitPerMinute, now, key) };
  }
  const rate = await count(deps, `api-ip:${addressOf(clientAddress)}`, UNAUTHENTICATED_LIMIT_PER_MINUTE, now, null);
  if (!key || state === null || state === 'active') return { ok: false, refusedKey: null, rate };
  const refusals = await count(deps, `api-key-refused:${key.id}`, 1, now, null);
  return { ok: false, refusedKey: { ...key, state, firstInWindow: !refusals.exceeded }, rate };
}

