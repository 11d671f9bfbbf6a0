import type { Kysely, Transaction } from 'kysely';
import type { AppDeps } from '../../context.js';
import type { StaffPrincipal } from '../../auth/principal.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import * as repo from '../../repositories/access.js';
import type { Acknowledgement, ActionName } from '../../../shared/actions.js';
import { hasPermission } from '../../../shared/permissions.js';
import type { AuditRequestContext } from '../audit.js';
import { evaluateGuards, type GuardFacts, type GuardVerdicts } from './guards.js';
import type { IssuedBy } from '../../providers/types.js';
import { DEFAULT_POLICY } from '../../providers/local/lifecycle.js';

/** What an action needs to know about who asks and from where. */
export interface ActionContext extends AppDeps {
  staff: StaffPrincipal;
  request: AuditRequestContext;
}

export const resumeBucket = (inquiryId: string) => `resume:${inquiryId}`;
export const staffBucket = (staffId: string) => `staff-actions:${staffId}`;

export function issuedBy(ctx: ActionContext, reason: string | null, ticket: string | null = null): IssuedBy {
  return { type: 'staff', id: ctx.staff.id, display: ctx.staff.email, reason, ticket };
}

type InquiryFacts = NonNullable<Awaited<ReturnType<typeof repo.readInquiryForActions>>>;

/** Counters and facts, read inside the caller's transaction (or outside one, for actionsFor). */
export async function guardFacts(db: Kysely<DB>, ctx: ActionContext, inquiry: InquiryFacts, now: Date): Promise<GuardFacts> {
  const { guards } = ctx.config;
  const resumeSince = new Date(now.getTime() - guards.resumeCooldownMinutes * 60_000);
  const staffSince = new Date(now.getTime() - guards.staffBudgetMinutes * 60_000);
  const counts = await repo.countRateEvents(db, [
    { bucket: resumeBucket(inquiry.id), since: resumeSince },
    { bucket: staffBucket(ctx.staff.id), since: staffSince },
  ]);
  const none = { count: 0, oldest: null };
  const resumes = counts.get(resumeBucket(inquiry.id)) ?? none;
  const staffActions = counts.get(staffBucket(ctx.staff.id)) ?? none;
  const freesAt = (oldest: Date | null, minutes: number) => (oldest ? new Date(oldest.getTime() + minutes * 60_000) : null);
  return {
    status: inquiry.status,
    expiresAt: inquiry.expires_at,
    versionNumber: inquiry.version_number,
    latestVersionNumber: inquiry.latest_version_number,
    successorId: inquiry.successorId,
    liveSessionCount: inquiry.liveSessionCount,
    hasReusableSession: inquiry.hasReusableSession,
    afterResumeMinutes: inquiry.after_resume_minutes ?? DEFAULT_POLICY.afterResumeMinutes,
    resumesInWindow: resumes.count,
    resumeWindowFreesAt: freesAt(resumes.oldest, guards.resumeCooldownMinutes),
    staffActionsInWindow: staffActions.count,
    staffWindowFreesAt: freesAt(staffActions.oldest, guards.staffBudgetMinutes),
    permissions: { act: hasPermission(ctx.staff.role, 'inquiry:act'), tokenLink: hasPermission(ctx.staff.role, 'link:token') },
  };
}

/**
 * Locks the inquiry (and this person's action budget) and re-evaluates the guards inside the transaction.
 * Lock order, the same in every action: idempotency key → inquiry row → staff budget; the audit chain head is
 * taken last of all, at COMMIT, by the deferred trigger that chains the staged audit event.
 */
export async function lockAndCheck(trx: Transaction<DB>, ctx: ActionContext, inquiryId: string, now: Date) {
  const inquiry = await repo.lockInquiryForAction(trx, inquiryId, now);
  if (!inquiry) throw new AppError('NOT_FOUND', `No inquiry ${inquiryId}.`);
  await repo.lockName(trx, staffBucket(ctx.staff.id));
  const facts = await guardFacts(trx, ctx, inquiry, now);
  return { inquiry, facts, verdicts: evaluateGuards(facts, ctx.config.guards, now) };
}

/** Turns a refusing verdict into the right error: 429 for rate limits, 412 for a missing acknowledgement, 409 otherwise. */
export function assertAllowed(verdicts: GuardVerdicts, action: ActionName, acknowledged: Partial<Record<Acknowledgement, boolean | undefined>>) {
  const verdict = verdicts[action];
  if (!verdict.allowed) {
    const retryAfter = verdicts.retryAfterSeconds[action];
    const limitOnly = retryAfter !== undefined && verdict.reasons.length === 1;
    if (limitOnly) throw new AppError('TOO_MANY_REQUESTS', verdict.reasons.join(' '), { retryAfterSeconds: retryAfter });
    throw new AppError('CONFLICT', verdict.reasons.join(' '), { reasons: verdict.reasons });
  }
  const missing = verdict.requires.filter((ack) => acknowledged[ack] !== true);
  if (missing.length > 0) {
    throw new AppError('PRECONDITION_FAILED', `${missing.join(', ')}: confirm first — ${verdict.warnings.join(' ')}`, { missingAcknowledgements: missing });
  }
}
