import type { GuardConfig } from '../../config.js';
import type { ActionName, ActionVerdict, ActionsForOutput, Acknowledgement } from '../../../shared/actions.js';
import { TOKEN_LINK_MIN_MINUTES } from '../../../shared/actions.js';
import { DECISIONED_STATUSES } from '../../../shared/statuses.js';
import { effectiveStatus } from '../../../shared/lifecycle.js';
import { describeDuration } from '../diagnosis.js';

/**
 * The guards of DESIGN §4 as one pure function. `inquiries.actionsFor` shows its verdicts to the agent, and
 * every action re-evaluates it inside its transaction, with the inquiry row locked, before it does anything —
 * so the UI never guesses and a stale screen cannot get past a guard.
 */
/** The configured limits (SESSION_CAP, RESUME_COOLDOWN_*, STAFF_ACTION_BUDGET_*, TOKEN_LINK_MAX_MINUTES). */
export type GuardLimits = GuardConfig;

export interface GuardFacts {
  /** As stored; the guards use its effective value at `now` (an overdue created/pending inquiry is expired). */
  status: string;
  expiresAt: Date;
  createdAt: Date;
  versionNumber: number;
  latestVersionNumber: number;
  successorId: string | null;
  liveSessionCount: number;
  /** A live session nobody has used yet: resume hands it out instead of creating one. */
  hasReusableSession: boolean;
  afterResumeMinutes: number;
  /** Console resumes of this inquiry inside the cooldown window, and when the oldest of them leaves it. */
  resumesInWindow: number;
  resumeWindowFreesAt: Date | null;
  /** Session-bearing actions by this member of staff inside the budget window. */
  staffActionsInWindow: number;
  staffWindowFreesAt: Date | null;
  permissions: { act: boolean; tokenLink: boolean };
}

/**
 * Why a guard refuses, as a code: what the audit log records when an action is refused (`inquiry.action_refused`,
 * services/refusal-audit.ts), beside the sentence the person reads.
 */
export const REFUSAL_CODES = ['not_permitted', 'replaced', 'status', 'session_cap', 'resume_cooldown', 'staff_budget', 'too_close_to_expiry'] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface GuardVerdicts extends Omit<ActionsForOutput, 'limits'> {
  /** When a rate limit is what refuses an action: seconds until it would be allowed. */
  retryAfterSeconds: Partial<Record<ActionName, number>>;
  /** Each refused action's refusal codes, in the order of its reasons (no duplicates); empty when allowed. */
  refusalCodes: Record<ActionName, RefusalCode[]>;
}

const verdict = (): ActionVerdict => ({ allowed: true, reasons: [], warnings: [], requires: [] });

/** The codes of each verdict's refusals, kept beside the verdict (ActionVerdict is what the console reads). */
const codesOf = new WeakMap<ActionVerdict, RefusalCode[]>();

function refuse(v: ActionVerdict, code: RefusalCode, reason: string) {
  v.allowed = false;
  v.reasons.push(reason);
  const codes = codesOf.get(v) ?? [];
  if (!codes.includes(code)) codes.push(code);
  codesOf.set(v, codes);
}

function requireAck(v: ActionVerdict, ack: Acknowledgement, warning: string) {
  v.warnings.push(warning);
  if (!v.requires.includes(ack)) v.requires.push(ack);
}

const secondsUntil = (at: Date | null, now: Date) => (at ? Math.max(1, Math.ceil((at.getTime() - now.getTime()) / 1000)) : 60);

export function evaluateGuards(facts: GuardFacts, limits: GuardLimits, now: Date): GuardVerdicts {
  const resume = verdict();
  const oneTimeLink = verdict();
  const tokenLink = verdict();
  const recreate = verdict();
  const retryAfterSeconds: GuardVerdicts['retryAfterSeconds'] = {};
  // An inquiry past its expiry is expired, whether or not the sweep has marked it yet (DESIGN §4).
  const status = effectiveStatus(facts.status, facts.expiresAt, now);
  const ageDays = Math.floor((now.getTime() - facts.createdAt.getTime()) / 86_400_000);
  const stale = ageDays >= limits.staleInquiryDays;
  const isDecisioned = (DECISIONED_STATUSES as readonly string[]).includes(status);
  const isOutdated = facts.versionNumber < facts.latestVersionNumber;
  const behind = facts.latestVersionNumber - facts.versionNumber;

  if (!facts.permissions.act) {
    for (const v of [resume, oneTimeLink, recreate]) refuse(v, 'not_permitted', 'Your role cannot act on inquiries.');
  }
  if (!facts.permissions.tokenLink) refuse(tokenLink, 'not_permitted', 'Your role cannot issue links with a session token.');

  if (facts.successorId) {
    const msg = `Replaced by ${facts.successorId}: act on the new inquiry instead.`;
    for (const v of [resume, oneTimeLink, tokenLink, recreate]) refuse(v, 'replaced', msg);
  }

  // Resume: pending or expired only.
  if (status !== 'pending' && status !== 'expired') {
    refuse(resume, 'status', `Only pending or expired inquiries can be resumed; this one is ${status}.`);
  }
  // Resuming and reopening (a one-time link for an expired inquiry) ask for the same acknowledgements, in the same words.
  const staleWarning = `Created ${ageDays} days ago: check how old it is — recreating it on the latest version is usually better than resuming.`;
  const outdatedWarning = `Pinned to v${facts.versionNumber}, ${behind} behind v${facts.latestVersionNumber}: Persona recommends recreating on the latest version instead.`;
  if (status === 'expired') {
    requireAck(resume, 'acknowledgeExpired', `Expired: resuming makes it pending again for ${describeDuration(facts.afterResumeMinutes * 60_000)}.`);
    if (stale) requireAck(resume, 'acknowledgeExpired', staleWarning);
  }
  if (isOutdated && (status === 'pending' || status === 'expired')) requireAck(resume, 'acknowledgeOutdated', outdatedWarning);
  const needsNewSession = !facts.hasReusableSession;
  if (needsNewSession && facts.liveSessionCount >= limits.sessionCap) {
    refuse(resume, 'session_cap', `${facts.liveSessionCount} live sessions: the limit is ${limits.sessionCap}. Expire some sessions first.`);
  }
  if (facts.resumesInWindow >= limits.resumeCooldownMax) {
    const wait = secondsUntil(facts.resumeWindowFreesAt, now);
    refuse(resume, 'resume_cooldown', `Resumed ${facts.resumesInWindow} times in the last ${limits.resumeCooldownMinutes} min: wait ${describeDuration(wait * 1000)} (this guards against eager resuming).`);
    retryAfterSeconds.resume = wait;
  }

  // One-time link: created or pending, with enough time left to be used. An expired one is reopened by the same
  // action (DESIGN §4: one step, no session handed out), with the acknowledgements resuming it would ask for.
  const untilExpiryMs = facts.expiresAt.getTime() - now.getTime();
  if (status === 'expired') {
    const reopenedForMs = facts.afterResumeMinutes * 60_000;
    requireAck(oneTimeLink, 'acknowledgeExpired', `Expired: creating the link reopens it, pending again for ${describeDuration(reopenedForMs)}.`);
    if (stale) requireAck(oneTimeLink, 'acknowledgeExpired', staleWarning);
    if (isOutdated) requireAck(oneTimeLink, 'acknowledgeOutdated', outdatedWarning);
    if (facts.afterResumeMinutes < limits.oneTimeLinkMinMinutes) {
      refuse(oneTimeLink, 'too_close_to_expiry', `Reopened, it would expire in ${describeDuration(reopenedForMs)}, too soon for a link to be used: recreate it.`);
    }
  } else if (status !== 'created' && status !== 'pending') refuse(oneTimeLink, 'status', `One-time links are for created or pending inquiries; this one is ${status}.`);
  else if (untilExpiryMs < limits.oneTimeLinkMinMinutes * 60_000) {
    refuse(oneTimeLink, 'too_close_to_expiry', `Expires in ${describeDuration(untilExpiryMs)}, too soon for a link to be used: let it expire and resume it, or recreate it.`);
  }

  // Link with the token appended: pending or expired, time-boxed.
  if (status !== 'pending' && status !== 'expired') {
    refuse(tokenLink, 'status', `Token links are for pending or expired inquiries; this one is ${status}.`);
  }
  const untilExpiry = status === 'expired' ? facts.afterResumeMinutes : Math.floor((facts.expiresAt.getTime() - now.getTime()) / 60_000);
  const maxMinutes = Math.max(0, Math.min(limits.tokenLinkMaxMinutes, untilExpiry));
  if (tokenLink.allowed && maxMinutes < TOKEN_LINK_MIN_MINUTES) refuse(tokenLink, 'too_close_to_expiry', 'Expires in less than 5 minutes: recreate it or let it expire and resume.');
  tokenLink.warnings.push('Anyone holding this link can open the inquiry until it expires. Prefer a one-time link.');
  if (!tokenLink.requires.includes('acknowledgeRisk')) tokenLink.requires.push('acknowledgeRisk');
  if (status === 'expired') requireAck(tokenLink, 'acknowledgeExpired', 'Expired: issuing the link resumes it.');
  if (isOutdated && (status === 'pending' || status === 'expired')) {
    requireAck(tokenLink, 'acknowledgeOutdated', `Pinned to v${facts.versionNumber}, ${behind} behind v${facts.latestVersionNumber}: Persona recommends recreating on the latest version instead.`);
  }
  if (needsNewSession && facts.liveSessionCount >= limits.sessionCap) refuse(tokenLink, 'session_cap', `${facts.liveSessionCount} live sessions: the limit is ${limits.sessionCap}.`);

  // Session-bearing actions share one budget per member of staff.
  if (facts.staffActionsInWindow >= limits.staffBudget) {
    const wait = secondsUntil(facts.staffWindowFreesAt, now);
    const msg = `You have issued ${facts.staffActionsInWindow} sessions or links in the last ${describeDuration(limits.staffBudgetMinutes * 60_000)}: wait ${describeDuration(wait * 1000)}.`;
    for (const [name, v] of [['resume', resume], ['oneTimeLink', oneTimeLink], ['tokenLink', tokenLink]] as const) {
      refuse(v, 'staff_budget', msg);
      retryAfterSeconds[name] = Math.max(retryAfterSeconds[name] ?? 0, wait);
    }
  }

  // Recreate: anything not yet decided or completed.
  if (isDecisioned) refuse(recreate, 'status', `A decision has been made (${status}): it cannot be recreated.`);
  else if (status === 'completed') refuse(recreate, 'status', 'The end user completed it (completed), and it is waiting for a decision: nothing to recreate.');
  else if (!['created', 'pending', 'expired', 'failed'].includes(status)) refuse(recreate, 'status', `Inquiries in status ${status} cannot be recreated.`);
  if (recreate.allowed && !isOutdated) recreate.warnings.push('Already on the latest version: recreating only restarts the flow.');

  const codes = (v: ActionVerdict) => [...(codesOf.get(v) ?? [])];
  const refusalCodes = { resume: codes(resume), oneTimeLink: codes(oneTimeLink), tokenLink: codes(tokenLink), recreate: codes(recreate) };
  return { resume, oneTimeLink, tokenLink: { ...tokenLink, maxMinutes }, recreate, retryAfterSeconds, refusalCodes };
}
