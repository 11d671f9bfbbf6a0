import { router } from '../trpc.js';
import { authRouter } from './auth.js';
import { inquiriesRouter } from './inquiries.js';
import { linksRouter } from './links.js';
import { staffRouter } from './staff.js';
import { templatesRouter } from './templates.js';

export const appRouter = router({
  auth: authRouter,
  inquiries: inquiriesRouter,
  templates: templatesRouter,
  links: linksRouter,
  staff: staffRouter,
});

export type AppRouter = typeof appRouter;
