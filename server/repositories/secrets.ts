import { sql } from 'kysely';
import type { Executor } from './executor.js';

/**
 * `app_secrets` is where earlier versions kept a generated session-token secret (a database reader could then mint
 * tokens). Nothing is written there any more: start-up moves a secret it finds out of the database and deletes it
 * (server/providers/local/token-keys.ts). These two statements are all that is left of the table's use.
 */

/** The value stored under `name` by an earlier version, or null. */
export async function legacySecret(db: Executor, name: string): Promise<string | null> {
  const row = await sql<{ value: string }>`select value from app_secrets where name = ${name}`.execute(db);
  return row.rows[0]?.value ?? null;
}

/** Deletes it (idempotent: instances starting together may both try). */
export async function forgetLegacySecret(db: Executor, name: string): Promise<void> {
  await sql`delete from app_secrets where name = ${name}`.execute(db);
}
