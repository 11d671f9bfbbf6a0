import { describe, expect, it } from 'vitest';
import { ACTIONS, type ActionName } from '../../../shared/actions.js';
import { STATUSES } from '../../../shared/statuses.js';
import { evaluateGuards, type GuardFacts, type GuardLimits } from './guards.js';

/**
 * evaluateGuards as a pure function. Every expectation below is written out by hand from DESIGN §4 (and, where
 * DESIGN is silent, from what the function does today) — never derived from guards.ts — so a guard that changes
 * which status allows which action fails here.
 */

const NOW = new Date('2026-06-15T12:00:00.000Z');
const MINUTE = 60_000;
const minutesFromNow = (m: number) => new Date(NOW.getTime() + m * MINUTE);

/** The defaults of server/config.ts. */
const LIMITS: GuardLimits = {
  sessionCap: 25,
  resumeCooldownMax: 3,
  resumeCooldownMinutes: 10,
  staffBudget: 60,
  staffBudgetMinutes: 60,
  tokenLinkMaxMinutes: 1440,
  staleInquiryDays: 30,
  oneTimeLinkMinMinutes: 5,
};

/** A pending inquiry on the latest version, an hour before its expiry, with nothing in the way. */
function facts(overrides: Partial<GuardFacts> = {}): GuardFacts {
  return {
    status: 'pending',
    expiresAt: minutesFromNow(60),
    createdAt: minutesFromNow(-120),
    versionNumber: 2,
    latestVersionNumber: 2,
    successorId: null,
    liveSessionCount: 0,
    hasReusableSession: false,
    afterResumeMinutes: 1440,
    resumesInWindow: 0,
    resumeWindowFreesAt: null,
    staffActionsInWindow: 0,
    staffWindowFreesAt: null,
    permissions: { act: true, tokenLink: true },
    ...overrides,
  };
}

const evaluate = (overrides: Partial<GuardFacts> = {}, limits: GuardLimits = LIMITS) => evaluateGuards(facts(overrides), limits, NOW);

function allowedOf(overrides: Partial<GuardFacts>): Record<ActionName, boolean> {
  const v = evaluate(overrides);
  return { resume: v.resume.allowed, oneTimeLink: v.oneTimeLink.allowed, tokenLink: v.tokenLink.allowed, recreate: v.recreate.allowed };
}

const Y = true;
const N = false;

/**
 * DESIGN §4, "allowed when":
 *   resume: pending or expired · one-time link: pending or created · token link: pending/expired ·
 *   recreate: created, pending, expired, failed; not decisioned.
 * expired × oneTimeLink is allowed with the acknowledgements a resume asks for: DESIGN §4, "an expired one can be
 * reopened and linked in one step" (issue 14).
 * A status the vendor adds later must not crash anything, and allows nothing.
 */
const STATUS_TABLE: Record<string, { resume: boolean; oneTimeLink: boolean; tokenLink: boolean; recreate: boolean }> = {
  created: /*      */ { resume: N, oneTimeLink: Y, tokenLink: N, recreate: Y },
  pending: /*      */ { resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y },
  completed: /*    */ { resume: N, oneTimeLink: N, tokenLink: N, recreate: N },
  failed: /*       */ { resume: N, oneTimeLink: N, tokenLink: N, recreate: Y },
  expired: /*      */ { resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y },
  approved: /*     */ { resume: N, oneTimeLink: N, tokenLink: N, recreate: N },
  declined: /*     */ { resume: N, oneTimeLink: N, tokenLink: N, recreate: N },
  needs_review: /* */ { resume: N, oneTimeLink: N, tokenLink: N, recreate: N },
  on_hold_future_status: { resume: N, oneTimeLink: N, tokenLink: N, recreate: N },
};

describe('status × action', () => {
  it('the table has a row for every status of shared/statuses.ts (plus an unknown one) and a column for every action', () => {
    expect(Object.keys(STATUS_TABLE).sort()).toEqual([...STATUSES, 'on_hold_future_status'].sort());
    for (const row of Object.values(STATUS_TABLE)) expect(Object.keys(row).sort()).toEqual([...ACTIONS].sort());
  });

  // The status alone decides here: every row is an hour before its expires_at.
  it.each(Object.entries(STATUS_TABLE))('%s', (status, expected) => {
    const v = evaluate({ status });
    expect(allowedOf({ status })).toEqual(expected);
    // Every refusal says why; every allowed verdict has no reasons.
    for (const action of ACTIONS) {
      if (v[action].allowed) expect(v[action].reasons, action).toEqual([]);
      else expect(v[action].reasons.length, action).toBeGreaterThan(0);
    }
  });

  it('expired with expires_at in the past (as the sweeper leaves it): the same verdicts', () => {
    expect(allowedOf({ status: 'expired', expiresAt: minutesFromNow(-600) })).toEqual(STATUS_TABLE.expired);
  });

  it('the refusal names the status', () => {
    expect(evaluate({ status: 'completed' }).resume.reasons).toEqual(['Only pending or expired inquiries can be resumed; this one is completed.']);
    expect(evaluate({ status: 'failed' }).oneTimeLink.reasons).toEqual(['One-time links are for created or pending inquiries; this one is failed.']);
    expect(evaluate({ status: 'created' }).tokenLink.reasons).toEqual(['Token links are for pending or expired inquiries; this one is created.']);
    expect(evaluate({ status: 'approved' }).recreate.reasons).toEqual(['A decision has been made (approved): it cannot be recreated.']);
    expect(evaluate({ status: 'completed' }).recreate.reasons[0]).toMatch(/completed/);
    expect(evaluate({ status: 'on_hold_future_status' }).recreate.reasons).toEqual(['Inquiries in status on_hold_future_status cannot be recreated.']);
  });

  /** Past `expires_at` but the sweeper has not moved it to expired yet: it is expired, and treated as such. */
  it.each([
    ['pending', { resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y }],
    ['created', { resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y }],
  ] as const)('overdue %s', (status, expected) => {
    const v = evaluate({ status, expiresAt: minutesFromNow(-1) });
    expect(allowedOf({ status, expiresAt: minutesFromNow(-1) })).toEqual(expected);
    expect(v.oneTimeLink.requires).toEqual(['acknowledgeExpired']);
    expect(v.tokenLink.maxMinutes).toBe(1440); // the link resumes it: its expiry will be the after-resume interval
  });

  // DESIGN §4: "an overdue pending one counts as expired", and "expired needs explicit acknowledgement".
  it('resuming an overdue pending (or created) inquiry demands acknowledgeExpired, as an expired one does', () => {
    for (const status of ['pending', 'created']) {
      const v = evaluate({ status, expiresAt: minutesFromNow(-1) });
      expect(v.resume.allowed, status).toBe(true);
      expect(v.resume.requires, status).toContain('acknowledgeExpired');
      expect(v.oneTimeLink.requires, status).toContain('acknowledgeExpired');
    }
  });

  // Issue 14: one step instead of resume-then-link, with what resuming would have asked.
  it('a one-time link for an expired inquiry asks the acknowledgements a resume would, in the same words', () => {
    const plain = evaluate({ status: 'expired', expiresAt: minutesFromNow(-60) });
    expect(plain.oneTimeLink).toMatchObject({ allowed: true, reasons: [], requires: ['acknowledgeExpired'] });
    expect(plain.oneTimeLink.warnings).toEqual(['Expired: creating the link reopens it, pending again for 24 h.']);

    const old = evaluate({ status: 'expired', createdAt: minutesFromNow(-40 * 1440), expiresAt: minutesFromNow(-20 * 1440), versionNumber: 1 });
    expect(old.oneTimeLink.requires).toEqual(['acknowledgeExpired', 'acknowledgeOutdated']);
    const resumeWarnings = old.resume.warnings.filter((w) => !w.startsWith('Expired'));
    expect(resumeWarnings.length).toBe(2); // the age and the version gap
    for (const warning of resumeWarnings) expect(old.oneTimeLink.warnings).toContain(warning);
    expect(old.oneTimeLink.warnings.join(' ')).toMatch(/Created 40 days ago: check how old it is — recreating it on the latest version is usually better/);

    // A pending inquiry on an old version is linked as before: nothing is reopened, nothing to acknowledge.
    expect(evaluate({ versionNumber: 1 }).oneTimeLink.requires).toEqual([]);
  });

  it('refuses to reopen-and-link when the reopened inquiry would expire too soon for the link to be used', () => {
    const v = evaluate({ status: 'expired', expiresAt: minutesFromNow(-60), afterResumeMinutes: 4 });
    expect(v.oneTimeLink.allowed).toBe(false);
    expect(v.oneTimeLink.reasons[0]).toMatch(/too soon for a link to be used: recreate it/);
    expect(evaluate({ status: 'expired', expiresAt: minutesFromNow(-60), afterResumeMinutes: 5 }).oneTimeLink.allowed).toBe(true);
  });

  it('refuses a one-time link that could not be used before the inquiry expires (ONE_TIME_LINK_MIN_MINUTES)', () => {
    expect(evaluate({ expiresAt: minutesFromNow(4) }).oneTimeLink.allowed).toBe(false);
    expect(evaluate({ expiresAt: minutesFromNow(4) }).oneTimeLink.reasons[0]).toMatch(/too soon for a link to be used/);
    expect(evaluate({ expiresAt: minutesFromNow(6) }).oneTimeLink.allowed).toBe(true);
  });
});

describe('permissions', () => {
  it('without inquiry:act, resume, one-time link and recreate are refused with the reason; token link is not affected', () => {
    const v = evaluate({ permissions: { act: false, tokenLink: true } });
    for (const action of ['resume', 'oneTimeLink', 'recreate'] as const) {
      expect(v[action].allowed, action).toBe(false);
      expect(v[action].reasons, action).toEqual(['Your role cannot act on inquiries.']);
    }
    expect(v.tokenLink.allowed).toBe(true);
  });

  it('without link:token, only the token link is refused', () => {
    const v = evaluate({ permissions: { act: true, tokenLink: false } });
    expect(v.tokenLink.allowed).toBe(false);
    expect(v.tokenLink.reasons).toEqual(['Your role cannot issue links with a session token.']);
    expect(allowedOf({ permissions: { act: true, tokenLink: false } })).toEqual({ resume: Y, oneTimeLink: Y, tokenLink: N, recreate: Y });
  });

  it('with neither, nothing is allowed', () => {
    expect(allowedOf({ permissions: { act: false, tokenLink: false } })).toEqual({ resume: N, oneTimeLink: N, tokenLink: N, recreate: N });
  });
});

describe('acknowledgements', () => {
  it('a pending inquiry on the latest version: resume demands nothing; the token link demands the risk acknowledgement', () => {
    const v = evaluate();
    expect(v.resume.requires).toEqual([]);
    expect(v.resume.warnings).toEqual([]);
    expect(v.oneTimeLink.requires).toEqual([]);
    expect(v.recreate.requires).toEqual([]);
    expect(v.tokenLink.requires).toEqual(['acknowledgeRisk']);
    expect(v.tokenLink.warnings).toEqual(['Anyone holding this link can open the inquiry until it expires. Prefer a one-time link.']);
  });

  it('expired: resume and token link demand acknowledgeExpired and say how long it will be pending', () => {
    const v = evaluate({ status: 'expired', expiresAt: minutesFromNow(-60), afterResumeMinutes: 1440 });
    expect(v.resume.allowed).toBe(true);
    expect(v.resume.requires).toEqual(['acknowledgeExpired']);
    expect(v.resume.warnings).toEqual(['Expired: resuming makes it pending again for 24 h.']);
    expect(v.tokenLink.allowed).toBe(true);
    expect(v.tokenLink.requires).toEqual(['acknowledgeRisk', 'acknowledgeExpired']);
  });

  it.each(['pending', 'expired'])('outdated %s: resume demands acknowledgeOutdated and suggests recreating', (status) => {
    const v = evaluate({ status, expiresAt: status === 'expired' ? minutesFromNow(-60) : minutesFromNow(60), versionNumber: 1, latestVersionNumber: 3 });
    expect(v.resume.allowed).toBe(true);
    expect(v.resume.requires).toContain('acknowledgeOutdated');
    expect(v.resume.warnings).toContain('Pinned to v1, 2 behind v3: Persona recommends recreating on the latest version instead.');
  });

  it('outdated created: nothing to acknowledge for resume (refused anyway); only an up-to-date recreate warns that it just restarts', () => {
    expect(evaluate({ status: 'created', versionNumber: 1 }).resume.requires).toEqual([]);
    expect(evaluate({ status: 'pending', versionNumber: 1 }).recreate.warnings).toEqual([]);
    expect(evaluate({ status: 'pending' }).recreate.warnings).toEqual(['Already on the latest version: recreating only restarts the flow.']);
    expect(evaluate({ status: 'pending' }).recreate.allowed).toBe(true);
  });

  // DESIGN §4, token link: "outdated-version and age acknowledgements like resume".
  it('an outdated token link demands acknowledgeOutdated, as resume does', () => {
    const v = evaluate({ versionNumber: 1, latestVersionNumber: 2 });
    expect(v.tokenLink.requires).toContain('acknowledgeOutdated');
    expect(v.tokenLink.warnings).toContain('Pinned to v1, 1 behind v2: Persona recommends recreating on the latest version instead.');
  });

  // DESIGN §4, resume: "age past a limit (default 30 days), warn and suggest recreate".
  it('an expired inquiry older than STALE_INQUIRY_DAYS warns and recommends recreating, in the acknowledgement', () => {
    const old = evaluate({ status: 'expired', expiresAt: minutesFromNow(-60), createdAt: minutesFromNow(-31 * 24 * 60) });
    expect(old.resume.requires).toEqual(['acknowledgeExpired']);
    expect(old.resume.warnings.join(' ')).toMatch(/Created 31 days ago: check how old it is — recreating it on the latest version is usually better/);
    const young = evaluate({ status: 'expired', expiresAt: minutesFromNow(-60), createdAt: minutesFromNow(-29 * 24 * 60) });
    expect(young.resume.warnings.join(' ')).not.toMatch(/days ago/);
  });
});

describe('live-session cap', () => {
  it('at the cap, resume and token link are refused; one-time link and recreate are not', () => {
    const v = evaluate({ liveSessionCount: 25 });
    expect(allowedOf({ liveSessionCount: 25 })).toEqual({ resume: N, oneTimeLink: Y, tokenLink: N, recreate: Y });
    expect(v.resume.reasons).toEqual(['25 live sessions: the limit is 25. Expire some sessions first.']);
    expect(v.tokenLink.reasons).toEqual(['25 live sessions: the limit is 25.']);
    expect(v.retryAfterSeconds).toEqual({});
  });

  it('one below the cap is allowed', () => {
    expect(allowedOf({ liveSessionCount: 24 })).toEqual({ resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y });
  });

  it('at the cap but with an unused live session to hand out, resume and token link are allowed (no new session)', () => {
    expect(allowedOf({ liveSessionCount: 25, hasReusableSession: true })).toEqual({ resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y });
  });

  it('follows the configured cap', () => {
    expect(evaluateGuards(facts({ liveSessionCount: 2 }), { ...LIMITS, sessionCap: 2 }, NOW).resume.allowed).toBe(false);
    expect(evaluateGuards(facts({ liveSessionCount: 1 }), { ...LIMITS, sessionCap: 2 }, NOW).resume.allowed).toBe(true);
  });
});

describe('rate limits', () => {
  it('per-inquiry cooldown: refuses only resume, with seconds until the window frees', () => {
    const v = evaluate({ resumesInWindow: 3, resumeWindowFreesAt: new Date(NOW.getTime() + 90_500) });
    expect(allowedOf({ resumesInWindow: 3 })).toEqual({ resume: N, oneTimeLink: Y, tokenLink: Y, recreate: Y });
    expect(v.retryAfterSeconds).toEqual({ resume: 91 });
    expect(v.resume.reasons).toEqual(['Resumed 3 times in the last 10 min: wait 2 min (this guards against eager resuming).']);
  });

  it('below the cooldown maximum, resume is allowed', () => {
    const v = evaluate({ resumesInWindow: 2, resumeWindowFreesAt: minutesFromNow(5) });
    expect(v.resume.allowed).toBe(true);
    expect(v.retryAfterSeconds).toEqual({});
  });

  it('retry-after is at least 1 second, and 60 when the window end is unknown', () => {
    expect(evaluate({ resumesInWindow: 3, resumeWindowFreesAt: new Date(NOW.getTime() - 5_000) }).retryAfterSeconds).toEqual({ resume: 1 });
    expect(evaluate({ resumesInWindow: 3, resumeWindowFreesAt: null }).retryAfterSeconds).toEqual({ resume: 60 });
  });

  it('staff budget: refuses every session- or link-bearing action (not recreate), each with retry-after', () => {
    const v = evaluate({ staffActionsInWindow: 60, staffWindowFreesAt: new Date(NOW.getTime() + 30_000) });
    expect(allowedOf({ staffActionsInWindow: 60 })).toEqual({ resume: N, oneTimeLink: N, tokenLink: N, recreate: Y });
    expect(v.retryAfterSeconds).toEqual({ resume: 30, oneTimeLink: 30, tokenLink: 30 });
    expect(v.oneTimeLink.reasons).toEqual(['You have issued 60 sessions or links in the last 1 h: wait 1 min.']);
  });

  it('below the staff budget, nothing is refused', () => {
    expect(allowedOf({ staffActionsInWindow: 59 })).toEqual({ resume: Y, oneTimeLink: Y, tokenLink: Y, recreate: Y });
  });

  it('cooldown and staff budget together: resume waits for the later of the two', () => {
    const v = evaluate({
      resumesInWindow: 3,
      resumeWindowFreesAt: new Date(NOW.getTime() + 120_000),
      staffActionsInWindow: 60,
      staffWindowFreesAt: new Date(NOW.getTime() + 30_000),
    });
    expect(v.retryAfterSeconds).toEqual({ resume: 120, oneTimeLink: 30, tokenLink: 30 });
    expect(v.resume.reasons).toHaveLength(2);
  });
});

describe('successor', () => {
  it('an inquiry already recreated refuses every action, recreate included, naming the successor', () => {
    const v = evaluate({ status: 'expired', expiresAt: minutesFromNow(-60), successorId: 'inq_next' });
    expect(allowedOf({ status: 'expired', expiresAt: minutesFromNow(-60), successorId: 'inq_next' })).toEqual({
      resume: N,
      oneTimeLink: N,
      tokenLink: N,
      recreate: N,
    });
    expect(v.recreate.reasons).toEqual(['Replaced by inq_next: act on the new inquiry instead.']);
  });
});

describe('token link lifetime: maxMinutes = min(policy cap, inquiry expiry)', () => {
  it.each([
    // [status, minutes until expires_at, afterResumeMinutes, tokenLinkMaxMinutes, maxMinutes, allowed]
    ['pending', 60, 1440, 1440, 60, Y],
    ['pending', 60.9, 1440, 1440, 60, Y],
    ['pending', 5 * 24 * 60, 1440, 1440, 1440, Y],
    ['pending', 120, 1440, 30, 30, Y],
    ['pending', 5, 1440, 1440, 5, Y],
    ['pending', 4.9, 1440, 1440, 4, N],
    ['pending', -10, 1440, 1440, 1440, Y], // overdue: expired in effect, so the link resumes it
    // An expired one is resumed by the link: its expiry will be the after-resume interval.
    ['expired', -600, 1440, 1440, 1440, Y],
    ['expired', -600, 120, 1440, 120, Y],
    ['expired', -600, 1440, 45, 45, Y],
    ['expired', -600, 3, 1440, 3, N],
  ] as const)('%s, expires in %s min, after-resume %s, cap %s → %s', (status, untilExpiry, afterResumeMinutes, tokenLinkMaxMinutes, maxMinutes, allowed) => {
    const v = evaluateGuards(facts({ status, expiresAt: minutesFromNow(untilExpiry), afterResumeMinutes }), { ...LIMITS, tokenLinkMaxMinutes }, NOW);
    expect(v.tokenLink.maxMinutes).toBe(maxMinutes);
    expect(v.tokenLink.allowed).toBe(allowed);
    if (!allowed) expect(v.tokenLink.reasons).toEqual(['Expires in less than 5 minutes: recreate it or let it expire and resume.']);
  });
});

describe('purity', () => {
  it('the same facts give the same verdicts, and the facts are not changed', () => {
    const input = facts({ status: 'expired', expiresAt: minutesFromNow(-60), versionNumber: 1, liveSessionCount: 25 });
    const copy = structuredClone(input);
    expect(evaluateGuards(input, LIMITS, NOW)).toEqual(evaluateGuards(input, LIMITS, NOW));
    expect(input).toEqual(copy);
  });
});
