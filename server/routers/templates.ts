import { StaticLinkInputSchema, StaticLinkOutputSchema } from '../../shared/actions.js';
import { TemplateListOutputSchema } from '../../shared/templates.js';
import { staticLink } from '../services/inquiry-actions/index.js';
import * as templates from '../services/templates.js';
import { permissionProcedure, router } from '../trpc.js';

const readProcedure = permissionProcedure('inquiry:read');

export const templatesRouter = router({
  list: readProcedure.output(TemplateListOutputSchema).query(({ ctx }) => templates.listTemplates(ctx)),

  /** A static hosted-flow link with an opaque reference id: no token, a just-in-time inquiry on open. */
  staticLink: permissionProcedure('inquiry:act')
    .input(StaticLinkInputSchema)
    .output(StaticLinkOutputSchema)
    .query(({ ctx, input }) => staticLink(ctx, input)),
});
