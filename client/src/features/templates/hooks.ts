import { keepPreviousData, skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PreviewPolicyInput } from '@shared/templates.js';
import { useTRPC } from '../../lib/trpc';

/** Templates change rarely (a published version, a policy edit): a few minutes of staleness is fine. */
export function useTemplates() {
  const trpc = useTRPC();
  return useQuery(trpc.templates.list.queryOptions(undefined, { staleTime: 5 * 60_000 }));
}

/** A template's page: versions, the revision in force and the charts' data. */
export function useTemplate(templateId: string, enabled = true) {
  const trpc = useTRPC();
  return useQuery(trpc.templates.get.queryOptions({ templateId }, { enabled, staleTime: 60_000 }));
}

export function usePolicyHistory(templateId: string) {
  const trpc = useTRPC();
  return useQuery(trpc.templates.policyHistory.queryOptions({ templateId }, { staleTime: 60_000 }));
}

/**
 * The impact of a policy on real data (null: nothing to ask yet). The previous answer stays on screen while the
 * next one loads, so the numbers change in place as the manager types.
 */
export function usePolicyPreview(input: PreviewPolicyInput | null, options: { fresh?: boolean } = {}) {
  const trpc = useTRPC();
  return useQuery(
    trpc.templates.previewPolicy.queryOptions(input ?? skipToken, {
      placeholderData: keepPreviousData,
      staleTime: options.fresh ? 0 : 30_000,
      refetchOnMount: options.fresh ? 'always' : true,
    }),
  );
}

/**
 * Saving a policy, applying it, publishing a version and recreating outdated inquiries. Each refreshes the
 * templates (list, page, history, previews) when it settles; those that change inquiries refresh them too, so
 * version chips and the Outdated view follow at once.
 */
export function useTemplateMutations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const templates = { onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.templates.pathKey() }) };
  const templatesAndInquiries = {
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: trpc.templates.pathKey() }),
        queryClient.invalidateQueries({ queryKey: trpc.inquiries.pathKey() }),
      ]),
  };
  return {
    updatePolicy: useMutation(trpc.templates.updatePolicy.mutationOptions(templates)),
    applyPolicy: useMutation(trpc.templates.applyPolicy.mutationOptions(templatesAndInquiries)),
    publishVersion: useMutation(trpc.templates.publishVersion.mutationOptions(templatesAndInquiries)),
    recreateOutdated: useMutation(trpc.templates.recreateOutdated.mutationOptions(templatesAndInquiries)),
  };
}
