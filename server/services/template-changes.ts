import { newId } from '../crypto.js';
import type { RequestDeps } from '../deps.js';
import { withIdempotencyBase } from '../providers/call-context.js';
import { AppError } from '../errors.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import * as store from '../repositories/inquiry-store/index.js';
import * as repo from '../repositories/templates.js';
import { appendAuditEvent, auditRequestContext } from './audit.js';
import { auditingRefusal } from './refusal-audit.js';
import { lockAndCheckAs, successorOf, type Acting } from './inquiry-actions/common.js';
import { toRevision } from './templates.js';
import { policyInForce } from '../../shared/lifecycle.js';
import { APPLY_GRACE_MINUTES, type PolicyRevision, type UpdatePolicyInput } from '../../shared/templates.js';

/**
 * The managers' changes to a template ('policy:edit'): a new policy revision, applying it to the open inquiries,
 * publishing a version, recreating the outdated open inquiries on it. Each change and its audit event commit
 * together; the bulk ones run in bounded batches, each batch with its own event (so what committed is always
 * audited, however far a run got).
 */

type ManagerContext = RequestDeps & { staff: StaffPrincipal };

/** Rows per batch of the bulk changes: short transactions, locks held briefly. */
export const BATCH_SIZE = 200;

/**
 * Persona refused this inquiry's recreate for the inquiry's own sake (404: unknown there; 409: no longer open there,
 * completed meanwhile): the bulk run skips that one. Any other refusal (a bad key, a template version Persona
 * rejects) would refuse every inquiry alike, and stops the run.
 */
const refusedForThisInquiry = (error: AppError) =>
  Array.isArray(error.details?.refusalCodes) && error.details.refusalCodes.includes('provider_refused') && (error.details.providerStatus === 404 || error.details.providerStatus === 409);

/**
 * Runs one batch, again if PostgreSQL aborted it as a deadlock victim or a serialization failure: a batch locks
 * many inquiries in id order, and the sweeper or an action may hold one of them while it waits for another. Each
 * batch recomputes everything from the rows it locks, so running it again is safe.
 */
async function retried<T>(batch: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await batch();
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? (error).code : null;
      if (attempt >= attempts || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

const POLICY_FIELDS = ['afterCreateMinutes', 'afterStartMinutes', 'afterResumeMinutes', 'oneTimeLinkMinutes', 'tokenLinkMaxMinutes', 'resumeCooldownMinutes'] as const;

function policyValues(revision: PolicyRevision | null) {
  if (!revision) return null;
  return Object.fromEntries(POLICY_FIELDS.map((f) => [f, revision[f]]));
}

/**
 * Saves a new revision. Optimistic concurrency: the editor sends the revision it started from, and a save against
 * a revision that is no longer the newest is refused (the template row lock orders concurrent saves).
 */
export async function updatePolicy(ctx: ManagerContext, input: UpdatePolicyInput): Promise<PolicyRevision> {
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    const template = await repo.lockTemplate(trx, input.templateId);
    if (!template) throw new AppError('NOT_FOUND', `No template ${input.templateId}.`);
    const [currentRow] = await repo.revisions(trx, input.templateId, 1);
    const current = currentRow ? toRevision(currentRow) : null;
    if (input.expectedRevisionId !== undefined && (current?.revisionId ?? null) !== input.expectedRevisionId) {
      throw new AppError(
        'CONFLICT',
        `Someone else saved this template's policy first (revision ${current?.revisionId ?? 'none'} by ${current?.createdBy ?? 'unknown'}): reload to see it, then make your change again.`,
        { currentRevisionId: current?.revisionId ?? null },
      );
    }
    const revisionId = await repo.insertRevision(trx, {
      template_id: input.templateId,
      after_create_minutes: input.afterCreateMinutes,
      after_start_minutes: input.afterStartMinutes,
      after_resume_minutes: input.afterResumeMinutes,
      one_time_link_minutes: input.oneTimeLinkMinutes,
      token_link_max_minutes: input.tokenLinkMaxMinutes ?? null,
      resume_cooldown_minutes: input.resumeCooldownMinutes ?? null,
      reason: input.reason,
      created_by: ctx.staff.id,
      created_at: now,
    });
    const after = Object.fromEntries(POLICY_FIELDS.map((f) => [f, input[f] ?? null]));
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'policy.updated',
      target: { type: 'template', id: input.templateId },
      reason: input.reason,
      metadata: { revisionId, previousRevisionId: current?.revisionId ?? null, before: policyValues(current), after },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
    const saved = await repo.revisionById(trx, revisionId);
    if (!saved) throw new Error(`policy revision ${revisionId} vanished inside its own transaction`);
    return toRevision(saved);
  });
}

/**
 * With Persona, expiry and template versions are Persona's: the console mirrors them (docs/persona.md), and changing
 * its own copy would only make the two disagree. The policy revisions themselves stay (the console's guards read them).
 */
function refuseUnderPersona(ctx: ManagerContext, what: string, instead: string): void {
  if (ctx.provider.name !== 'persona') return;
  throw new AppError('PRECONDITION_FAILED', `With the Persona provider the console cannot ${what}: ${instead}.`, { provider: 'persona' });
}

/**
 * Applies the revision in force to the template's open inquiries, in batches of BATCH_SIZE (each its own
 * transaction and `policy.applied` event). An expiry is never brought closer than now + APPLY_GRACE_MINUTES
 * unless it already was (inquiry-store/expiry.ts).
 */
export async function applyPolicy(ctx: ManagerContext, input: { templateId: string; revisionId: number; reason: string }): Promise<{ updated: number; heldAtGrace: number }> {
  refuseUnderPersona(ctx, 'apply a policy to open inquiries', "change the template's expiration intervals in Persona's dashboard and publish it there");
  const { db } = ctx.database;
  const [row] = await repo.revisions(db, input.templateId, 1);
  if (!row) throw new AppError('NOT_FOUND', `Template ${input.templateId} has no policy revision to apply.`);
  if (row.id !== input.revisionId) {
    throw new AppError('CONFLICT', `Revision ${input.revisionId} is no longer the one in force (${row.id} is): review it before applying.`);
  }
  const policy = policyInForce(row);
  let afterId = '';
  let updated = 0;
  let heldAtGrace = 0;
  let batch = 0;
  for (;;) {
    const now = ctx.now();
    const graceUntil = new Date(now.getTime() + APPLY_GRACE_MINUTES * 60_000);
    const result = await retried(() => db.transaction().execute(async (trx) => {
      const template = await repo.lockTemplate(trx, input.templateId);
      const [still] = await repo.revisions(trx, input.templateId, 1);
      if (!template || still?.id !== input.revisionId) {
        throw new AppError('CONFLICT', `The policy changed while it was being applied: ${updated} inquiries were updated under revision ${input.revisionId}. Review the new revision.`);
      }
      const done = await store.expiryReapplied(trx, { templateId: input.templateId, afterId, limit: BATCH_SIZE }, policy, input.revisionId, now, graceUntil);
      if (done.changed > 0) {
        batch += 1;
        await repo.markRevisionApplied(trx, input.revisionId, now, done.changed);
        await appendAuditEvent(trx, {
          actor: staffActor(ctx.staff),
          action: 'policy.applied',
          target: { type: 'template', id: input.templateId },
          reason: input.reason,
          metadata: { revisionId: input.revisionId, batch, changed: done.changed, heldAtGrace: done.heldAtGrace, graceMinutes: APPLY_GRACE_MINUTES },
          request: auditRequestContext(ctx),
          occurredAt: now,
        });
      }
      return done;
    }));
    updated += result.changed;
    heldAtGrace += result.heldAtGrace;
    if (result.lastId === null || result.scanned < BATCH_SIZE) break;
    afterId = result.lastId;
  }
  if (updated === 0) {
    // Nothing to change is an outcome too: the manager asked, and the log says what came of it.
    const now = ctx.now();
    await db.transaction().execute((trx) =>
      appendAuditEvent(trx, {
        actor: staffActor(ctx.staff),
        action: 'policy.applied',
        target: { type: 'template', id: input.templateId },
        reason: input.reason,
        metadata: { revisionId: input.revisionId, batch: 0, changed: 0, heldAtGrace: 0, graceMinutes: APPLY_GRACE_MINUTES },
        request: auditRequestContext(ctx),
        occurredAt: now,
      }),
    );
  }
  return { updated, heldAtGrace };
}

/** A new locked version becomes the template's latest; its open inquiries on older versions are outdated from now. */
export async function publishVersion(ctx: ManagerContext, input: { templateId: string; notes: string; reason: string }) {
  refuseUnderPersona(ctx, 'publish a template version', "publish it in Persona's dashboard: the console learns the new version from the next inquiry created on it");
  const now = ctx.now();
  const published = await ctx.database.db.transaction().execute(async (trx) => {
    const template = await repo.lockTemplate(trx, input.templateId);
    if (!template) throw new AppError('NOT_FOUND', `No template ${input.templateId}.`);
    const versionNumber = template.latest_version_number + 1;
    const versionId = newId('itmplv');
    await repo.insertVersion(trx, { id: versionId, template_id: template.id, version_number: versionNumber, published_at: now, notes: input.notes });
    const outdatedOpenCount = await repo.countOutdatedOpen(trx, template.id, versionNumber);
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'template.version_published',
      target: { type: 'template', id: template.id },
      reason: input.reason,
      // The notes stay in template_versions: free text in metadata could trip the log's credential filter.
      metadata: { versionId, versionNumber, previousVersionNumber: template.latest_version_number, outdatedOpenCount },
      request: auditRequestContext(ctx),
      occurredAt: now,
    });
    return { versionId, versionNumber, outdatedOpenCount };
  });
  // This instance's catalogue copy goes now; the others' with the notification the commit sent (migrations/0017).
  ctx.catalog.invalidate();
  return published;
}

/** The guards of a recreate, as a manager's bulk action takes it: any open inquiry, no staff budget. */
const BULK_ACTING: Acting = { permissions: { act: true, tokenLink: false }, budgetBucket: null, customerId: null };

/**
 * The seed's second option for in-flight inquiries: recreate the template's open inquiries on outdated versions on
 * the latest one. The manager confirms the count first (`expectedCount`); a set that has grown past it is refused.
 * In batches: each inquiry locked, re-checked (still open, still outdated, no successor) and recreated exactly once
 * (the unique predecessor constraint backs this up), each with its own `inquiry.recreated` event marked `bulk`.
 */
/** Recreates each of `ids` still open and outdated, in one transaction: how many were recreated, and skipped. */
async function recreateBatch(ctx: ManagerContext, templateId: string, reason: string, ids: readonly string[], now: Date): Promise<{ recreated: number; skipped: number }> {
  return ctx.database.db.transaction().execute(async (trx) => {
    let recreated = 0;
    let skipped = 0;
    for (const id of ids) {
      const checked = await lockAndCheckAs(trx, ctx, BULK_ACTING, id, now);
      const inquiry = checked?.inquiry;
      if (!inquiry || inquiry.successorId || !['created', 'pending'].includes(inquiry.status) || inquiry.version_number >= inquiry.latest_version_number) {
        skipped += 1;
        continue;
      }
      const created = await ctx.provider.createInquiry(trx, successorOf(inquiry), now);
      await ctx.provider.expireInquiry(trx, inquiry.id, now, `recreated as ${created.id}`);
      await store.inquiryRecreated(trx, inquiry.id, created.id, now);
      await appendAuditEvent(trx, {
        actor: staffActor(ctx.staff),
        action: 'inquiry.recreated',
        target: { type: 'inquiry', id: inquiry.id },
        reason,
        metadata: { bulk: true, templateId, newInquiryId: created.id, fromVersion: inquiry.version_number, toVersion: created.versionNumber, previousStatus: inquiry.status },
        request: auditRequestContext(ctx),
        occurredAt: now,
      });
      recreated += 1;
    }
    return { recreated, skipped };
  });
}

export async function recreateOutdated(ctx: ManagerContext, input: { templateId: string; reason: string; expectedCount: number }): Promise<{ recreated: number; skipped: number }> {
  const { db } = ctx.database;
  const template = await repo.findTemplate(db, input.templateId);
  if (!template) throw new AppError('NOT_FOUND', `No template ${input.templateId}.`);
  const count = await repo.countOutdatedOpen(db, template.id, template.latest_version_number);
  if (count > input.expectedCount) {
    throw new AppError('CONFLICT', `There are now ${count} outdated open inquiries, not ${input.expectedCount}: review the count and confirm again.`, { count });
  }
  await ctx.provider.ready();
  let afterId = '';
  let recreated = 0;
  let skipped = 0;
  // With Persona each inquiry is its own transaction, keyed by its id: a failure cannot roll back local records of
  // effects Persona has made, and running the bulk action again reuses Persona's stored answers (docs/persona.md).
  // An unknown outcome (5xx, timeout) is tried again with the same key, each attempt audited; Persona refusing one
  // inquiry (completed there meanwhile) skips it, audited as a refusal, and the run goes on.
  const remote = ctx.provider.name === 'persona';
  const who = { ...ctx, request: auditRequestContext(ctx), deadlineAt: null };
  for (;;) {
    const ids = await repo.outdatedOpenIds(db, template.id, template.latest_version_number, afterId, remote ? 1 : BATCH_SIZE);
    if (ids.length === 0) break;
    const now = ctx.now();
    afterId = ids[ids.length - 1] ?? afterId;
    const run = () => retried(() => withIdempotencyBase('templates.recreateOutdated', ids.join(','), now, () => recreateBatch(ctx, template.id, input.reason, ids, now)));
    let batch: { recreated: number; skipped: number };
    if (!remote) batch = await run();
    else {
      const attempt = { action: 'recreate', procedure: 'templates.recreateOutdated', inquiryId: ids[0] ?? '', reason: input.reason } as const;
      try {
        batch = await auditingRefusal(who, attempt, run);
      } catch (error) {
        if (!(error instanceof AppError && refusedForThisInquiry(error))) throw error;
        batch = { recreated: 0, skipped: ids.length };
      }
    }
    recreated += batch.recreated;
    skipped += batch.skipped;
  }
  return { recreated, skipped };
}
