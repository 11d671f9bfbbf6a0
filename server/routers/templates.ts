import { TemplateListOutputSchema } from '../../shared/templates.js';
import * as templates from '../services/templates.js';
import { publicProcedure, router } from '../trpc.js';

export const templatesRouter = router({
  list: publicProcedure.output(TemplateListOutputSchema).query(({ ctx }) => templates.listTemplates(ctx)),
});
