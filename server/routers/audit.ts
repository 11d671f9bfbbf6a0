import { AuditListInputSchema, AuditListOutputSchema } from '../../shared/audit-list.js';
import { AuditVerifyOutputSchema } from '../../shared/audit-verify.js';
import { listAuditEvents } from '../services/audit-explorer.js';
import { verifyAuditLogAs } from '../services/audit-verify.js';
import { permissionProcedure, router, syncParser } from '../trpc.js';

/** The audit log for compliance: the explorer (`audit.list`) and chain verification (`audit.verify`). */
export const auditRouter = router({
  // A query (the console pages it), though its first page appends audit.viewed: reading the log is audited.
  list: permissionProcedure('audit:read')
    .input(syncParser(AuditListInputSchema))
    .output(syncParser(AuditListOutputSchema))
    .query(({ ctx, input }) => listAuditEvents(ctx, input)),
  // A mutation: it is audited (audit.verified), and a full scan of the log is no GET to be fetched cross-site.
  verify: permissionProcedure('audit:export').output(AuditVerifyOutputSchema).mutation(({ ctx }) => verifyAuditLogAs(ctx)),
});
