import { sql, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult, type RawBuilder, type Transaction } from 'kysely';
import type pg from 'pg';
import type { DB } from './schema.js';

/**
 * Prepared statements for the hot paths. A guarded action is a handful of short statements, and for those
 * PostgreSQL spends more time parsing, analysing and planning each one than executing it. A statement marked
 * with `prepared()` is parsed once per connection and then executed by name; after a few executions the server
 * settles on a generic plan and stops planning it at all.
 *
 * Mark only statements that (1) come from a fixed set of shapes — each distinct SQL text stays prepared on
 * every pooled connection for the connection's lifetime — and (2) plan the same whatever the values, such as
 * primary- or unique-key lookups and single-row writes. The marker is an SQL comment, so PGlite (one in-process
 * session, no network) runs the same text unprepared.
 */
const MARK = '/* prepared */ ';

/** At most this many distinct prepared texts per pool; past it, marked statements run unprepared. */
const MAX_PREPARED_TEXTS = 200;

export function prepared<T>(query: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`/* prepared */ ${query}`;
}

/**
 * A large read whose parsing and planning cost more than running it (the access report's six-source union: about
 * 2 ms to plan, 1 ms to run at 1,000,000 rows). Prepared by name like `prepared()`, from a budget of its own, and run
 * inside a transaction that called `useGenericPlans()`, so that it is planned once for all values. A prepared
 * statement keeps its parse tree and plan in the connection's memory, about 0.4 MB for the report's largest
 * (measured with pg_backend_memory_contexts), hence the small budget: at most MAX_LARGE_TEXTS texts per pool (the
 * console asks the report for three per filter: a first page, a later page, the count), each on the connections that
 * ran it; past it, marked statements run unprepared, planned on every execution as before.
 */
const LARGE_MARK = '/* prepared large */ ';
export const MAX_LARGE_TEXTS = 64;

export function preparedLarge<T>(query: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`/* prepared large */ ${query}`;
}

/**
 * Has PostgreSQL plan the prepared statements run in the rest of `trx` once for all values, a generic plan reused on
 * every execution, and without bitmap scans (plan_cache_mode and enable_bitmapscan, for this transaction only). For
 * keyset walks whose values do not change which walk is right. Left to itself (auto) PostgreSQL picks a generic or a
 * per-execution plan after five executions by comparing cost estimates, which for the access report kept planning per
 * execution where the generic plan was 3× faster, and chose a generic plan 2.6× slower elsewhere. A walk must come out
 * in its index's order, which a bitmap scan never gives (its rows are all fetched, then sorted); a plan made for the
 * values picks one only when that is cheap, but a generic plan cannot tell a value with thousands of rows from one with
 * none (repositories/access-report.ts, planReportStatements).
 */
export async function useGenericPlans(trx: Transaction<DB>): Promise<void> {
  await genericPlansQuery().execute(trx);
}

/** The statement useGenericPlans runs (npm run bench replays it). */
export function genericPlansQuery(): RawBuilder<unknown> {
  return prepared(sql`select set_config('plan_cache_mode', 'force_generic_plan', true), set_config('enable_bitmapscan', 'off', true)`);
}

type Query = (text: string, values: readonly unknown[]) => Promise<PostgresQueryResult<unknown>>;

/**
 * The pool Kysely's PostgresDialect uses: node-postgres's, with each client's query() sending a marked
 * statement as a named one (node-postgres then sends Parse only the first time on each connection).
 */
/** pg marks a client whose connection failed as no longer queryable (a private flag, read defensively). */
function isQueryable(client: pg.PoolClient): boolean {
  const flags = client as unknown as { _queryable?: boolean; _ending?: boolean };
  return flags._queryable !== false && flags._ending !== true;
}

export function preparingPool(pool: pg.Pool): PostgresPool {
  const budgets = [
    { mark: MARK, prefix: 'prepared_', max: MAX_PREPARED_TEXTS, names: new Map<string, string>() },
    { mark: LARGE_MARK, prefix: 'prepared_large_', max: MAX_LARGE_TEXTS, names: new Map<string, string>() },
  ];
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const nameFor = (text: string): string | undefined => {
    const budget = budgets.find((b) => text.startsWith(b.mark));
    if (!budget) return undefined;
    let name = budget.names.get(text);
    if (name === undefined && budget.names.size < budget.max) {
      name = `${budget.prefix}${budget.names.size + 1}`;
      budget.names.set(text, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) {
        const query: Query = (text, values) => {
          const name = nameFor(text);
          const result = name === undefined ? client.query(text, [...values]) : client.query({ name, text, values: [...values] });
          return result as Promise<PostgresQueryResult<unknown>>;
        };
        // Only the (sql, parameters) overload: the dialect is configured without a cursor, so it never streams.
        // A connection the server ended (pg_terminate_backend, a failover) must not go back to the pool.
        const release = (destroy?: boolean) => client.release(destroy === true || !isQueryable(client));
        wrapped = { query: query as unknown as PostgresPoolClient['query'], release };
        clients.set(client, wrapped);
      }
      return wrapped;
    },
    end: () => pool.end(),
  };
}
