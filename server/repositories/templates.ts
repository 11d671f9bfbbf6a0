import { sql } from 'kysely';
import type { Executor } from './executor.js';

export function listTemplates(db: Executor) {
  return db.selectFrom('templates').selectAll().orderBy('name').execute();
}

export function listVersions(db: Executor) {
  return db
    .selectFrom('template_versions as v')
    .innerJoin('templates as t', 't.id', 'v.template_id')
    .select(['v.id', 'v.template_id', 'v.version_number', 'v.published_at', 't.latest_version_id'])
    .orderBy('v.template_id')
    .orderBy('v.version_number')
    .execute();
}

/** Open (created or pending) inquiries per version: a small set, walked on the status index. */
export async function countOpenByVersion(db: Executor) {
  const result = await sql<{ version_id: string; count: number }>`
    select version_id, count(*)::int as count from inquiries
    where status in ('created', 'pending') group by version_id`.execute(db);
  return result.rows;
}

/** The policy in force for each template: its newest revision. */
export function currentPolicies(db: Executor) {
  return db
    .selectFrom('policy_revisions')
    .selectAll()
    .distinctOn('template_id')
    .orderBy('template_id')
    .orderBy('id', 'desc')
    .execute();
}

export function currentPolicy(db: Executor, templateId: string) {
  return db.selectFrom('policy_revisions').selectAll().where('template_id', '=', templateId).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

/** The template's latest published version, for a new inquiry (none when nothing is published yet). */
export function latestVersion(db: Executor, templateId: string) {
  return db.selectFrom('templates').select(['id', 'latest_version_id', 'latest_version_number']).where('id', '=', templateId).executeTakeFirst();
}
