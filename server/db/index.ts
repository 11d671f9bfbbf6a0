import fs from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { preparingPool } from './prepared.js';
import { measuredPool, unopenedPoolStats, type PoolStats } from './pool-stats.js';
import { postgresNotifications, type Notifications } from './notifications.js';
import type { DB } from './schema.js';
import { parseTimestamptz, TIMESTAMPTZ_TYPE_OID } from './timestamps.js';

export type DatabaseKind = 'pglite' | 'postgres';

/** A Kysely instance plus what only the engine can do: run a multi-statement script, and close. */
export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** Where an embedded database keeps its files (and the session token key file); null in memory and on a server. */
  dataDir: string | null;
  /** Runs a script of several statements (migrations). Inside `trx` when given. */
  runScript(script: string, trx?: Kysely<DB>): Promise<void>;
  close(): Promise<void>;
  /** A server database's pool, as /metrics reports it (none for the embedded engine: one session, no pool). */
  poolStats?: () => PoolStats;
  /** LISTEN/NOTIFY for this instance (server/db/notifications.ts): one dedicated connection on a server database. */
  notifications: Notifications;
  /**
   * A server database's side pool of two connections, opened on first use, for the short statements that must not
   * wait behind the main pool: Persona's shared rate gate is asked while an action holds a main-pool connection
   * across its call to Persona, so with every connection so held it could never be asked. None for PGlite.
   */
  side?: () => Kysely<DB>;
  /** The side pool as /metrics reports it: empty until Persona's rate gate first asks. */
  sidePoolStats?: () => PoolStats;
  /**
   * A server database's pool for the access report's reads (REPORT_POOL_SIZE connections at most, opened on first
   * use), whose connections start with the settings its prepared statements are planned under (useGenericPlans:
   * generic plans, no bitmap scans) and read only: a page request sends its page and count and nothing else, where in
   * a transaction of the main pool it also sent BEGIN, the settings and COMMIT. Null where the settings do not arrive
   * (a pooler that drops startup parameters, docs/operations.md: checked once, on the first connection), and for
   * PGlite: the report then sets them in a transaction of its own.
   */
  reportReads?: () => Promise<Kysely<DB> | null>;
  /** The report's read pool as /metrics reports it: empty until the report is first read, and where it is not used. */
  reportPoolStats?: () => PoolStats;
}

export type DatabaseOptions =
  | {
      databaseUrl: string;
      poolSize?: number;
      /** The server's limit on one statement (ms; PostgreSQL's statement_timeout), and on a transaction left idle. */
      statementTimeoutMs?: number;
    }
  | { dataDir: string | null }; // null: in memory

const INT8_OID = 20;

/** The connections of the side pool (Database.side), for Persona's shared rate gate. */
const SIDE_POOL_SIZE = 2;

/** The most connections the access report's read pool opens (Database.reportReads), beside the main pool's. */
export const REPORT_POOL_SIZE = 4;

/** What the report's read connections start with: the main pool's, plus useGenericPlans' settings, read only. */
const REPORT_OPTIONS = '-c jit=off -c plan_cache_mode=force_generic_plan -c enable_bitmapscan=off -c default_transaction_read_only=on';

/** int8 as numbers (as PGlite returns them; all our int8 values are far below 2^53); timestamptz by a parser without
 * regular expressions (server/db/timestamps.ts); everything else as node-postgres parses it. */
const typeParser = ((oid: number, format?: 'text' | 'binary'): unknown =>
  format !== 'binary' && oid === INT8_OID
    ? (v: string) => Number(v)
    : format !== 'binary' && oid === TIMESTAMPTZ_TYPE_OID
      ? parseTimestamptz
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser;

/**
 * A pool of connections to a server database, each starting with `options` (`-c name=value …`; the main pool's
 * `jit=off`: JIT compiling a short statement whose estimate crosses jit_above_cost took far longer than running the
 * list page itself, docs/performance.md "Why the list is shaped this way"; work that profits from JIT turns it on for
 * itself, as the seed does).
 */
function serverPool(databaseUrl: string, settings: { max: number; options: string; statementTimeoutMs: number | undefined }): pg.Pool {
  const { statementTimeoutMs } = settings;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: settings.max,
    types: { getTypeParser: typeParser },
    options: settings.options,
    // No statement runs longer than this, and no transaction sits idle holding locks for longer than twice it.
    ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs, idle_in_transaction_session_timeout: 2 * statementTimeoutMs } : {}),
    // A request waiting for a free connection gives up (503) instead of queueing forever.
    connectionTimeoutMillis: 10_000,
  });
  // A broken idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  // Nor a broken connection that a request has checked out (pg emits 'error' on the client, and an 'error'
  // event nobody listens to kills the process): the query in flight rejects, the request answers 503
  // (server/db/faults.ts), and a connection that can no longer be queried is dropped when it is released.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('databaseUrl' in options) {
    const pool = serverPool(options.databaseUrl, { max: options.poolSize ?? 10, options: '-c jit=off', statementTimeoutMs: options.statementTimeoutMs });
    const measured = measuredPool(pool, preparingPool(pool));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: measured.pool }) });
    const notifications = postgresNotifications(options.databaseUrl);
    let side: { db: Kysely<DB>; stats: () => PoolStats } | null = null;
    let reportReads: Promise<ReportReads | null> | null = null;
    let reportStats: (() => PoolStats) | null = null;
    return {
      db,
      kind: 'postgres',
      poolStats: measured.stats,
      notifications,
      side: () => {
        // The main pool's kind of pool (its error handlers: a lost connection fails its statement, never the
        // process), two connections, no prepared statements.
        if (!side) {
          const pool = serverPool(options.databaseUrl, { max: SIDE_POOL_SIZE, options: '-c jit=off', statementTimeoutMs: options.statementTimeoutMs });
          const measured = measuredPool(pool, pool);
          side = { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool: measured.pool }) }), stats: measured.stats };
        }
        return side.db;
      },
      sidePoolStats: () => side?.stats() ?? unopenedPoolStats(SIDE_POOL_SIZE),
      reportReads: () => {
        // A failed check (the database unreachable) is asked again by the next request.
        reportReads ??= openReportReads(options.databaseUrl, options.statementTimeoutMs).then(
          (opened) => {
            reportStats = opened?.stats ?? null;
            return opened;
          },
          (error: unknown) => {
            reportReads = null;
            throw error;
          },
        );
        return reportReads.then((opened) => opened?.db ?? null);
      },
      reportPoolStats: () =>
        reportStats?.() ?? unopenedPoolStats(REPORT_POOL_SIZE),
      dataDir: null,
      // With no parameters node-postgres uses the simple query protocol, which accepts several statements.
      runScript: async (script, trx) => {
        await sql.raw(script).execute(trx ?? db);
      },
      close: async () => {
        await notifications.close();
        await side?.db.destroy();
        await (await reportReads?.catch(() => null))?.db.destroy();
        await db.destroy();
      },
    };
  }

  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  // Loaded only for the embedded engine: a server on PostgreSQL never needs it (a few MB less resident).
  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  const pglite = await PGlite.create(options.dataDir ?? undefined);
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'pglite',
    dataDir: options.dataDir,
    // PGlite is one session: while a Kysely transaction holds it, exec() runs inside that transaction.
    runScript: async (script) => {
      await pglite.exec(script);
    },
    notifications: pgliteNotifications(pglite),
    close: () => db.destroy(),
  };
}

/** The access report's read pool, and its figures for /metrics. */
export interface ReportReads {
  db: Kysely<DB>;
  stats: () => PoolStats;
}

/**
 * The access report's read pool (Database.reportReads), or null when its connections do not get the settings they
 * ask for at start-up: a pooler such as PgBouncer drops startup parameters it is told to ignore. Asked once, on the
 * pool's first connection; a pooler drops them on every connection alike. (`startupOptions`: a test's, to play the pooler.)
 */
export async function openReportReads(databaseUrl: string, statementTimeoutMs: number | undefined, startupOptions = REPORT_OPTIONS): Promise<ReportReads | null> {
  const pool = serverPool(databaseUrl, { max: REPORT_POOL_SIZE, options: startupOptions, statementTimeoutMs });
  const measured = measuredPool(pool, preparingPool(pool));
  const reads = new Kysely<DB>({ dialect: new PostgresDialect({ pool: measured.pool }) });
  try {
    const { rows } = await sql<{ generic: boolean; readOnly: boolean }>`
      select current_setting('plan_cache_mode') = 'force_generic_plan' as generic, current_setting('default_transaction_read_only') = 'on' as "readOnly"`.execute(reads);
    if (rows[0]?.generic && rows[0].readOnly) return { db: reads, stats: measured.stats };
  } catch (error) {
    await reads.destroy();
    throw error;
  }
  await reads.destroy();
  return null;
}

/**
 * The embedded engine is one session in this process: a NOTIFY from a trigger reaches its listen() callback while
 * the committing statement is still being answered, before the write's promise resolves (test/server/catalog-cache).
 */
function pgliteNotifications(pglite: PGlite): Notifications {
  return {
    subscribe(channel, subscriber) {
      let active = true;
      let stop: (() => Promise<void>) | null = null;
      void pglite.listen(channel, () => subscriber.onNotify()).then(
        (unlisten) => {
          stop = unlisten;
          if (active) subscriber.onListening(true);
          else void unlisten().catch(() => undefined);
        },
        () => subscriber.onListening(false),
      );
      return () => {
        active = false;
        if (stop) void stop().catch(() => undefined);
      };
    },
    backendPid: () => null,
    close: () => Promise.resolve(),
  };
}
