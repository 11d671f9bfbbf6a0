import { z } from 'zod';

/** Inquiry statuses known today (Persona's lifecycle). The vendor may add more: display code must cope. */
export const STATUSES = [
  'created',
  'pending',
  'completed',
  'failed',
  'expired',
  'approved',
  'declined',
  'needs_review',
] as const;
export const StatusSchema = z.enum(STATUSES);
export type Status = z.infer<typeof StatusSchema>;

/** Statuses in which the end user can still work on the inquiry, and which expire when their time passes. */
export const OPEN_STATUSES = ['created', 'pending'] as const satisfies readonly Status[];
/** A decision was made: no action may touch the inquiry any more. */
export const DECISIONED_STATUSES = ['approved', 'declined', 'needs_review'] as const satisfies readonly Status[];

export function isKnownStatus(value: string): value is Status {
  return (STATUSES as readonly string[]).includes(value);
}

export function isOpenStatus(value: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(value);
}

export const STATUS_LABELS: Record<Status, string> = {
  created: 'Created',
  pending: 'Pending',
  completed: 'Completed',
  failed: 'Failed',
  expired: 'Expired',
  approved: 'Approved',
  declined: 'Declined',
  needs_review: 'Needs review',
};

export function statusLabel(value: string): string {
  return isKnownStatus(value) ? STATUS_LABELS[value] : value;
}
