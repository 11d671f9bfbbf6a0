import { isIPv4, isIPv6 } from 'node:net';

/**
 * Sign-in throttling policy. Three counts, so that nobody can lock someone else out (docs/security.md):
 * - per (account, address) — the email typed, whether or not an account has it, from one client address: past a
 *   threshold each further failure locks that pair for twice as long as the last, up to a cap. Only that address
 *   is kept out; the owner elsewhere still signs in.
 * - per address, across accounts (password spraying): a higher threshold, then locks the same way.
 * - per account, across addresses: never a lock. Past a threshold every attempt on the account waits a little
 *   (doubling, capped at a few seconds) before its password is checked, so guesses spread over many addresses are
 *   slowed while the owner, wherever they are, still gets in.
 * State lives in Postgres (login_throttle), so every app server sees the same counts and locks.
 */
export interface ThrottlePolicy {
  /** Failures that are tolerated; the next one locks. */
  threshold: number;
  /** A key with no failure for this long starts counting from zero again. */
  resetAfterMs: number;
  baseLockMs: number;
  maxLockMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** One account from one address: the owner mistyping, or someone guessing from where they are. */
export const PAIR_THROTTLE: ThrottlePolicy = { threshold: 5, resetAfterMs: 24 * HOUR, baseLockMs: MINUTE, maxLockMs: HOUR };
/** Looser per address: offices share one NAT address, and people mistype. */
export const IP_THROTTLE: ThrottlePolicy = { threshold: 20, resetAfterMs: 6 * HOUR, baseLockMs: MINUTE, maxLockMs: HOUR };

/** An account's failures from every address together: only ever a bounded delay, never a lock. */
export interface SlowdownPolicy {
  /** Failures before any delay; the attempt after this many waits. */
  threshold: number;
  resetAfterMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const ACCOUNT_SLOWDOWN: SlowdownPolicy = { threshold: 10, resetAfterMs: 24 * HOUR, baseDelayMs: SECOND, maxDelayMs: 4 * SECOND };

/** How long the failure that brought the count to `failures` locks the key: 1, 2, 4 … minutes, capped. */
export function lockDurationMs(policy: ThrottlePolicy, failures: number): number | null {
  if (failures < policy.threshold) return null;
  return Math.min(policy.baseLockMs * 2 ** Math.min(failures - policy.threshold, 30), policy.maxLockMs);
}

/** How long an attempt waits when the account already had `earlierFailures`: 0, then 1, 2, 4 seconds, capped. */
export function slowdownMs(policy: SlowdownPolicy, earlierFailures: number): number {
  if (earlierFailures < policy.threshold) return 0;
  return Math.min(policy.baseDelayMs * 2 ** Math.min(earlierFailures - policy.threshold, 30), policy.maxDelayMs);
}

/** The account as counted: the email typed, trimmed and lower-cased (no lookup: unknown emails count the same). */
export function accountOf(email: string): string {
  return email.trim().toLowerCase().slice(0, 254);
}

/**
 * The client address as counted — by the sign-in throttle, the partner API and the hosted flow alike. IPv4 (also
 * IPv4-mapped IPv6) as is; IPv6 by its /64, since one subscriber
 * usually holds a whole /64 and could otherwise step through fresh addresses.
 */
export function addressOf(ip: string | null): string {
  if (!ip) return 'unknown';
  const bare = ip.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(bare)) return bare.slice(0, 64);
  const [head = '', tail] = bare.split('::');
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

export function accountKey(account: string): string {
  return `account:${account}`;
}

export function ipKey(address: string): string {
  return `ip:${address}`;
}

/** The address comes first: it never contains '|', so no typed email can make one pair's key look like another's. */
export function pairKey(account: string, address: string): string {
  return `pair:${address}|${account}`;
}

/** The keys one sign-in attempt counts against, each with the account it belongs to (null for an address). */
export function signInKeys(email: string, ip: string | null): ThrottleKey[] {
  const account = accountOf(email);
  const address = addressOf(ip);
  return [
    { key: pairKey(account, address), account, scope: 'pair' },
    { key: ipKey(address), account: null, scope: 'ip' },
    { key: accountKey(account), account, scope: 'account' },
  ];
}

export type ThrottleScope = 'pair' | 'ip' | 'account';

export interface ThrottleKey {
  key: string;
  /** The account the key counts for, kept in its own column so an admin can find and clear its locks. */
  account: string | null;
  scope: ThrottleScope;
}

/** What a scope does past its threshold: lock (pair, address) or only slow down (account). */
export function policyFor(scope: ThrottleScope): { lock: ThrottlePolicy } | { slow: SlowdownPolicy } {
  if (scope === 'pair') return { lock: PAIR_THROTTLE };
  if (scope === 'ip') return { lock: IP_THROTTLE };
  return { slow: ACCOUNT_SLOWDOWN };
}
