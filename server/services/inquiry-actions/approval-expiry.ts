import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { AppDeps } from '../../deps.js';
import { SYSTEM_ACTOR } from '../../auth/principal.js';
import * as requests from '../../repositories/token-link-requests.js';
import { appendAuditEvent } from '../audit.js';

/** The most pending requests one pass expires (each leaves an audit event); the next pass takes the rest. */
export const EXPIRE_BATCH = 100;

/**
 * Pending token link requests past their expiry (TOKEN_LINK_APPROVAL_TTL_MINUTES) become `expired`, each with a
 * `link.approval_expired` event by the system, in the caller's transaction. Run lazily before every read and decision
 * of requests, and by the expiry sweep; the access report derives the state from the expiry meanwhile.
 */
export async function expireDueRequestsIn(trx: Transaction<DB>, now: Date): Promise<number> {
  const expired = await requests.expireDueRequests(trx, now, EXPIRE_BATCH);
  for (const request of expired) {
    await appendAuditEvent(trx, {
      actor: SYSTEM_ACTOR,
      action: 'link.approval_expired',
      target: { type: 'inquiry', id: request.inquiry_id },
      ticket: request.ticket,
      metadata: {
        requestId: request.id,
        requestedBy: { id: request.requested_by_id, display: request.requested_by_display },
        requestedAt: request.created_at.toISOString(),
        requestExpiresAt: request.expires_at.toISOString(),
      },
      occurredAt: now,
    });
  }
  return expired.length;
}

/** expireDueRequestsIn in a transaction of its own. */
export function expireDueRequests(deps: Pick<AppDeps, 'database'>, now: Date): Promise<number> {
  return deps.database.db.transaction().execute((trx) => expireDueRequestsIn(trx, now));
}
