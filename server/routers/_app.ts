import { router } from '../trpc.js';
import { accessRouter } from './access.js';
import { apiKeysRouter } from './api-keys.js';
import { auditRouter } from './audit.js';
import { authRouter } from './auth.js';
import { customersRouter } from './customers.js';
import { inquiriesRouter } from './inquiries.js';
import { linksRouter } from './links.js';
import { personaRouter } from './persona.js';
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
  audit: auditRouter,
  access: accessRouter,
  persona: personaRouter,
});

export type AppRouter = typeof appRouter;
