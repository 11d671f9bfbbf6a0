import type { Kysely, Transaction } from 'kysely';
import type { GuardConfig } from '../../config.js';
import type { AppDeps, RequestFacts } from '../../deps.js';
import type { StaffPrincipal } from '../../auth/principal.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import * as repo from '../../repositories/access.js';
import type { ActionFacts, RateWindow, ResumeWindow } from '../../repositories/access.js';
import type { Acknowledgement, ActionName } from '../../../shared/actions.js';
import { hasPermission } from '../../../shared/permissions.js';
import type { AuditRequestContext } from '../audit.js';
import { evaluateGuards, type GuardFacts, type GuardVerdicts } from './guards.js';
import type { IssuedBy, LockedInquiry, NewInquiry } from '../../providers/types.js';
import { DEFAULT_POLICY } from '../../../shared/lifecycle.js';

/** What an action needs to know about who asks and from where. */
export interface ActionContext extends AppDeps, Pick<RequestFacts, 'deadlineAt'> {
  staff: StaffPrincipal;
  request: AuditRequestContext;
}

export const resumeBucket = (inquiryId: string) => `resume:${inquiryId}`;
export const staffBucket = (staffId: string) => `staff-actions:${staffId}`;

export function issuedBy(ctx: ActionContext, reason: string | null, ticket: string | null = null): IssuedBy {
  return { type: 'staff', id: ctx.staff.id, display: ctx.staff.email, reason, ticket };
}

/**
 * Who acts, as the guards see it: the permissions they check, and the bucket that counts this actor's
 * session-bearing actions against the budget (STAFF_ACTION_BUDGET) — null for a partner key, which is throttled per
 * request instead (server/services/partner-api.ts).
 */
export interface Acting {
  permissions: GuardFacts['permissions'];
  budgetBucket: string | null;
  /** Only inquiries of this customer exist for this actor (a partner key); null: all of them (staff). */
  customerId: string | null;
}

export function staffActing(ctx: ActionContext): Acting {
  return staffActingAs(ctx.staff);
}

/**
 * A member of staff as the guards see them, acting or not: the requester of a token link a second person approves
 * is checked with their own role (as it is now) and their own budget (docs/two-person-rule.md).
 */
export function staffActingAs(staff: { id: string; role: string }): Acting {
  return {
    permissions: { act: hasPermission(staff.role, 'inquiry:act'), tokenLink: hasPermission(staff.role, 'link:token') },
    budgetBucket: staffBucket(staff.id),
    customerId: null,
  };
}

/** No row is ever written to this bucket: the budget window of an actor without a budget reads as empty. */
const NO_BUDGET = '';

/** The two rate-limit windows the guards read: this inquiry's resumes (as long as its template says), and the actor's budget. */
function rateWindows(deps: Pick<AppDeps, 'config'>, acting: Acting, inquiryId: string, now: Date): { resume: ResumeWindow; staff: RateWindow } {
  const { guards } = deps.config;
  return {
    resume: { bucket: resumeBucket(inquiryId), defaultMinutes: guards.resumeCooldownMinutes },
    staff: { bucket: acting.budgetBucket ?? NO_BUDGET, since: new Date(now.getTime() - guards.staffBudgetMinutes * 60_000) },
  };
}

/**
 * The server's guard limits with the template's own caps (its policy revision) where it sets them. A template may
 * only tighten what the operator configured: a shorter longest token link, a longer resume cooldown window.
 */
export function limitsFor(deps: Pick<AppDeps, 'config'>, inquiry: Pick<ActionFacts, 'token_link_max_minutes' | 'resume_cooldown_minutes'>): GuardConfig {
  const { guards } = deps.config;
  return {
    ...guards,
    tokenLinkMaxMinutes: Math.min(inquiry.token_link_max_minutes ?? guards.tokenLinkMaxMinutes, guards.tokenLinkMaxMinutes),
    resumeCooldownMinutes: Math.max(inquiry.resume_cooldown_minutes ?? guards.resumeCooldownMinutes, guards.resumeCooldownMinutes),
  };
}

/** The inquiry's facts and counters (read together by one statement) as the guards want them. */
function guardFacts(deps: Pick<AppDeps, 'config'>, acting: Acting, inquiry: ActionFacts): GuardFacts {
  const guards = limitsFor(deps, inquiry);
  const { resume, staff } = inquiry.rateWindows;
  const freesAt = (oldest: Date | null, minutes: number) => (oldest ? new Date(oldest.getTime() + minutes * 60_000) : null);
  return {
    status: inquiry.status,
    expiresAt: inquiry.expires_at,
    createdAt: inquiry.created_at,
    versionNumber: inquiry.version_number,
    latestVersionNumber: inquiry.latest_version_number,
    successorId: inquiry.successorId,
    liveSessionCount: inquiry.liveSessionCount,
    hasReusableSession: inquiry.reusableSession !== null,
    afterResumeMinutes: inquiry.after_resume_minutes ?? DEFAULT_POLICY.afterResumeMinutes,
    resumesInWindow: resume.count,
    resumeWindowFreesAt: freesAt(resume.oldest, guards.resumeCooldownMinutes),
    staffActionsInWindow: staff.count,
    staffWindowFreesAt: freesAt(staff.oldest, guards.staffBudgetMinutes),
    permissions: acting.permissions,
  };
}

/** Facts and verdicts without locking anything, for showing them (actionsFor). */
export async function readAndCheck(db: Kysely<DB>, ctx: ActionContext, inquiryId: string, now: Date) {
  const acting = staffActing(ctx);
  const inquiry = await repo.readInquiryForActions(db, inquiryId, now, rateWindows(ctx, acting, inquiryId, now));
  if (!inquiry) throw new AppError('NOT_FOUND', `No inquiry ${inquiryId}.`);
  const facts = guardFacts(ctx, acting, inquiry);
  return { inquiry, facts, verdicts: evaluateGuards(facts, limitsFor(ctx, inquiry), now) };
}

/**
 * Locks the inquiry (and this person's action budget) and re-evaluates the guards inside the transaction.
 * Lock order, the same in every action: idempotency key → inquiry row → staff budget; the audit chain head is
 * taken last of all, at COMMIT, by the deferred trigger that chains the staged audit event. The two locks are
 * taken by one statement and everything the guards read by the next one, so the reads see whatever the
 * transactions they waited for committed.
 */
export async function lockAndCheck(trx: Transaction<DB>, ctx: ActionContext, inquiryId: string, now: Date) {
  const checked = await lockAndCheckAs(trx, ctx, staffActing(ctx), inquiryId, now);
  if (!checked) throw new AppError('NOT_FOUND', `No inquiry ${inquiryId}.`);
  return checked;
}

/**
 * lockAndCheck for any actor. Without a budget the second lock is the inquiry's own resume bucket, which its row
 * lock already serialises: a partner key's concurrent calls on different inquiries do not queue behind each other.
 * Returns undefined when there is no such inquiry (or, for an actor bound to a customer, none of theirs).
 */
export async function lockAndCheckAs(trx: Transaction<DB>, deps: Pick<AppDeps, 'config'>, acting: Acting, inquiryId: string, now: Date) {
  const found = await repo.lockInquiryAndName(trx, inquiryId, acting.budgetBucket ?? resumeBucket(inquiryId), acting.customerId);
  const inquiry = found ? await repo.lockedActionFacts(trx, inquiryId, now, rateWindows(deps, acting, inquiryId, now)) : undefined;
  if (!inquiry) return undefined;
  const facts = guardFacts(deps, acting, inquiry);
  return { inquiry, facts, verdicts: evaluateGuards(facts, limitsFor(deps, inquiry), now) };
}

/** What the provider may rely on about an inquiry this transaction has locked and read (see LockedInquiry). */
export function lockedInquiry(inquiry: ActionFacts): LockedInquiry {
  return {
    id: inquiry.id,
    status: inquiry.status,
    expiresAt: inquiry.expires_at,
    afterResumeMinutes: inquiry.after_resume_minutes,
    liveSessionCount: inquiry.liveSessionCount,
    reusableSession: inquiry.reusableSession,
  };
}

/** Turns a refusing verdict into the right error: 429 for rate limits, 412 for a missing acknowledgement, 409 otherwise. */
export function assertAllowed(verdicts: GuardVerdicts, action: ActionName, acknowledged: Partial<Record<Acknowledgement, boolean | undefined>>) {
  const verdict = verdicts[action];
  if (!verdict.allowed) {
    const retryAfter = verdicts.retryAfterSeconds[action];
    const limitOnly = retryAfter !== undefined && verdict.reasons.length === 1;
    // The codes go with the refusal: services/refusal-audit.ts records them (`inquiry.action_refused`).
    const refusalCodes = verdicts.refusalCodes[action];
    if (limitOnly) throw new AppError('TOO_MANY_REQUESTS', verdict.reasons.join(' '), { retryAfterSeconds: retryAfter, refusalCodes });
    throw new AppError('CONFLICT', verdict.reasons.join(' '), { reasons: verdict.reasons, refusalCodes });
  }
  const missing = verdict.requires.filter((ack) => acknowledged[ack] !== true);
  if (missing.length > 0) {
    throw new AppError('PRECONDITION_FAILED', `${missing.join(', ')}: confirm first — ${verdict.warnings.join(' ')}`, { missingAcknowledgements: missing });
  }
}

/** A recreated inquiry's successor: the same reference id, customer, account and prefill, linked to its one predecessor. */
export function successorOf(inquiry: Pick<ActionFacts, 'id' | 'template_id' | 'reference_id' | 'customer_id' | 'account_id' | 'fields'>): NewInquiry {
  return {
    templateId: inquiry.template_id,
    referenceId: inquiry.reference_id,
    customerId: inquiry.customer_id,
    accountId: inquiry.account_id,
    fields: inquiry.fields,
    predecessorId: inquiry.id,
    kind: 'dedicated',
  };
}
