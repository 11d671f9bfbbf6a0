import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import { sql } from 'kysely';
import { ZodError } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../server/deps.js';
import { openInquiry, openStaticLink, type FlowEngine } from '../../server/hosted-flow/service.js';
import { sweepExpired } from '../../server/providers/local/sweeper.js';
import { describeZodError } from '../../server/trpc.js';
import { PolicyFieldsSchema, POLICY_MAX_MINUTES, POLICY_MIN_MINUTES, UpdatePolicyInputSchema, APPLY_GRACE_MINUTES } from '../../shared/templates.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../db.js';
import { createStaffAccount } from '../helpers/auth.js';
import { addTemplate, callerFor, DAY, MINUTE, NOW, staffPrincipal, testDeps, type TemplateFixture } from './fixtures.js';

/**
 * Property-based tests (fast-check) of the expiry rules (issue 11, "Correctness"), against the real database, the
 * local engine, the hosted flow and the tRPC procedures, on every test engine:
 *   1. `expires_at` follows the revision in force at creation and at start;
 *   2. resuming an expired inquiry uses the after-resume interval of the revision in force at the resume;
 *   3. a session never outlives the expiry it was given;
 *   4. applying a revision to open inquiries never brings an expiry below now + APPLY_GRACE_MINUTES unless it
 *      already was, does exactly what the preview said, and matches an independent computation of the rule.
 * Each run gets its own template and a clock far past the previous run's, so runs never see each other's rows.
 */

const reason = 'Tuning the expiry after the support review (ticket 1107)';
const RUNS = 30;
const GRACE_MS = APPLY_GRACE_MINUTES * MINUTE;

interface Policy {
  afterCreateMinutes: number;
  afterStartMinutes: number | null;
  afterResumeMinutes: number;
  oneTimeLinkMinutes: number;
}

const minutesArb = fc.oneof(
  fc.integer({ min: POLICY_MIN_MINUTES, max: POLICY_MAX_MINUTES }),
  fc.constantFrom(POLICY_MIN_MINUTES, POLICY_MIN_MINUTES + 1, 60, 1440, POLICY_MAX_MINUTES),
);
const policyArb: fc.Arbitrary<Policy> = fc.record({
  afterCreateMinutes: minutesArb,
  afterStartMinutes: fc.option(minutesArb, { nil: null }),
  afterResumeMinutes: minutesArb,
  oneTimeLinkMinutes: minutesArb,
});
/** Sub-second parts too: the engine keeps milliseconds on inquiries and whole seconds on sessions. */
const msArb = fc.integer({ min: 0, max: 999 });

const plus = (at: Date, ms: number) => new Date(at.getTime() + ms);
const afterStart = (p: Policy) => p.afterStartMinutes ?? p.afterCreateMinutes;
const wholeSeconds = (at: Date) => new Date(Math.floor(at.getTime() / 1000) * 1000);

let keyCounter = 0;
const key = () => `policy-prop-${++keyCounter}-${Math.random().toString(36).slice(2, 10)}`;
let idCounter = 0;
const rowId = (prefix: string) => `${prefix}_pp${(++idCounter).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

// ---- 4. The model of an open inquiry, and the apply rule written again independently of inquiry-store/expiry.ts ----

interface OpenInquiry {
  id: string;
  status: 'created' | 'pending';
  createdAt: Date;
  startedAt: Date | null;
  /** Times it was resumed from expired (its `resumed` timeline entries). */
  resumes: Date[];
  expiresAt: Date;
}

/** The rule, written again independently of the SQL in inquiry-store/expiry.ts. */
function reapplied(inquiry: OpenInquiry, policy: Policy, at: Date): { target: Date; after: Date } {
  const target =
    inquiry.status === 'created'
      ? plus(inquiry.createdAt, policy.afterCreateMinutes * MINUTE)
      : inquiry.resumes.length > 0
        ? plus(new Date(Math.max(...inquiry.resumes.map((r) => r.getTime()))), policy.afterResumeMinutes * MINUTE)
        : plus(inquiry.startedAt ?? inquiry.createdAt, afterStart(policy) * MINUTE);
  const graceUntil = at.getTime() + GRACE_MS;
  return { target, after: new Date(Math.max(target.getTime(), Math.min(inquiry.expiresAt.getTime(), graceUntil))) };
}

/** A random open inquiry, relative to the run's `now`: its age, start, resumes and current expiry (anything from already overdue to 40 days ahead). */
const openInquiryArb = fc.record({
  status: fc.constantFrom('created' as const, 'pending' as const),
  ageMs: fc.integer({ min: 0, max: 40 * DAY }),
  startFraction: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  resumeFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 2 }),
  expiryMs: fc.oneof(fc.integer({ min: -40 * DAY, max: 40 * DAY }), fc.integer({ min: -2 * GRACE_MS, max: 2 * GRACE_MS })),
  ms: msArb,
});

type GeneratedInquiry = typeof openInquiryArb extends fc.Arbitrary<infer T> ? T : never;

function toOpenInquiry(g: GeneratedInquiry, runNow: Date): OpenInquiry {
  const createdAt = new Date(runNow.getTime() - g.ageMs - g.ms);
  const span = runNow.getTime() - createdAt.getTime();
  // A pending inquiry was started, or resumed from expired, or both (a resume after the start); a created one neither.
  const startedAt = g.status === 'pending' && g.startFraction !== null ? plus(createdAt, Math.floor(g.startFraction * span)) : null;
  const from = startedAt ?? createdAt;
  const resumeFractions = g.status === 'pending' && startedAt === null && g.resumeFractions.length === 0 ? [0.5] : g.resumeFractions;
  const resumes = g.status === 'pending' ? resumeFractions.map((f) => plus(from, Math.floor(f * (runNow.getTime() - from.getTime())))) : [];
  const expiresAt = new Date(Math.max(createdAt.getTime(), runNow.getTime() + g.expiryMs));
  return { id: rowId('inq'), status: g.status, createdAt, startedAt, resumes, expiresAt };
}

describe.each(testEngines())('expiry rules, property-based, on %s', (engine) => {
  let database: TestDatabase;
  let deps: AppDeps;
  let flow: FlowEngine;
  let clock = NOW;
  const now = () => clock;
  let manager: ReturnType<typeof callerFor>;
  let support: ReturnType<typeof callerFor>;
  /** Each run starts 90 days after the previous one: past every expiry and cooldown a run can leave behind. */
  const nextRun = () => {
    clock = plus(clock, 90 * DAY);
    return clock;
  };

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    deps = testDeps(database, now);
    await deps.provider.ready();
    const keys = deps.provider.hostedFlow;
    if (!keys) throw new Error('the local provider serves its own hosted flow');
    flow = { db: database.db, provider: deps.provider, keys };
    const admin = await createStaffAccount(database.db, { role: 'admin', password: null });
    const agent = await createStaffAccount(database.db, { role: 'support', password: null });
    manager = callerFor(database, now, staffPrincipal('admin', admin.id));
    support = callerFor(database, now, staffPrincipal('support', agent.id));
  });
  afterAll(async () => {
    await database?.close();
  });

  async function savePolicy(template: { id: string }, policy: Policy, expectedRevisionId: number | null) {
    const saved = await manager.templates.updatePolicy({ templateId: template.id, ...policy, expectedRevisionId, reason });
    expect(saved).toMatchObject(policy);
    return saved.revisionId;
  }

  async function createInquiry(template: TemplateFixture, at: Date) {
    clock = at;
    const created = await database.db
      .transaction()
      .execute((trx) =>
        deps.provider.createInquiry(trx, { templateId: template.id, referenceId: rowId('usr'), customerId: null, accountId: null, fields: {}, predecessorId: null, kind: 'dedicated' }, at),
      );
    return created;
  }

  const inquiryRow = (id: string) =>
    database.db.selectFrom('inquiries').select(['status', 'created_at', 'started_at', 'expires_at', 'live_session_until']).where('id', '=', id).executeTakeFirstOrThrow();

  /** The template's open-inquiry preview for the policy in force: with no revision saved since the last trigger, applying it would change nothing. */
  async function expectApplyIsNoOp(template: { id: string }, policy: Policy) {
    const preview = await manager.templates.previewPolicy({ templateId: template.id, ...policy });
    expect(preview.open).toMatchObject({ total: 1, changed: 0, expireAtOnce: 0 });
  }

  it('1. expires_at follows the revision in force at creation and at start', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          atCreation: policyArb,
          // A second revision saved between creation and start (null: none): the start must use it.
          atStart: fc.option(policyArb, { nil: null }),
          staticLink: fc.boolean(),
          createdAfterSaveMs: fc.integer({ min: 0, max: 3 * DAY }),
          // Fraction of the after-creation interval that passes before the end user opens the inquiry.
          startFraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
          ms: msArb,
        }),
        async ({ atCreation, atStart, staticLink, createdAfterSaveMs, startFraction, ms }) => {
          const template = await addTemplate(database.db, 'KYC', 1);
          nextRun();
          const revisionId = await savePolicy(template, atCreation, template.policyRevisionId);
          const createdAt = plus(clock, createdAfterSaveMs + ms);

          if (staticLink) {
            // The static link creates and starts the inquiry at once, under the revision in force.
            clock = createdAt;
            const opened = await openStaticLink(flow, { templateId: template.id, referenceId: rowId('usr'), fields: {} }, createdAt);
            if (!opened.ok) throw new Error(`static link denied: ${opened.denial}`);
            const row = await inquiryRow(opened.inquiry.id);
            expect(row).toMatchObject({ status: 'pending', created_at: createdAt, started_at: createdAt });
            expect(row.expires_at).toEqual(plus(createdAt, afterStart(atCreation) * MINUTE));
            expect(opened.session.expiresAt.getTime()).toBeLessThanOrEqual(row.expires_at.getTime());
            await expectApplyIsNoOp(template, atCreation);
            return;
          }

          const created = await createInquiry(template, createdAt);
          const expectedCreated = plus(createdAt, atCreation.afterCreateMinutes * MINUTE);
          expect(created.expiresAt).toEqual(expectedCreated);
          expect(await inquiryRow(created.id)).toMatchObject({ status: 'created', created_at: createdAt, started_at: null, expires_at: expectedCreated });

          const startedAt = plus(createdAt, Math.floor(startFraction * atCreation.afterCreateMinutes * MINUTE));
          if (atStart) {
            clock = plus(createdAt, Math.floor((startedAt.getTime() - createdAt.getTime()) / 2));
            await savePolicy(template, atStart, revisionId);
            // Saving does not touch the open inquiry: the new revision applies from its next trigger on.
            expect((await inquiryRow(created.id)).expires_at).toEqual(expectedCreated);
          }
          clock = startedAt;
          const opened = await openInquiry(flow, created.id, null, startedAt, { countLinkUse: false });
          if (!opened.ok) throw new Error(`open denied: ${opened.denial}`);
          const inForce = atStart ?? atCreation;
          const row = await inquiryRow(created.id);
          expect(row).toMatchObject({ status: 'pending', started_at: startedAt });
          expect(row.expires_at).toEqual(plus(startedAt, afterStart(inForce) * MINUTE));
          expect(opened.inquiry.expiresAt).toEqual(row.expires_at);
          expect(opened.session.expiresAt.getTime()).toBeLessThanOrEqual(row.expires_at.getTime());
          await expectApplyIsNoOp(template, inForce);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('2 and 3. resuming an expired inquiry uses the after-resume interval in force then; its session never outlives the inquiry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          atCreation: policyArb,
          atResume: fc.option(policyArb, { nil: null }),
          startFraction: fc.option(fc.double({ min: 0, max: 0.999, noNaN: true }), { nil: null }),
          sweptAfterMs: fc.integer({ min: 0, max: 10 * DAY }),
          resumedAfterMs: fc.integer({ min: 0, max: 10 * DAY }),
          // Up to two more resumes while it is pending (a new policy saved before each, never applied).
          later: fc.array(fc.record({ fraction: fc.double({ min: 0, max: 0.45, noNaN: true }), policy: fc.option(policyArb, { nil: null }) }), { maxLength: 2 }),
          ms: msArb,
        }),
        async ({ atCreation, atResume, startFraction, sweptAfterMs, resumedAfterMs, later, ms }) => {
          const template = await addTemplate(database.db, 'KYC', 1);
          nextRun();
          let revisionId = await savePolicy(template, atCreation, template.policyRevisionId);
          const created = await createInquiry(template, plus(clock, ms));
          let expiresAt = created.expiresAt;
          if (startFraction !== null) {
            const startedAt = plus(clock, Math.floor(startFraction * atCreation.afterCreateMinutes * MINUTE));
            clock = startedAt;
            const opened = await openInquiry(flow, created.id, null, startedAt, { countLinkUse: false });
            if (!opened.ok) throw new Error(`open denied: ${opened.denial}`);
            expiresAt = opened.inquiry.expiresAt;
          }
          // The sweep finds it overdue and expires it (as of its own expiry).
          clock = plus(expiresAt, sweptAfterMs);
          const swept = await sweepExpired(database.db, clock);
          expect(swept.inquiriesExpired).toBeGreaterThanOrEqual(1);
          expect((await inquiryRow(created.id)).status).toBe('expired');

          if (atResume) revisionId = await savePolicy(template, atResume, revisionId);
          const inForce = atResume ?? atCreation;
          const resumedAt = plus(clock, resumedAfterMs);
          clock = resumedAt;
          const resumed = await support.inquiries.resume({ id: created.id, reason, acknowledgeExpired: true, idempotencyKey: key() });
          let row = await inquiryRow(created.id);
          expect(row.status).toBe('pending');
          expect(row.expires_at).toEqual(plus(resumedAt, inForce.afterResumeMinutes * MINUTE));
          // 3: the new session expires with the inquiry (to the second: session tokens carry whole seconds).
          expect(resumed.reusedSession).toBe(false);
          expect(resumed.expiresAt.getTime()).toBeLessThanOrEqual(row.expires_at.getTime());
          expect(resumed.expiresAt).toEqual(wholeSeconds(row.expires_at));
          const session = await database.db.selectFrom('inquiry_sessions').select('expires_at').where('id', '=', resumed.sessionId).executeTakeFirstOrThrow();
          expect(session.expires_at).toEqual(resumed.expiresAt);
          await expectApplyIsNoOp(template, inForce);

          // Resumed again while pending (policies saved meanwhile are not applied): the expiry stays, and the
          // session handed out — the same unused one — still ends no later than the inquiry.
          const pendingUntil = row.expires_at;
          for (const step of later) {
            if (step.policy) revisionId = await savePolicy(template, step.policy, revisionId);
            clock = plus(clock, Math.floor(step.fraction * (pendingUntil.getTime() - clock.getTime())));
            const again = await support.inquiries.resume({ id: created.id, reason, idempotencyKey: key() });
            row = await inquiryRow(created.id);
            expect(row).toMatchObject({ status: 'pending', expires_at: pendingUntil });
            expect(again).toMatchObject({ sessionId: resumed.sessionId, reusedSession: true });
            expect(again.expiresAt.getTime()).toBeLessThanOrEqual(row.expires_at.getTime());
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  // ---- 4. Applying a revision to open inquiries ----

  async function insertOpen(template: TemplateFixture, inquiries: readonly OpenInquiry[]) {
    const versionId = template.versionIds[0] ?? '';
    await database.db
      .insertInto('inquiries')
      .values(
        inquiries.map((i) => ({
          id: i.id,
          template_id: template.id,
          version_id: versionId,
          version_number: 1,
          policy_revision_id: template.policyRevisionId,
          status: i.status,
          fields: '{}',
          created_at: i.createdAt,
          started_at: i.startedAt,
          expires_at: i.expiresAt,
          updated_at: i.createdAt,
        })),
      )
      .execute();
    const events = inquiries.flatMap((i) => [
      { inquiry_id: i.id, occurred_at: i.createdAt, kind: 'created' },
      ...i.resumes.map((at) => ({ inquiry_id: i.id, occurred_at: at, kind: 'resumed' })),
    ]);
    await database.db.insertInto('inquiry_events').values(events).execute();
  }

  it('4. applying a revision never shortens an expiry below now + grace unless it already was, and does what the preview said', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(openInquiryArb, { minLength: 1, maxLength: 12 }), policyArb, async (generated, policy) => {
        const template = await addTemplate(database.db, 'KYC', 1);
        const runNow = nextRun();
        const open = generated.map((g) => toOpenInquiry(g, runNow));
        await insertOpen(template, open);
        // Rows the apply must leave alone: a finished inquiry of this template.
        const finished = { ...(open[0] as OpenInquiry), id: rowId('inq') };
        await insertOpen(template, [finished]);
        await database.db.updateTable('inquiries').set({ status: 'completed', completed_at: runNow }).where('id', '=', finished.id).execute();

        const revisionId = await savePolicy(template, policy, template.policyRevisionId);
        const preview = await manager.templates.previewPolicy({ templateId: template.id, ...policy });
        const applied = await manager.templates.applyPolicy({ templateId: template.id, revisionId, reason });

        const rows = await database.db.selectFrom('inquiries').select(['id', 'expires_at']).where('template_id', '=', template.id).execute();
        const stored = new Map(rows.map((r) => [r.id, r.expires_at]));
        let changed = 0;
        let gain = 0;
        let lose = 0;
        for (const inquiry of open) {
          const expected = reapplied(inquiry, policy, runNow);
          const after = stored.get(inquiry.id);
          expect({ id: inquiry.id, after }).toEqual({ id: inquiry.id, after: expected.after });
          // Never below now + grace, unless it already was (and then never lower than it was).
          const floor = Math.min(inquiry.expiresAt.getTime(), runNow.getTime() + GRACE_MS);
          expect(after?.getTime()).toBeGreaterThanOrEqual(floor);
          if (expected.after.getTime() !== inquiry.expiresAt.getTime()) changed += 1;
          if (expected.after > inquiry.expiresAt) gain += 1;
          if (expected.after < inquiry.expiresAt) lose += 1;
        }
        expect(stored.get(finished.id)).toEqual(finished.expiresAt);

        expect(preview.open).toMatchObject({ total: open.length, changed, gainTime: gain, loseTime: lose });
        expect(applied).toEqual({ updated: preview.open.changed, heldAtGrace: preview.open.expireAtOnce });
        // Every change left its timeline entry.
        const timeline = await sql<{ n: number }>`select count(*)::int as n from inquiry_events e join inquiries i on i.id = e.inquiry_id
          where i.template_id = ${template.id} and e.kind = 'expiry.changed'`.execute(database.db);
        expect(timeline.rows[0]?.n).toBe(changed);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses a policy out of bounds at the procedure, with the field and the bound named, writing nothing', async () => {
    const template = await addTemplate(database.db, 'KYC', 1);
    const valid: Policy = { afterCreateMinutes: 60, afterStartMinutes: null, afterResumeMinutes: 60, oneTimeLinkMinutes: 60 };
    for (const [field, minutes, message] of [
      ['afterCreateMinutes', POLICY_MIN_MINUTES - 1, 'afterCreateMinutes: at least 10 minutes'],
      ['afterResumeMinutes', POLICY_MAX_MINUTES + 1, 'afterResumeMinutes: at most 30 days'],
    ] as const) {
      const input = { templateId: template.id, ...valid, [field]: minutes, reason };
      expect(UpdatePolicyInputSchema.safeParse(input).success).toBe(false);
      const error = await manager.templates.updatePolicy(input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TRPCError);
      expect((error as TRPCError).code).toBe('BAD_REQUEST');
      const cause = (error as TRPCError).cause;
      expect(cause).toBeInstanceOf(ZodError);
      // What the console shows (the error formatter's text) names the field and the bound, once.
      expect(describeZodError(cause as ZodError)).toBe(message);
    }
    const revisions = await database.db.selectFrom('policy_revisions').select('id').where('template_id', '=', template.id).execute();
    expect(revisions).toHaveLength(1);
  });

  // ---- Found by the properties, fixed: each failed before its fix. ----

  it('applying a shorter revision cuts the unused session to the inquiry, so resume never hands out one that outlives it', async () => {
    const template = await addTemplate(database.db, 'KYC', 1);
    nextRun();
    const day: Policy = { afterCreateMinutes: 60, afterStartMinutes: null, afterResumeMinutes: 1440, oneTimeLinkMinutes: 60 };
    let revisionId = await savePolicy(template, day, template.policyRevisionId);
    const created = await createInquiry(template, clock);
    clock = plus(clock, 2 * 60 * MINUTE);
    await sweepExpired(database.db, clock);
    const first = await support.inquiries.resume({ id: created.id, reason, acknowledgeExpired: true, idempotencyKey: key() }); // session until now + 24 h

    revisionId = await savePolicy(template, { ...day, afterResumeMinutes: 60 }, revisionId);
    await manager.templates.applyPolicy({ templateId: template.id, revisionId, reason }); // the inquiry now ends in 1 h
    clock = plus(clock, 5 * MINUTE);
    const again = await support.inquiries.resume({ id: created.id, reason, idempotencyKey: key() });
    const row = await inquiryRow(created.id);
    expect(again.sessionId).toBe(first.sessionId);
    expect(again.expiresAt.getTime()).toBeLessThanOrEqual(row.expires_at.getTime()); // was 24 h > 1 h
    expect(row.live_session_until?.getTime() ?? 0).toBeLessThanOrEqual(row.expires_at.getTime());
  });

  it('"expire at once" / heldAtGrace counts only inquiries that lose time', async () => {
    const template = await addTemplate(database.db, 'KYC', 1);
    const runNow = nextRun();
    // Created 55 min ago, expiring in 2 min; the new policy gives it created + 60 min = now + 5 min: it gains 3 min.
    const gaining: OpenInquiry = { id: rowId('inq'), status: 'created', createdAt: plus(runNow, -55 * MINUTE), startedAt: null, resumes: [], expiresAt: plus(runNow, 2 * MINUTE) };
    await insertOpen(template, [gaining]);
    const policy: Policy = { afterCreateMinutes: 60, afterStartMinutes: null, afterResumeMinutes: 60, oneTimeLinkMinutes: 60 };
    const preview = await manager.templates.previewPolicy({ templateId: template.id, ...policy });
    expect(preview.open).toMatchObject({ changed: 1, gainTime: 1, loseTime: 0 });
    // Documented as "of those losing time: would be past their new expiry now — held at now + grace".
    expect(preview.open.expireAtOnce).toBeLessThanOrEqual(preview.open.loseTime); // was 1 > 0
  });
});

describe('policy bounds (zod)', () => {
  const valid = { afterCreateMinutes: 60, afterStartMinutes: null, afterResumeMinutes: 60, oneTimeLinkMinutes: 60 };
  const messages = (input: unknown) => {
    const parsed = PolicyFieldsSchema.safeParse(input);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses 9 minutes and 30 days + 1 minute, naming the field and the bound', () => {
    expect(messages(valid)).toEqual([]);
    expect(messages({ ...valid, afterCreateMinutes: POLICY_MIN_MINUTES })).toEqual([]);
    expect(messages({ ...valid, afterCreateMinutes: POLICY_MAX_MINUTES })).toEqual([]);
    expect(messages({ ...valid, afterCreateMinutes: 9 })).toEqual(['afterCreateMinutes: at least 10 minutes']);
    expect(messages({ ...valid, afterStartMinutes: 9 })).toEqual(['afterStartMinutes: at least 10 minutes']);
    expect(messages({ ...valid, afterResumeMinutes: 30 * 24 * 60 + 1 })).toEqual(['afterResumeMinutes: at most 30 days']);
    expect(messages({ ...valid, oneTimeLinkMinutes: 30 * 24 * 60 + 1 })).toEqual(['oneTimeLinkMinutes: at most 30 days']);
    expect(messages({ ...valid, afterCreateMinutes: 10.5 })).toEqual(['afterCreateMinutes: must be whole minutes']);
  });
});
