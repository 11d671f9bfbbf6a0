import { isKnownStatus, type Status } from '../../../shared/statuses.js';

/**
 * The local engine's rules (DESIGN §2), mirroring Persona's inquiry lifecycle. Pure functions: the services
 * apply them inside their transactions.
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
