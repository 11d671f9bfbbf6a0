// Test data for the guarded actions (imported by tests only).
import type { ActionVerdict } from '@shared/actions.js';
import type { RouterOutputs } from '../../../lib/trpc';

type ActionsFor = RouterOutputs['inquiries']['actionsFor'];

export const allowed = (overrides: Partial<ActionVerdict> = {}): ActionVerdict => ({ allowed: true, reasons: [], warnings: [], requires: [], ...overrides });
export const refused = (reason: string): ActionVerdict => ({ allowed: false, reasons: [reason], warnings: [], requires: [] });

/** Everything allowed (a pending inquiry on the latest version), unless overridden. */
export function actionsFor(overrides: Partial<ActionsFor> = {}): ActionsFor {
  return {
    resume: allowed(),
    oneTimeLink: allowed(),
    tokenLink: {
      ...allowed({ warnings: ['Anyone holding this link can open the inquiry until it expires. Prefer a one-time link.'], requires: ['acknowledgeRisk'] }),
      maxMinutes: 300,
    },
    recreate: allowed({ warnings: ['Already on the latest version: recreating only restarts the flow.'] }),
    limits: { liveSessionCount: 2, sessionCap: 25, resumesInWindow: 1, resumeCooldownMax: 3, resumeCooldownMinutes: 10, staffActionsInWindow: 4, staffBudget: 60, staffBudgetMinutes: 60 },
    ...overrides,
  };
}

export const SESSION_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJpcXNlX05ldzEifQ.c2lnbmF0dXJlLXNlY3JldA';

export function resumeOutput(overrides: Partial<RouterOutputs['inquiries']['resume']> = {}): RouterOutputs['inquiries']['resume'] {
  return {
    sessionId: 'iqse_New1',
    sessionToken: SESSION_TOKEN,
    tokenFingerprint: 'fp1a2b3c',
    expiresAt: new Date(Date.now() + 24 * 3_600_000),
    inquiryId: 'inq_AAAA1111',
    status: 'pending',
    reusedSession: false,
    ...overrides,
  };
}
