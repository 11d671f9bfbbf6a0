import type { AppDeps } from '../deps.js';
import * as repo from '../repositories/templates.js';
import type { TemplateListOutput } from '../../shared/templates.js';

export async function listTemplates(deps: AppDeps): Promise<TemplateListOutput> {
  const { db } = deps.database;
  const [templates, versions, openCounts, policies] = await Promise.all([
    repo.listTemplates(db),
    repo.listVersions(db),
    repo.countOpenByVersion(db),
    repo.currentPolicies(db),
  ]);
  const openByVersion = new Map(openCounts.map((c) => [c.version_id, c.count]));
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
              revisionId: policy.id,
              afterCreateMinutes: policy.after_create_minutes,
              afterStartMinutes: policy.after_start_minutes,
              afterResumeMinutes: policy.after_resume_minutes,
              oneTimeLinkMinutes: policy.one_time_link_minutes,
              createdAt: policy.created_at,
            }
          : null,
        openInquiryCount,
        openOnOutdatedCount: versionDtos.filter((v) => !v.isLatest).reduce((sum, v) => sum + v.openInquiryCount, 0),
      };
    }),
  };
}
