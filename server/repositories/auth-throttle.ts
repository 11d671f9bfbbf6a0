import type { Executor } from './executor.js';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * Counts one attempt for a key in a single statement (a key quiet since `resetBefore` starts again at 1), unless
 * the key is locked, and returns the count and the lock as they now stand. The statement takes the row's lock
 * (inserting or updating), which is held until the transaction ends: concurrent attempts on one key, from any
 * server, are counted one after another and each sees the lock its predecessor set.
 */
export async function countAttempt(trx: Transaction<DB>, key: { key: string; account: string | null }, now: Date, resetBefore: Date) {
  return trx
    .insertInto('login_throttle')
    .values({ key: key.key, account: key.account, failures: 1, last_failure_at: now, locked_until: null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        const locked = eb('login_throttle.locked_until', '>', now);
        return {
          failures: eb
            .case()
            .when(locked)
            .then(eb.ref('login_throttle.failures'))
            .when('login_throttle.last_failure_at', '<', resetBefore)
            .then(1)
            .else(eb('login_throttle.failures', '+', 1))
            .end(),
          last_failure_at: eb.case().when(locked).then(eb.ref('login_throttle.last_failure_at')).else(now).end(),
        };
      }),
    )
    .returning(['key', 'failures', 'locked_until'])
    .executeTakeFirstOrThrow();
}

export async function setLockedUntil(trx: Transaction<DB>, key: string, lockedUntil: Date): Promise<void> {
  await trx.updateTable('login_throttle').set({ locked_until: lockedUntil }).where('key', '=', key).execute();
}

/**
 * Gives back one counted attempt, and the lock it set unless a later attempt has replaced that lock since.
 */
export async function takeBackAttempt(db: Executor, key: string, lockSet: Date | null, lockBefore: Date | null): Promise<void> {
  await db
    .updateTable('login_throttle')
    .set((eb) => ({
      failures: sql<number>`greatest(${eb.ref('failures')} - 1, 0)`,
      ...(lockSet ? { locked_until: eb.case().when('locked_until', '=', lockSet).then(lockBefore).else(eb.ref('locked_until')).end() } : {}),
    }))
    .where('key', '=', key)
    .execute();
}

export async function remove(db: Executor, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

/**
 * An admin's unlock: forgets every count of the account — its locked (account, address) pairs and its slow-down —
 * and returns what was forgotten, with the locks that were still in force at `now`. Address counts are not the
 * account's and stay.
 */
export async function clearAccount(db: Executor, account: string, now: Date): Promise<{ key: string; lockedUntil: Date | null }[]> {
  const rows = await db.deleteFrom('login_throttle').where('account', '=', account).returning(['key', 'locked_until']).execute();
  return rows.map((r) => ({ key: r.key, lockedUntil: r.locked_until && r.locked_until > now ? r.locked_until : null }));
}

/** Forget quiet keys whose lock has passed, a batch at a time, so sprayed unknown emails do not pile up. */
export async function purgeStale(db: Executor, lastFailureBefore: Date, now: Date): Promise<void> {
  const stale = db
    .selectFrom('login_throttle')
    .select('key')
    .where('last_failure_at', '<', lastFailureBefore)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .limit(200);
  await db.deleteFrom('login_throttle').where('key', 'in', stale).execute();
}
