import { isKnownStatus, type Status } from './statuses.js';

/**
 * The inquiry lifecycle and expiry rules (DESIGN §2), mirroring Persona's. Pure functions: the services, the
 * local engine and the hosted flow apply them inside their transactions; the client may show them.
 */
const TRANSITIONS: Record<Status, readonly Status[]> = {
  created: ['pending', 'expired'],
  pending: ['completed', 'failed', 'expired'],
  expired: ['pending'], // by resume
  completed: ['approved', 'declined', 'needs_review'],
  failed: ['approved', 'declined', 'needs_review'],
  approved: [],
  declined: [],
  needs_review: ['approved', 'declined'],
};

export function canTransition(from: string, to: Status): boolean {
  return isKnownStatus(from) && TRANSITIONS[from].includes(to);
}

export interface ExpirationPolicy {
  afterCreateMinutes: number;
  /** Null: same as after create (Persona's "blank"). */
  afterStartMinutes: number | null;
  afterResumeMinutes: number;
  oneTimeLinkMinutes: number;
}

export const DEFAULT_POLICY: ExpirationPolicy = {
  afterCreateMinutes: 24 * 60,
  afterStartMinutes: null,
  afterResumeMinutes: 24 * 60,
  oneTimeLinkMinutes: 60,
};

export type ExpiryTrigger = 'create' | 'start' | 'resume';

/** `expires_at` is set when an inquiry is created, started or resumed, from the policy in force at that moment. */
export function computeExpiresAt(policy: ExpirationPolicy, trigger: ExpiryTrigger, at: Date): Date {
  const minutes =
    trigger === 'create'
      ? policy.afterCreateMinutes
      : trigger === 'start'
        ? (policy.afterStartMinutes ?? policy.afterCreateMinutes)
        : policy.afterResumeMinutes;
  return new Date(at.getTime() + minutes * 60_000);
}

/** A template's policy revision as stored, or none: the policy in force (the defaults when it has none). */
export function policyInForce(
  revision: { after_create_minutes: number; after_start_minutes: number | null; after_resume_minutes: number; one_time_link_minutes: number } | undefined,
): ExpirationPolicy {
  if (!revision) return DEFAULT_POLICY;
  return {
    afterCreateMinutes: revision.after_create_minutes,
    afterStartMinutes: revision.after_start_minutes,
    afterResumeMinutes: revision.after_resume_minutes,
    oneTimeLinkMinutes: revision.one_time_link_minutes,
  };
}

/**
 * The status an inquiry has in effect at `now`: a created or pending inquiry past its expiry is expired, whether
 * or not the sweep has marked it yet. Guards, verdicts and the engine all reason from this, never from a stale row.
 */
export function effectiveStatus(status: string, expiresAt: Date, now: Date): string {
  return (status === 'created' || status === 'pending') && expiresAt.getTime() <= now.getTime() ? 'expired' : status;
}
