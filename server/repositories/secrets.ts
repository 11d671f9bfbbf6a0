import { sql } from 'kysely';
import type { Executor } from './executor.js';

/**
 * A named secret kept in the database (`app_secrets`): the first value stored under the name wins, so every
 * instance and every restart agrees on it. Returns the value in force.
 */
export async function storedSecret(db: Executor, name: string, candidate: string): Promise<string> {
  await sql`insert into app_secrets (name, value) values (${name}, ${candidate}) on conflict (name) do nothing`.execute(db);
  const row = await sql<{ value: string }>`select value from app_secrets where name = ${name}`.execute(db);
  const value = row.rows[0]?.value;
  if (!value) throw new Error(`could not load the secret ${name}`);
  return value;
}
