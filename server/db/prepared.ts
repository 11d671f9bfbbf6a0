import { sql, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult, type RawBuilder } from 'kysely';
import type pg from 'pg';

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
  const names = new Map<string, string>();
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const nameFor = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_PREPARED_TEXTS) {
      name = `prepared_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) {
        const query: Query = (text, values) => {
          const name = text.startsWith(MARK) ? nameFor(text) : undefined;
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
