import { StaticLinkInputSchema, StaticLinkOutputSchema } from '../../shared/actions.js';
import {
  ApplyPolicyInputSchema,
  ApplyPolicyOutputSchema,
  PolicyHistoryOutputSchema,
  PolicyPreviewSchema,
  PolicyRevisionSchema,
  PreviewPolicyInputSchema,
  PublishVersionInputSchema,
  PublishVersionOutputSchema,
  RecreateOutdatedInputSchema,
  RecreateOutdatedOutputSchema,
  TemplateDetailSchema,
  TemplateListOutputSchema,
  TemplateTargetInputSchema,
  UpdatePolicyInputSchema,
} from '../../shared/templates.js';
import { staticLink } from '../services/inquiry-actions/index.js';
import * as changes from '../services/template-changes.js';
import * as templates from '../services/templates.js';
import { permissionProcedure, router } from '../trpc.js';

const readProcedure = permissionProcedure('inquiry:read');
const editProcedure = permissionProcedure('policy:edit');

export const templatesRouter = router({
  list: readProcedure.output(TemplateListOutputSchema).query(({ ctx }) => templates.listTemplates(ctx)),
  get: readProcedure.input(TemplateTargetInputSchema).output(TemplateDetailSchema).query(({ ctx, input }) => templates.getTemplate(ctx, input.templateId)),
  policyHistory: readProcedure
    .input(TemplateTargetInputSchema)
    .output(PolicyHistoryOutputSchema)
    .query(({ ctx, input }) => templates.policyHistory(ctx, input.templateId)),

  /** The impact of a proposed policy, from real data (aggregates in SQL). */
  previewPolicy: editProcedure.input(PreviewPolicyInputSchema).output(PolicyPreviewSchema).query(({ ctx, input }) => templates.previewPolicy(ctx, input)),
  updatePolicy: editProcedure.input(UpdatePolicyInputSchema).output(PolicyRevisionSchema).mutation(({ ctx, input }) => changes.updatePolicy(ctx, input)),
  applyPolicy: editProcedure.input(ApplyPolicyInputSchema).output(ApplyPolicyOutputSchema).mutation(({ ctx, input }) => changes.applyPolicy(ctx, input)),
  publishVersion: editProcedure.input(PublishVersionInputSchema).output(PublishVersionOutputSchema).mutation(({ ctx, input }) => changes.publishVersion(ctx, input)),
  recreateOutdated: editProcedure
    .input(RecreateOutdatedInputSchema)
    .output(RecreateOutdatedOutputSchema)
    .mutation(({ ctx, input }) => changes.recreateOutdated(ctx, input)),

  /** A static hosted-flow link with an opaque reference id: no token, a just-in-time inquiry on open. */
  staticLink: permissionProcedure('inquiry:act')
    .input(StaticLinkInputSchema)
    .output(StaticLinkOutputSchema)
    .query(({ ctx, input }) => staticLink(ctx, input)),
});
