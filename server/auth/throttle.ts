/**
 * Sign-in throttling policy. Failures are counted per account (by the email typed, whether or not an account
 * has it, so a lock-out says nothing about which emails exist) and per client address. Past a threshold each
 * further failure locks the key for twice as long as the last, up to a cap. State lives in Postgres
 * (login_throttle), so every app server sees the same locks.
 */
export interface ThrottlePolicy {
  /** Failures that are tolerated; the next one locks. */
  threshold: number;
  /** A key with no failure for this long starts counting from zero again. */
  resetAfterMs: number;
  baseLockMs: number;
  maxLockMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const ACCOUNT_THROTTLE: ThrottlePolicy = { threshold: 5, resetAfterMs: 24 * HOUR, baseLockMs: MINUTE, maxLockMs: HOUR };
/** Looser per address: offices share one NAT address, and people mistype. */
export const IP_THROTTLE: ThrottlePolicy = { threshold: 20, resetAfterMs: 6 * HOUR, baseLockMs: MINUTE, maxLockMs: HOUR };

/** How long the failure that brought the count to `failures` locks the key: 1, 2, 4 … minutes, capped. */
export function lockDurationMs(policy: ThrottlePolicy, failures: number): number | null {
  if (failures < policy.threshold) return null;
  return Math.min(policy.baseLockMs * 2 ** Math.min(failures - policy.threshold, 30), policy.maxLockMs);
}

export function accountKey(email: string): string {
  return `account:${email.trim().toLowerCase().slice(0, 254)}`;
}

export function ipKey(ip: string | null): string {
  return `ip:${(ip ?? 'unknown').slice(0, 64)}`;
}

export function policyFor(key: string): ThrottlePolicy {
  return key.startsWith('ip:') ? IP_THROTTLE : ACCOUNT_THROTTLE;
}
