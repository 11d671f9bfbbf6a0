import type { StaffPrincipal } from '../auth/principal.js';
import type { Context } from '../deps.js';
import { auditRequestContext } from '../services/audit.js';
import type { ActionContext } from '../services/inquiry-actions/index.js';

/** The service's view of a signed-in request: who, and from where (for the audit event). */
export function actionContext(ctx: Context & { staff: StaffPrincipal }): ActionContext {
  return { ...ctx, staff: ctx.staff, request: auditRequestContext(ctx) };
}
