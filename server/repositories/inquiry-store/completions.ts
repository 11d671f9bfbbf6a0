import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../executor.js';

/**
 * `inquiry_completion_days` (migrations/0012): completions per template, UTC day and pair of duration buckets
 * (creation → completion, start → completion). The store keeps it in the transaction that completes an inquiry;
 * the histograms read it instead of every finished inquiry.
 */

/** Bucket edges in minutes: [0,10) [10,30) … [43200, ∞) — bucket i is width_bucket's i. The migration's backfill used the same. */
export const DURATION_EDGES = [10, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 10080, 21600, 43200] as const;
const EDGES = sql.raw(`array[${DURATION_EDGES.map((m) => `interval '${m} minutes'`).join(', ')}]`);

/** The bucket pair of completed inquiries in `from` (an SQL source with template_id, created_at, started_at, completed_at). */
function bucketed(source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select template_id, date_trunc('day', completed_at, 'UTC') as completed_day,
      width_bucket(completed_at - created_at, ${EDGES}) as from_create_bucket,
      width_bucket(completed_at - coalesce(started_at, created_at), ${EDGES}) as from_start_bucket,
      count(*)::int as completions
    from ${source} as f group by 1, 2, 3, 4`;
}

/** Counts the inquiry that just completed (call after its row has completed_at). */
export async function completionCounted(db: Executor, inquiryId: string): Promise<void> {
  await sql`insert into inquiry_completion_days (template_id, completed_day, from_create_bucket, from_start_bucket, completions)
    ${bucketed(sql`(select template_id, created_at, started_at, completed_at from inquiries where id = ${inquiryId} and completed_at is not null)`)}
    on conflict (template_id, completed_day, from_create_bucket, from_start_bucket)
    do update set completions = inquiry_completion_days.completions + excluded.completions`.execute(db);
}

/** Rebuilds the whole table from the inquiries (after a bulk load: the seed, a benchmark world). */
export async function rebuildCompletionDays(db: Executor): Promise<void> {
  await sql`delete from inquiry_completion_days`.execute(db);
  await sql`insert into inquiry_completion_days (template_id, completed_day, from_create_bucket, from_start_bucket, completions)
    ${bucketed(sql`(select template_id, created_at, started_at, completed_at from inquiries where completed_at is not null)`)}`.execute(db);
}
