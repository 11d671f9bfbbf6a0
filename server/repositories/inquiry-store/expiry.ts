import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { ExpirationPolicy } from '../../../shared/lifecycle.js';
import { refreshLiveSessionUntil, sessionOpen } from './live-sessions.js';

/**
 * Applying an expiration policy to inquiries that are already open (the managers' explicit "apply to open
 * inquiries"). The rule is written once, here, as SQL: the impact preview counts with it and the apply writes with it.
 *
 * An open inquiry's expiry was set by its last trigger (DESIGN §2): created → `created_at` + after-creation;
 * pending → its last resume (a `resumed` timeline entry) + after-resume, else `started_at` + after-start (blank:
 * after-creation). Its new expiry is that base plus the new interval — but never closer than `graceUntil`
 * (now + APPLY_GRACE_MINUTES) unless it already was: `greatest(target, least(expires_at, graceUntil))`.
 * "Held at the grace limit" means: it loses time, and the target itself is closer than the limit.
 */

/** The `held` condition over columns `target`, `after` and `before` of a row (see above). */
export function heldAtGrace(graceUntil: Date): RawBuilder<boolean> {
  return sql<boolean>`(after_expires_at < before_expires_at and target < ${graceUntil}::timestamptz)`;
}

const minutes = (n: number) => sql`make_interval(mins => ${n}::int)`;

/** The last time the inquiry `alias` was resumed (from expired), or null. */
function lastResumedAt(alias: string): RawBuilder<Date | null> {
  return sql<Date | null>`(select max(e.occurred_at) from inquiry_events e where e.inquiry_id = ${sql.ref(`${alias}.id`)} and e.kind = 'resumed')`;
}

/** The expiry the policy's intervals give the open inquiry `alias`, from its last trigger. */
export function policyTarget(alias: string, policy: ExpirationPolicy): RawBuilder<Date> {
  const i = (column: string) => sql.ref(`${alias}.${column}`);
  return sql<Date>`(case when ${i('status')} = 'created' then ${i('created_at')} + ${minutes(policy.afterCreateMinutes)}
    else coalesce(${lastResumedAt(alias)} + ${minutes(policy.afterResumeMinutes)},
      coalesce(${i('started_at')}, ${i('created_at')}) + ${minutes(policy.afterStartMinutes ?? policy.afterCreateMinutes)}) end)`;
}

/** The expiry applying the policy gives the open inquiry `alias` (the target, held back to `graceUntil`). */
export function reappliedExpiry(alias: string, policy: ExpirationPolicy, graceUntil: Date): RawBuilder<Date> {
  return sql<Date>`greatest(${policyTarget(alias, policy)}, least(${sql.ref(`${alias}.expires_at`)}, ${graceUntil}::timestamptz))`;
}

/**
 * One batch: the open inquiries of `templateId` after `afterId` (in id order, at most `limit`) get the expiry the
 * policy gives them, each changed one with an `expiry.changed` timeline entry. Locks the batch's rows (in id order,
 * as one statement) before changing them. A session never outlives its inquiry: open sessions of an inquiry whose
 * expiry came closer are cut to it (and `live_session_until` follows). Returns how many were looked at, changed and
 * held back at the grace limit, and the last id looked at (the next batch's `afterId`).
 */
export async function expiryReapplied(
  trx: Transaction<DB>,
  batch: { templateId: string; afterId: string; limit: number },
  policy: ExpirationPolicy,
  revisionId: number,
  now: Date,
  graceUntil: Date,
): Promise<{ scanned: number; changed: number; heldAtGrace: number; lastId: string | null }> {
  const result = await sql<{ scanned: number; changed: number; held: number; last_id: string | null; cut_ids: string[] }>`
    with batch as materialized (
      select i.id, i.expires_at as before_expires_at, ${policyTarget('i', policy)} as target, ${reappliedExpiry('i', policy, graceUntil)} as after_expires_at
      from inquiries i
      where i.template_id = ${batch.templateId} and i.status in ('created', 'pending') and i.id > ${batch.afterId}
      order by i.id limit ${batch.limit}
      for update of i
    ),
    changed as (
      update inquiries q set expires_at = b.after_expires_at, updated_at = ${now}, policy_revision_id = ${revisionId}::int8
      from batch b where q.id = b.id and b.after_expires_at <> b.before_expires_at
      returning q.id, b.before_expires_at, b.after_expires_at
    ),
    cut as (
      update inquiry_sessions s set expires_at = greatest(s.created_at, c.after_expires_at)
      from changed c where s.inquiry_id = c.id and c.after_expires_at < c.before_expires_at
        and ${sessionOpen('s')} and s.expires_at > c.after_expires_at
      returning s.inquiry_id
    ),
    timeline as (
      insert into inquiry_events (inquiry_id, occurred_at, kind, detail)
      select c.id, ${now}, 'expiry.changed',
        jsonb_build_object('from', to_char(c.before_expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'to', to_char(c.after_expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'policyRevisionId', ${revisionId}::int8)
      from changed c
      returning 1
    )
    select (select count(*) from batch)::int as scanned, (select count(*) from changed)::int as changed,
      (select count(*) from batch where ${heldAtGrace(graceUntil)})::int as held,
      (select max(id) from batch) as last_id,
      coalesce((select array_agg(distinct inquiry_id) from cut), '{}') as cut_ids`.execute(trx);
  const row = result.rows[0];
  if (row && row.cut_ids.length > 0) await refreshLiveSessionUntil(trx, row.cut_ids);
  return { scanned: row?.scanned ?? 0, changed: row?.changed ?? 0, heldAtGrace: row?.held ?? 0, lastId: row?.last_id ?? null };
}
