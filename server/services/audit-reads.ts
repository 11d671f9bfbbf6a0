import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { lockNameAndCount, rateEventsWrite } from '../repositories/access.js';
import { writeTogether, type Write } from '../repositories/writes.js';

/**
 * Reading the log is itself recorded (`audit.viewed`, `audit.verified`, `audit.exported`), so every recorded read
 * appends an event: without a bound, anyone who may read the log could grow it as fast as they can send requests.
 * Each person may make AUDIT_READS_PER_MINUTE recorded reads in any minute (a new search, a verification, an
 * export; paging on through a search is not a new read); past that the read is refused with a 429 and the wait,
 * and appends nothing. Runs inside the read's own transaction, before its event, on the person's advisory lock.
 */
export const AUDIT_READS_PER_MINUTE = 30;

const WINDOW_MS = 60_000;

export async function takeAuditRead(trx: Transaction<DB>, staffId: string, now: Date): Promise<void> {
  await writeTogether(trx, [await checkAuditRead(trx, staffId, now)]);
}

/**
 * takeAuditRead without its write: refuses a read past the bound, else returns the write that records it, for the
 * caller to run in the same transaction together with its event (one statement instead of two).
 */
export async function checkAuditRead(trx: Transaction<DB>, staffId: string, now: Date): Promise<Write> {
  const bucket = `audit_read:${staffId}`;
  const window = await lockNameAndCount(trx, bucket, new Date(now.getTime() - WINDOW_MS));
  if (window.count >= AUDIT_READS_PER_MINUTE) {
    const freesAt = (window.oldest?.getTime() ?? now.getTime()) + WINDOW_MS;
    const wait = Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000));
    throw new AppError(
      'TOO_MANY_REQUESTS',
      `You have opened the audit log ${window.count} times in the last minute (each is recorded): wait ${wait} s.`,
      { retryAfterSeconds: wait },
    );
  }
  return rateEventsWrite([bucket], now);
}
