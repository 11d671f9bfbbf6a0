import { formatMinutes } from '../../lib/time';

export interface PolicyIntervals {
  afterCreateMinutes: number;
  afterStartMinutes: number | null;
  afterResumeMinutes: number;
  oneTimeLinkMinutes: number;
}

/** Persona advises keeping expiry at or under 15 days. */
export const RECOMMENDED_MAX_MINUTES = 15 * 24 * 60;

/** The policy as a manager reads it: "After creation 24 h", "After start same as creation", … */
export function describePolicy(policy: PolicyIntervals): { label: string; value: string; long: boolean }[] {
  const row = (label: string, minutes: number) => ({ label, value: formatMinutes(minutes), long: minutes > RECOMMENDED_MAX_MINUTES });
  return [
    row('After creation', policy.afterCreateMinutes),
    policy.afterStartMinutes === null
      ? { label: 'After start', value: 'same as creation', long: false }
      : row('After start', policy.afterStartMinutes),
    row('After resume', policy.afterResumeMinutes),
    row('One-time link', policy.oneTimeLinkMinutes),
  ];
}

/** The console's own caps: "Longest token link 2 h", "Resume cooldown server default". */
export function describeCaps(caps: { tokenLinkMaxMinutes: number | null; resumeCooldownMinutes: number | null }): { label: string; value: string; long: boolean }[] {
  const row = (label: string, minutes: number | null) => ({ label, value: minutes === null ? 'server default' : formatMinutes(minutes), long: false });
  return [row('Longest token link', caps.tokenLinkMaxMinutes), row('Resume cooldown', caps.resumeCooldownMinutes)];
}
