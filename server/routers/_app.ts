import { router } from '../trpc.js';
import { inquiriesRouter } from './inquiries.js';
import { templatesRouter } from './templates.js';

export const appRouter = router({
  inquiries: inquiriesRouter,
  templates: templatesRouter,
});

export type AppRouter = typeof appRouter;
