import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { DB } from '../db/schema.js';
import { rebuildCompletionDays, refreshLiveSessionUntil } from '../repositories/inquiry-store/index.js';
import { buildCatalog, type Catalog } from './catalog.js';
import { EVENT_SEQUENCE_SQL, insertEventsSql, insertInquiriesSql, insertSessionsSql, stagingSql, type WorldShape } from './inquiries-sql.js';
import { withBulkLoad } from './indexes.js';

/**
 * The demo world: templates with version and policy history, B2B2C customers, and `inquiries` inquiries with
 * their sessions and timelines, all derived from `seed` and `now` (same inputs, same rows, on either engine).
 * See inquiries-sql.ts for how the inquiries are shaped.
 */

/** The tables the inquiry store (migrations/0001) owns; seeding fills them, --reset empties them. */
export const WORLD_TABLES = ['customers', 'templates', 'template_versions', 'policy_revisions', 'inquiries', 'inquiry_sessions', 'inquiry_events', 'inquiry_completion_days'] as const;

export const MAX_SEED_INQUIRIES = 10_000_000;
/** From this size on, indexes and foreign keys are dropped for the load and restored after (see indexes.ts). */
const BULK_LOAD_FROM = 50_000;

export type SeedSummary = Record<string, number>;

export interface SeedOptions {
  inquiries: number;
  seed: number;
  now?: Date;
  /** Called after each step with its duration, for progress output. */
  onStep?: (step: string, ms: number) => void;
  /** Load with keys and indexes dropped and rebuilt (and, on PostgreSQL, generate in parallel). Default: from 50,000 inquiries. */
  bulk?: boolean;
}

export class SeedRefusedError extends Error {
  override readonly name = 'SeedRefusedError';
}

export async function isEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('templates').select('id').limit(1).executeTakeFirst();
  return !row;
}

export function validateSeedOptions(options: SeedOptions): void {
  const { inquiries, seed, now } = options;
  if (!Number.isSafeInteger(inquiries) || inquiries < 0 || inquiries > MAX_SEED_INQUIRIES) {
    throw new RangeError(`inquiries must be a whole number from 0 to ${MAX_SEED_INQUIRIES.toLocaleString('en-US')}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new RangeError(`seed must be a whole number from 0 to ${2 ** 31 - 1}`);
  if (now && Number.isNaN(now.getTime())) throw new RangeError('now must be a valid date');
}

/** Fills an empty, migrated database. Refuses (SeedRefusedError) if it already holds templates. One transaction. */
export async function seedWorld(database: Database, options: SeedOptions): Promise<SeedSummary> {
  validateSeedOptions(options);
  const now = options.now ?? new Date();
  const catalog = buildCatalog(options.seed);
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await run();
    options.onStep?.(name, performance.now() - started);
    return result;
  };
  await database.db.transaction().execute(async (trx) => {
    if (!(await isEmpty(trx))) {
      throw new SeedRefusedError('The database already has data; seeding only fills an empty database (reset it first).');
    }
    // In-memory sorts (creation order, index builds); local to this transaction.
    await sql`set local work_mem = '256MB'`.execute(trx);
    // The application's connections run with JIT off; the set-based load is the one place it pays (see stage()).
    if (database.kind === 'postgres') await sql`set local jit = on`.execute(trx);
    const revisionIds = await step('catalog', () => insertCatalog(trx, catalog, now));
    // Check the deferred templates → latest version key now: ALTER TABLE (bulk load) refuses pending trigger events.
    await sql`set constraints all immediate`.execute(trx);
    const shape: WorldShape = { seed: options.seed, now, inquiries: options.inquiries, catalog, revisionIds };
    const bulk = options.bulk ?? options.inquiries >= BULK_LOAD_FROM;
    await step('staging', () => stage(trx, database.kind === 'postgres' && bulk, shape));
    const load = async () => {
      await step('inquiries', () => sql.raw(insertInquiriesSql(now)).execute(trx));
      await step('sessions', () => sql.raw(insertSessionsSql(shape)).execute(trx));
      // inquiries.live_session_until from the sessions just loaded, as every writer of sessions keeps it.
      await step('live sessions', () => refreshLiveSessionUntil(trx, 'all'));
      await step('events', () => sql.raw(insertEventsSql(shape)).execute(trx));
      await sql.raw(EVENT_SEQUENCE_SQL).execute(trx);
    };
    // Large loads go in without per-row foreign-key checks and index maintenance (rebuilt and re-validated after).
    if (bulk) await withBulkLoad(trx, ['inquiries', 'inquiry_sessions', 'inquiry_events'], step, load);
    else await load();
    // The completion histograms' per-day counts, from the inquiries just loaded (as the store keeps them one by one).
    await step('completion days', () => rebuildCompletionDays(trx));
  });
  // VACUUM, not just ANALYZE: it sets the visibility map, so list counts are index-only scans at once rather than
  // after autovacuum gets round to a freshly loaded table (docs/performance.md, "Why the list is shaped this way").
  await step('vacuum', () => sql.raw(`vacuum (analyze) ${WORLD_TABLES.join(', ')}`).execute(database.db));
  return step('summary', () => summarize(database.db, now));
}

/**
 * Builds the staging table. On PostgreSQL, large worlds are generated by parallel workers: the row numbers go
 * in an unlogged table (a table scan can be split between workers, generate_series cannot) that is dropped
 * again before commit, and parallel plans are encouraged for this transaction. JIT stays on, but without the
 * optimisation and inlining passes, which cost far more than they gain on this query (docs/performance.md, "Why
 * the list is shaped this way").
 */
async function stage(trx: Kysely<DB>, parallel: boolean, shape: WorldShape): Promise<void> {
  if (!parallel) {
    await sql.raw(stagingSql(shape)).execute(trx);
    return;
  }
  await sql.raw(`create unlogged table seed_world_numbers as select g from generate_series(1, ${shape.inquiries}) as g`).execute(trx);
  for (const setting of [
    'parallel_setup_cost = 0',
    'parallel_tuple_cost = 0.001',
    'min_parallel_table_scan_size = 0',
    'jit_optimize_above_cost = -1',
    'jit_inline_above_cost = -1',
  ]) {
    await sql.raw(`set local ${setting}`).execute(trx);
  }
  await sql.raw(stagingSql(shape, 'seed_world_numbers')).execute(trx);
  await sql`drop table seed_world_numbers`.execute(trx);
}

async function insertCatalog(trx: Kysely<DB>, catalog: Catalog, now: Date): Promise<number[][]> {
  const at = (ageSeconds: number) => new Date(now.getTime() - ageSeconds * 1000);
  if (catalog.customers.length > 0) {
    await trx
      .insertInto('customers')
      .values(catalog.customers.map((c) => ({ id: c.id, name: c.name, account_id: c.accountId, created_at: at(c.ageSeconds) })))
      .execute();
  }
  // templates.latest_version_id is checked at commit (deferrable), so templates can go in before their versions.
  await trx
    .insertInto('templates')
    .values(
      catalog.templates.map((t) => ({
        id: t.id,
        name: t.name,
        created_at: at(t.ageSeconds),
        latest_version_id: t.versions.at(-1)?.id ?? null,
        latest_version_number: t.versions.length,
      })),
    )
    .execute();
  await trx
    .insertInto('template_versions')
    .values(
      catalog.templates.flatMap((t) =>
        t.versions.map((v) => ({ id: v.id, template_id: t.id, version_number: v.number, published_at: at(v.ageSeconds), notes: v.notes })),
      ),
    )
    .execute();

  // Oldest first across templates, so that within a template a newer revision always has a higher id.
  const revisions = catalog.templates
    .flatMap((t, ti) => t.policies.map((p, pi) => ({ ti, pi, t, p })))
    .sort((a, b) => b.p.ageSeconds - a.p.ageSeconds);
  const ids: number[][] = catalog.templates.map(() => []);
  for (const { ti, pi, t, p } of revisions) {
    const row = await trx
      .insertInto('policy_revisions')
      .values({
        template_id: t.id,
        after_create_minutes: p.afterCreateMinutes,
        after_start_minutes: p.afterStartMinutes,
        after_resume_minutes: p.afterResumeMinutes,
        one_time_link_minutes: p.oneTimeLinkMinutes,
        reason: p.reason,
        created_by: p.createdBy,
        created_at: at(p.ageSeconds),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const own = ids[ti];
    if (own) own[pi] = Number(row.id);
  }
  return ids;
}

/** Counts a person checking the world cares about: totals, statuses, and the sizes of the support views. */
async function summarize(db: Kysely<DB>, now: Date): Promise<SeedSummary> {
  const inHour = new Date(now.getTime() + 3_600_000);
  const inDay = new Date(now.getTime() + 86_400_000);
  const totals = await sql<Record<string, number>>`
    select
      (select count(*) from templates)::int as templates,
      (select count(*) from template_versions)::int as "templateVersions",
      (select count(*) from policy_revisions)::int as "policyRevisions",
      (select count(*) from customers)::int as customers,
      (select count(*) from inquiry_sessions)::int as sessions,
      (select count(*) from inquiry_events)::int as events`.execute(db);
  const views = await sql<Record<string, number>>`
    select count(*)::int as inquiries,
      count(*) filter (where i.status in ('created', 'pending') and i.expires_at > ${now} and i.expires_at <= ${inHour})::int as "expiringWithin1h",
      count(*) filter (where i.status in ('created', 'pending') and i.expires_at > ${now} and i.expires_at <= ${inDay})::int as "expiringWithin24h",
      count(*) filter (where i.status in ('created', 'pending') and i.version_number < t.latest_version_number)::int as "openOnOutdatedVersion",
      count(*) filter (where i.status = 'pending' and i.expires_at > ${now} and not exists (
        select 1 from inquiry_sessions s where s.inquiry_id = i.id and s.expired_at is null and s.revoked_at is null and s.expires_at > ${now}))::int as stuck,
      count(*) filter (where i.predecessor_id is not null)::int as recreated,
      count(*) filter (where i.customer_id is not null)::int as "forCustomers"
    from inquiries i join templates t on t.id = i.template_id`.execute(db);
  const byStatus = await sql<{ status: string; n: number }>`select status, count(*)::int as n from inquiries group by status order by status`.execute(db);
  const summary: SeedSummary = { ...totals.rows[0], ...views.rows[0] };
  for (const row of byStatus.rows) summary[`status.${row.status}`] = row.n;
  return summary;
}

/**
 * Empties the inquiry store for a fresh seed: the 0001 tables plus every table that references them by foreign
 * key (found in the catalog, so tables added by later migrations, e.g. access links, are included rather than
 * blocking the truncate). Tables that merely mention inquiry ids (the audit log) are left alone — and an
 * append-only table that did reference them would make this fail loudly instead of losing history.
 * Returns the tables it emptied.
 */
export async function resetWorld(db: Kysely<DB>): Promise<string[]> {
  const result = await sql<{ name: string }>`
    with recursive owned(oid) as (
      select c.oid from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname = any(${[...WORLD_TABLES]}::text[])
      union
      select con.conrelid from pg_constraint con join owned on con.confrelid = owned.oid where con.contype = 'f'
    )
    select c.relname::text as name from pg_class c join owned on owned.oid = c.oid order by 1`.execute(db);
  const tables = result.rows.map((r) => r.name);
  if (tables.length === 0) return [];
  // Identities continue rather than restart: an audit entry that names policy revision 3 never comes to mean another one.
  await sql.raw(`truncate table ${tables.map((t) => `"${t.replace(/"/g, '""')}"`).join(', ')}`).execute(db);
  return tables;
}
