import { sql, type Kysely } from 'kysely';
import type { DB } from '../../server/db/schema.js';

/**
 * Starts `request` while another transaction holds `tables` locked (ACCESS EXCLUSIVE), and counts the statements of
 * this database that wait on a lock at the same time (polled every 20 ms until `expected` are seen, for up to 2 s).
 * A request that sends two statements at once, each reading a locked table, leaves two waiting; one that sends them
 * one after the other never more than one. The lock is released before the request's answer is awaited (awaited
 * inside the transaction, the test would wait on itself).
 */
export async function waitingWhileLocked<T>(db: Kysely<DB>, tables: readonly string[], request: () => Promise<T>, expected = 2): Promise<{ waiting: number; answer: T }> {
  const waitingNow = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`.execute(db)
    ).rows[0]?.n ?? 0;
  let waiting = 0;
  const { pending } = await db.transaction().execute(async (trx) => {
    await sql`lock table ${sql.join(tables.map((t) => sql.table(t)))} in access exclusive mode`.execute(trx);
    const pending = request();
    for (let tries = 0; tries < 100 && waiting < expected; tries++) {
      waiting = Math.max(waiting, await waitingNow());
      if (waiting < expected) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { pending };
  });
  return { waiting, answer: await pending };
}
