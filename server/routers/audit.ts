import { router } from '../trpc.js';

/** The audit log for compliance: the explorer (`audit.list`) and chain verification (`audit.verify`). */
export const auditRouter = router({});
