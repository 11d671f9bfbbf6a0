import { sql, type RawBuilder, type Transaction } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB } from '../db/schema.js';

/**
 * One data-modifying statement (INSERT, UPDATE or DELETE without RETURNING), or one call of a function that writes
 * (`callWrite`), built but not yet run.
 */
export type Write = RawBuilder<unknown>;

/** The call inside each call write: `select f(…)` runs it alone; writeTogether puts it in its select list. */
const calls = new WeakMap<Write, RawBuilder<unknown>>();

/**
 * A write that is a call of a function which writes, such as audit_append(), the only way the application's
 * database role may write the audit log (docs/security.md, "Database roles"). A SELECT inside WITH runs only if
 * the statement reads it, so writeTogether calls it from the statement's own select list instead.
 */
export function callWrite(call: RawBuilder<unknown>): Write {
  const write = sql`select ${call}`;
  calls.set(write, call);
  return write;
}

/**
 * Runs independent writes as one statement, each a data-modifying WITH clause (a call write: an item of the final
 * select list): one round trip instead of one per write, which is most of what a short transaction costs. They
 * share one snapshot and none sees the others' rows, so only writes that do not read what another writes belong
 * together (never two that change the same row). All of them run to completion or the statement fails; constraint
 * checks and triggers behave as if they were separate statements of the same transaction (deferred ones still
 * fire at COMMIT). The statement is prepared (db/prepared.ts): callers combine writes of fixed shapes, single-row
 * by key.
 */
export async function writeTogether(trx: Transaction<DB>, writes: readonly Write[]): Promise<void> {
  const [only, ...more] = writes;
  if (!only) return;
  if (more.length === 0) {
    await prepared(only).execute(trx);
    return;
  }
  const statements = writes.filter((write) => !calls.has(write));
  const called = writes.flatMap((write) => calls.get(write) ?? []);
  const clauses = statements.map((write, i) => sql`${sql.id(`write_${i}`)} as (${write})`);
  const select = called.length > 0 ? sql.join(called) : sql`1`;
  await prepared(clauses.length > 0 ? sql`with ${sql.join(clauses)} select ${select}` : sql`select ${select}`).execute(trx);
}
