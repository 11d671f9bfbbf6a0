import { sql, type RawBuilder, type Transaction } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB } from '../db/schema.js';

/** One data-modifying statement (INSERT, UPDATE or DELETE without RETURNING), built but not yet run. */
export type Write = RawBuilder<unknown>;

/**
 * Runs independent writes as one statement, each a data-modifying WITH clause: one round trip instead of one
 * per write, which is most of what a short transaction costs. They share one snapshot and none sees the others'
 * rows, so only writes that do not read what another writes belong together (never two that change the same
 * row). All of them run to completion or the statement fails; constraint checks and triggers behave as if they
 * were separate statements of the same transaction (deferred ones still fire at COMMIT). The statement is
 * prepared (db/prepared.ts): callers combine writes of fixed shapes, single-row by key.
 */
export async function writeTogether(trx: Transaction<DB>, writes: readonly Write[]): Promise<void> {
  const [only, ...more] = writes;
  if (!only) return;
  if (more.length === 0) {
    await prepared(only).execute(trx);
    return;
  }
  const clauses = writes.map((write, i) => sql`${sql.id(`write_${i}`)} as (${write})`);
  await prepared(sql`with ${sql.join(clauses)} select 1`).execute(trx);
}
