import type { AppDeps } from '../deps.js';
import { AppError } from '../errors.js';
import * as repo from '../repositories/templates.js';
import { policyInForce, type ExpirationPolicy } from '../../shared/lifecycle.js';
import {
  APPLY_GRACE_MINUTES,
  PREVIEW_WINDOW_DAYS,
  VENDOR_RECOMMENDED_MAX_MINUTES,
  type DurationBucket,
  type PolicyFields,
  type PolicyPreview,
  type PolicyRevision,
  type TemplateDetail,
  type TemplateListOutput,
} from '../../shared/templates.js';

/** Templates, their versions and expiration policy: what everyone reads, and the impact preview managers see. */

const DAY_MS = 86_400_000;

export function toRevision(row: repo.RevisionRow): PolicyRevision {
  return {
    revisionId: row.id,
    templateId: row.template_id,
    afterCreateMinutes: row.after_create_minutes,
    afterStartMinutes: row.after_start_minutes,
    afterResumeMinutes: row.after_resume_minutes,
    oneTimeLinkMinutes: row.one_time_link_minutes,
    tokenLinkMaxMinutes: row.token_link_max_minutes,
    resumeCooldownMinutes: row.resume_cooldown_minutes,
    reason: row.reason,
    createdBy: row.created_by_email,
    createdAt: row.created_at,
    appliedToOpenAt: row.applied_to_open_at,
    appliedToOpenCount: row.applied_to_open_count,
  };
}

export async function listTemplates(deps: AppDeps): Promise<TemplateListOutput> {
  const { db } = deps.database;
  const now = deps.now();
  const [templates, versions, openCounts, policies, expiring] = await Promise.all([
    repo.listTemplates(db),
    repo.listVersions(db),
    repo.countOpenByVersion(db),
    repo.currentPolicies(db),
    repo.countExpiringBetween(db, now, new Date(now.getTime() + DAY_MS)),
  ]);
  const openByVersion = new Map(openCounts.map((c) => [c.version_id, c.count]));
  const expiringByTemplate = new Map(expiring.map((e) => [e.template_id, e.count]));
  return {
    items: templates.map((t) => {
      const own = versions.filter((v) => v.template_id === t.id);
      const policy = policies.find((p) => p.template_id === t.id);
      const versionDtos = own.map((v) => ({
        id: v.id,
        versionNumber: v.version_number,
        publishedAt: v.published_at,
        isLatest: v.id === t.latest_version_id,
        openInquiryCount: openByVersion.get(v.id) ?? 0,
      }));
      const openInquiryCount = versionDtos.reduce((sum, v) => sum + v.openInquiryCount, 0);
      return {
        id: t.id,
        name: t.name,
        latestVersionId: t.latest_version_id,
        latestVersionNumber: t.latest_version_number,
        versions: versionDtos,
        policy: policy
          ? {
              revisionId: Number(policy.id),
              afterCreateMinutes: policy.after_create_minutes,
              afterStartMinutes: policy.after_start_minutes,
              afterResumeMinutes: policy.after_resume_minutes,
              oneTimeLinkMinutes: policy.one_time_link_minutes,
              createdAt: policy.created_at,
            }
          : null,
        openInquiryCount,
        openOnOutdatedCount: versionDtos.filter((v) => !v.isLatest).reduce((sum, v) => sum + v.openInquiryCount, 0),
        expiringNext24h: expiringByTemplate.get(t.id) ?? 0,
      };
    }),
  };
}

/** Bucket rows (index over DURATION_EDGES → count) as every bucket, empty ones included. */
function toBuckets(rows: readonly { bucket: number; count: number }[]): DurationBucket[] {
  const edges = [0, ...repo.DURATION_EDGES];
  return edges.map((from, index) => ({
    fromMinutes: from,
    toMinutes: repo.DURATION_EDGES[index] ?? null,
    count: rows.filter((r) => Number(r.bucket) === index).reduce((sum, r) => sum + r.count, 0),
  }));
}

async function histograms(deps: AppDeps, templateId: string, since: Date) {
  const rows = await repo.completionHistograms(deps.database.db, templateId, since);
  return {
    creationToCompletion: toBuckets(rows.filter((r) => r.which === 'create')),
    startToCompletion: toBuckets(rows.filter((r) => r.which === 'start')),
  };
}

export async function getTemplate(deps: AppDeps, templateId: string): Promise<TemplateDetail> {
  const { db } = deps.database;
  const now = deps.now();
  const since = new Date(now.getTime() - PREVIEW_WINDOW_DAYS * DAY_MS);
  const template = await repo.findTemplate(db, templateId);
  if (!template) throw new AppError('NOT_FOUND', `No template ${templateId}.`);
  const [summary, versions, byStatus, revisions, openAge, charts] = await Promise.all([
    listTemplates(deps).then((all) => all.items.find((t) => t.id === templateId)),
    repo.versionsOf(db, templateId),
    repo.countOpenByVersionStatus(db),
    repo.revisions(db, templateId, 1),
    repo.openAgeHistogram(db, templateId, now),
    histograms(deps, templateId, since),
  ]);
  if (!summary) throw new AppError('NOT_FOUND', `No template ${templateId}.`);
  const count = (versionId: string, status: string) => byStatus.find((r) => r.version_id === versionId && r.status === status)?.count ?? 0;
  const finishedTotal = charts.creationToCompletion.reduce((sum, b) => sum + b.count, 0);
  return {
    ...summary,
    versions: versions.map((v) => {
      const createdCount = count(v.id, 'created');
      const pendingCount = count(v.id, 'pending');
      return {
        id: v.id,
        versionNumber: v.version_number,
        publishedAt: v.published_at,
        isLatest: v.id === template.latest_version_id,
        openInquiryCount: createdCount + pendingCount,
        notes: v.notes,
        createdCount,
        pendingCount,
      };
    }),
    revision: revisions[0] ? toRevision(revisions[0]) : null,
    managedBy: deps.provider.name === 'persona' ? ('persona' as const) : ('console' as const),
    openAge: toBuckets(openAge),
    histograms: charts,
    finishedTotal,
  };
}

export async function policyHistory(deps: AppDeps, templateId: string): Promise<{ items: PolicyRevision[] }> {
  const template = await repo.findTemplate(deps.database.db, templateId);
  if (!template) throw new AppError('NOT_FOUND', `No template ${templateId}.`);
  return { items: (await repo.revisions(deps.database.db, templateId)).map(toRevision) };
}

export function policyOf(fields: Pick<PolicyFields, 'afterCreateMinutes' | 'afterStartMinutes' | 'afterResumeMinutes' | 'oneTimeLinkMinutes'>): ExpirationPolicy {
  return {
    afterCreateMinutes: fields.afterCreateMinutes,
    afterStartMinutes: fields.afterStartMinutes,
    afterResumeMinutes: fields.afterResumeMinutes,
    oneTimeLinkMinutes: fields.oneTimeLinkMinutes,
  };
}

/** The editor's warnings for a policy (saving is still allowed). */
export function policyWarnings(fields: PolicyFields): string[] {
  const long = (
    [
      ['after creation', fields.afterCreateMinutes],
      ['after start', fields.afterStartMinutes],
      ['after resume', fields.afterResumeMinutes],
    ] as const
  ).filter(([, minutes]) => minutes !== null && minutes > VENDOR_RECOMMENDED_MAX_MINUTES);
  return long.map(([label]) => `The interval ${label} is longer than 15 days, the longest Persona recommends: users stay on outdated flows longer.`);
}

const share = (counts: repo.ExpiredCounts, total: number) => ({
  expiredBeforeStart: counts.before_start,
  expiredBeforeCompletion: counts.before_completion,
  share: total === 0 ? 0 : (counts.before_start + counts.before_completion) / total,
});

/**
 * The impact of a proposed policy, computed in SQL from real data: the finished inquiries of the last 90 days that
 * would have expired under the current and under the proposed intervals, their completion-time histograms, and
 * what applying it to the open inquiries would change (with the apply's own rule).
 */
export async function previewPolicy(deps: AppDeps, input: PolicyFields & { templateId: string }): Promise<PolicyPreview> {
  const { db } = deps.database;
  const now = deps.now();
  const template = await repo.findTemplate(db, input.templateId);
  if (!template) throw new AppError('NOT_FOUND', `No template ${input.templateId}.`);
  const since = new Date(now.getTime() - PREVIEW_WINDOW_DAYS * DAY_MS);
  const [currentRow] = await repo.revisions(db, input.templateId, 1);
  const current = policyInForce(currentRow);
  const proposed = policyOf(input);
  const startOf = (p: ExpirationPolicy) => ({ afterCreateMinutes: p.afterCreateMinutes, afterStartMinutes: p.afterStartMinutes ?? p.afterCreateMinutes });
  const [finished, charts, open] = await Promise.all([
    repo.finishedExpiryCounts(db, input.templateId, since, startOf(current), startOf(proposed)),
    histograms(deps, input.templateId, since),
    repo.openImpact(db, input.templateId, proposed, new Date(now.getTime() + APPLY_GRACE_MINUTES * 60_000)),
  ]);
  return {
    templateId: input.templateId,
    current: currentRow ? toRevision(currentRow) : null,
    finished: {
      windowDays: PREVIEW_WINDOW_DAYS,
      total: finished.total,
      current: share(finished.current, finished.total),
      proposed: share(finished.proposed, finished.total),
    },
    histograms: charts,
    open: { total: open.total, changed: open.changed, gainTime: open.gain, loseTime: open.lose, expireAtOnce: open.held },
    warnings: policyWarnings(input),
  };
}
