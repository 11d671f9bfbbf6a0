import { router } from '../trpc.js';
import { apiKeysRouter } from './api-keys.js';
import { authRouter } from './auth.js';
import { customersRouter } from './customers.js';
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
  customers: customersRouter,
  apiKeys: apiKeysRouter,
});

export type AppRouter = typeof appRouter;
