import type { StaffPrincipal } from '../auth/principal.js';
import { staffActor } from '../auth/principal.js';
import type { AppDeps, RequestFacts } from '../deps.js';
import { AppError, HTTP_STATUS } from '../errors.js';
import { countRefusal } from '../repositories/refusal-windows.js';
import type { Permission } from '../../shared/permissions.js';
import { SENSITIVE_PERMISSIONS } from '../../shared/permissions.js';
import { INQUIRY_ID_PATTERN } from '../../shared/inquiries.js';
import type { ProviderUnavailableError } from '../providers/types.js';
import { withProviderRetries } from './provider-retries.js';
import { appendAuditEvent, type AuditEventInput, type AuditRequestContext } from './audit.js';

/**
 * Refusals leave a trail (issue 10; docs/security.md, "Refusals are recorded"). A guarded action that a guard refuses
 * rolls its transaction back, so nothing of it would remain; a 403 on a sensitive procedure never reaches one. Both
 * are recorded here, each as one audit event in a short transaction of its own, after the refusal:
 *
 * - `inquiry.action_refused`: a session-bearing action (resume, one-time link, token link) or a PII reveal refused
 *   by a guard — status, cooldown, budget, cap, a missing acknowledgement, a lifetime over the cap, no address to
 *   email. Input the router's zod schema rejects never reaches a service, and is not recorded; neither is an unknown
 *   inquiry id (nothing was there to refuse), a reused idempotency key, nor a server fault. The other actions that
 *   call the vendor (create, recreate, expire sessions, revoke a link) record only the vendor's refusal (Persona's
 *   4xx or its rate limit): what Persona refused is never recorded as done, and the refusal is on the record.
 * - `access.denied`: a signed-in person refused (403) a procedure whose permission is one of SENSITIVE_PERMISSIONS
 *   (shared/permissions.ts), by their role or by the permission's scope (support revoking what someone else issued).
 *
 * The flood bound: a fixed window of REFUSAL_WINDOW_MS per kind of refusal — (person, inquiry, action, refusal codes)
 * and (person, procedure, refusal) — records the first refusal of the window only, and one person's refusals of all
 * kinds record at most REFUSAL_EVENTS_PER_PERSON events per window. The first event of the next window says how many
 * were left out (`omittedBefore`). So one person can add at most REFUSAL_EVENTS_PER_PERSON events a minute, however
 * fast they try.
 */

export const REFUSAL_WINDOW_MS = 60_000;
export const REFUSAL_EVENTS_PER_PERSON = 20;

/** The session-bearing actions (and the PII reveal): every guard's refusal of them is recorded. */
type GuardedAction = 'resume' | 'one_time_link' | 'token_link' | 'pii_reveal';
/** The other actions that call the vendor: only the vendor's refusal of them (Persona's 4xx, its rate limit) is recorded. */
type VendorAction = 'create' | 'recreate' | 'expire_sessions' | 'revoke_link';
/** The actions whose refusals are recorded as `inquiry.action_refused` (metadata.action). */
export type RefusedAction = GuardedAction | VendorAction;
const GUARDED: ReadonlySet<RefusedAction> = new Set<GuardedAction>(['resume', 'one_time_link', 'token_link', 'pii_reveal']);
const VENDOR_REFUSALS = new Set(['provider_refused', 'provider_rate_limit']);

/** Who was refused and from where; the database and clock to record it with. */
export interface Refused extends Pick<AppDeps, 'database' | 'now' | 'log' | 'config'>, Pick<RequestFacts, 'deadlineAt'> {
  staff: Pick<StaffPrincipal, 'id' | 'email'>;
  request: AuditRequestContext;
}

/**
 * What the person asked for, as the refused action's event names it: aimed at an inquiry, or (creating one, revoking
 * a link) at what the action names as its target.
 */
export type RefusedAttempt = {
  action: RefusedAction;
  procedure: string;
  /** The person's stated reason and ticket (never secrets: the same fields the action's own event records). */
  reason?: string | null;
  ticket?: string | null;
} & ({ inquiryId: string } | { target: { type: string; id: string } });

const targetOf = (attempt: RefusedAttempt) => ('target' in attempt ? attempt.target : { type: 'inquiry', id: attempt.inquiryId });

export function isSensitivePermission(permission: Permission): boolean {
  return SENSITIVE_PERMISSIONS.includes(permission);
}

const MAX_MESSAGE = 500;
const messageOf = (error: AppError) => (error.message.length > MAX_MESSAGE ? `${error.message.slice(0, MAX_MESSAGE - 1)}…` : error.message);

/**
 * The refusal an action's error stands for, or null when it is not one a guard made. Guards say why in the error's
 * details (services/inquiry-actions/common.ts assertAllowed: `refusalCodes`; `missingAcknowledgements`;
 * `emailUnavailable`); a 400 from inside the action is the token link's lifetime cap.
 */
export function refusalOf(action: RefusedAction, error: unknown): { codes: string[]; detail: Record<string, unknown> } | null {
  if (!(error instanceof AppError)) return null;
  const details = error.details ?? {};
  const detail: Record<string, unknown> = {};
  let codes: string[] = [];
  if (Array.isArray(details.refusalCodes) && details.refusalCodes.every((c) => typeof c === 'string')) codes = [...details.refusalCodes];
  if (Array.isArray(details.missingAcknowledgements)) {
    codes.push('missing_acknowledgement');
    detail.missingAcknowledgements = details.missingAcknowledgements.filter((a) => typeof a === 'string');
  }
  if (typeof details.emailUnavailable === 'string') {
    codes.push('email_unavailable');
    detail.emailUnavailable = details.emailUnavailable;
  }
  if (codes.length === 0 && error.code === 'BAD_REQUEST') codes.push(action === 'token_link' ? 'lifetime_over_cap' : 'bad_request');
  if (codes.length === 0) return null;
  if (typeof details.retryAfterSeconds === 'number') detail.retryAfterSeconds = details.retryAfterSeconds;
  return { codes: [...new Set(codes)], detail };
}

/**
 * Counts the refusal under its kind and the person, and appends `event` when the flood bound lets it through: in a
 * transaction of its own, after the refused one rolled back. Never throws: a failure to record is logged, and the
 * person still gets the refusal they earned.
 */
async function recordBounded(who: Refused, kind: string, event: AuditEventInput): Promise<boolean> {
  const now = who.now();
  try {
    return await who.database.db.transaction().execute(async (trx) => {
      const same = await countRefusal(trx, kind, now, REFUSAL_WINDOW_MS, 1);
      if (same.hits > 1) return false;
      const person = await countRefusal(trx, `person:${who.staff.id}`, now, REFUSAL_WINDOW_MS, REFUSAL_EVENTS_PER_PERSON);
      if (person.hits > REFUSAL_EVENTS_PER_PERSON) return false;
      const overPersonLimit = person.hits === 1 ? person.carried : 0;
      const omittedBefore = same.carried > 0 || overPersonLimit > 0 ? { sameRefusal: same.carried, overPersonLimit } : undefined;
      await appendAuditEvent(trx, {
        ...event,
        metadata: { ...event.metadata, ...(omittedBefore ? { omittedBefore } : {}) },
        request: who.request,
        occurredAt: now,
      });
      return true;
    });
  } catch (err) {
    who.log.error({ err, action: event.action }, 'could not record a refusal in the audit log');
    return false;
  }
}

/**
 * `inquiry.action_refused` for a guard's refusal of `attempt` (see refusalOf), or the vendor's refusal of an action
 * that is not session-bearing; other errors are not recorded.
 */
export async function recordActionRefusal(who: Refused, attempt: RefusedAttempt, error: unknown): Promise<void> {
  const refusal = refusalOf(attempt.action, error);
  if (!refusal || !(error instanceof AppError)) return;
  if (!GUARDED.has(attempt.action) && !refusal.codes.some((code) => VENDOR_REFUSALS.has(code))) return;
  const codes = [...refusal.codes].sort();
  const target = targetOf(attempt);
  await recordBounded(who, `refused:${who.staff.id}:${target.id}:${attempt.action}:${codes.join('+')}`, {
    actor: staffActor(who.staff),
    action: 'inquiry.action_refused',
    target,
    reason: attempt.reason ?? null,
    ticket: attempt.ticket ?? null,
    metadata: {
      action: attempt.action,
      procedure: attempt.procedure,
      refusal: refusal.codes,
      status: HTTP_STATUS[error.code],
      message: messageOf(error),
      ...refusal.detail,
    },
  });
}

/**
 * Runs an action; when a guard (or the vendor) refuses it, records the refusal before the error goes on to the
 * caller. The action's own transaction has ended (rolled back) by then. A vendor call with an unknown outcome
 * runs the action again (withProviderRetries), each failed attempt recorded as `provider.call_failed`.
 */
export async function auditingRefusal<T>(who: Refused, attempt: RefusedAttempt, run: () => Promise<T>): Promise<T> {
  try {
    const target = targetOf(attempt);
    return await withProviderRetries(who, run, (failure, n, retrying) => recordProviderFailure(who, { ...attempt, target }, failure, n, retrying));
  } catch (error) {
    await recordActionRefusal(who, attempt, error);
    throw error;
  }
}

/**
 * `provider.call_failed`: an attempt at an action whose vendor call failed with an unknown outcome (5xx, timeout).
 * The action rolled back — nothing claims success — and `retrying` says whether the service tries again with the
 * same idempotency key. In a transaction of its own, flood-bounded like refusals.
 */
export async function recordProviderFailure(
  who: Refused,
  attempt: Pick<RefusedAttempt, 'procedure' | 'reason' | 'ticket'> & { action: string; target: { type: string; id: string } },
  failure: ProviderUnavailableError,
  n: number,
  retrying: boolean,
): Promise<void> {
  who.log.warn({ provider: failure.provider, operation: failure.operation, status: failure.status, attempt: n, retrying }, 'provider call failed');
  await recordBounded(who, `provider:${who.staff.id}:${attempt.target.id}:${attempt.procedure}:${n}`, {
    actor: staffActor(who.staff),
    action: 'provider.call_failed',
    target: attempt.target,
    reason: attempt.reason ?? null,
    ticket: attempt.ticket ?? null,
    metadata: {
      action: attempt.action,
      procedure: attempt.procedure,
      provider: failure.provider,
      operation: failure.operation,
      providerStatus: failure.status,
      attempt: n,
      retrying,
    },
  });
}

const LINK_ID_PATTERN = /^lnk_[A-Za-z0-9]{1,64}$/;

/** What a refused call was aimed at, when its raw input names an inquiry or a link in their exact formats; else null. */
export function deniedTarget(rawInput: unknown): { type: 'inquiry' | 'link'; id: string } | null {
  if (typeof rawInput !== 'object' || rawInput === null) return null;
  const input = rawInput as Record<string, unknown>;
  for (const key of ['id', 'inquiryId'] as const) {
    const value = input[key];
    if (typeof value === 'string' && INQUIRY_ID_PATTERN.test(value)) return { type: 'inquiry', id: value };
  }
  if (typeof input.linkId === 'string' && LINK_ID_PATTERN.test(input.linkId)) return { type: 'link', id: input.linkId };
  return null;
}

/**
 * `access.denied` for a 403 on a procedure that needs a sensitive permission (server/trpc.ts calls this): the
 * procedure, the permission, and whether the role lacks it or only holds it for the person's own records.
 */
export async function recordAccessDenied(
  who: Refused & { staff: Pick<StaffPrincipal, 'id' | 'email' | 'role'> },
  denied: { procedure: string; permission: Permission; error: AppError; rawInput: unknown },
): Promise<void> {
  if (!isSensitivePermission(denied.permission)) return;
  const refusal = denied.error.details?.missingPermission ? 'missing_permission' : 'outside_scope';
  await recordBounded(who, `denied:${who.staff.id}:${denied.procedure}:${refusal}`, {
    actor: staffActor(who.staff),
    action: 'access.denied',
    target: deniedTarget(denied.rawInput),
    metadata: { procedure: denied.procedure, permission: denied.permission, role: who.staff.role, refusal, message: messageOf(denied.error) },
  });
}
