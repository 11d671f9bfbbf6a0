import { AuditVerifyOutputSchema } from '../../shared/audit-verify.js';
import { verifyAuditLogAs } from '../services/audit-verify.js';
import { permissionProcedure, router } from '../trpc.js';

/** The audit log for compliance: the explorer (`audit.list`) and chain verification (`audit.verify`). */
export const auditRouter = router({
  // A mutation: it is audited (audit.verified), and a full scan of the log is no GET to be fetched cross-site.
  verify: permissionProcedure('audit:export').output(AuditVerifyOutputSchema).mutation(({ ctx }) => verifyAuditLogAs(ctx)),
});
