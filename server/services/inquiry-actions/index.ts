import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { staffActor } from '../../auth/principal.js';
import type { InquiryProvider } from '../../providers/types.js';
import type { ActionName, ActionsForOutput, RecreateInputSchema, ResumeInput, ResumeOutput } from '../../../shared/actions.js';
import { rateEventsWrite } from '../../repositories/access.js';
import * as store from '../../repositories/inquiry-store/index.js';
import { writeTogether } from '../../repositories/writes.js';
import { auditEventWrite } from '../audit.js';
import { idempotentAction, recordWrite } from '../idempotency.js';
import { assertAllowed, issuedBy, limitsFor, lockAndCheck, lockedInquiry, readAndCheck, resumeBucket, staffBucket, successorOf, type ActionContext } from './common.js';

import { auditingRefusal } from '../refusal-audit.js';
import { newId } from '../../crypto.js';
import { withIdempotencyBase } from '../../providers/call-context.js';

export type { ActionContext } from './common.js';
import { emailDelivery } from './links.js';
import * as links from './links.js';
export { staticLink } from './links.js';
export { listApprovals, listMyRequests, approveRequest, rejectRequest, collectLink } from './token-link-approvals.js';
export { createInquiry } from './create.js';

/** For each action: may this person take it now, and if not, why. The UI shows exactly this. */
export async function actionsFor(ctx: ActionContext, inquiryId: string): Promise<ActionsForOutput> {
  const { inquiry, facts, verdicts: all } = await readAndCheck(ctx.database.db, ctx, inquiryId, ctx.now());
  const { retryAfterSeconds, refusalCodes: _codes, ...verdicts } = all;
  // A refusal that only a limit causes tells the console when it lifts, exactly as the action's 429 would.
  const waitOf = (name: ActionName) => {
    const wait = retryAfterSeconds[name];
    const limitOnly = wait !== undefined && !verdicts[name].allowed && verdicts[name].reasons.length === 1;
    return limitOnly ? { retryAfterSeconds: wait } : {};
  };
  const guards = limitsFor(ctx, inquiry);
  return {
    ...verdicts,
    resume: { ...verdicts.resume, ...waitOf('resume') },
    // With whether "Email one-time link" can send: a mail server is configured, and an address is on file.
    oneTimeLink: { ...verdicts.oneTimeLink, ...waitOf('oneTimeLink'), email: emailDelivery(ctx.config.mail, inquiry.fields) },
    // TOKEN_LINK_APPROVAL=required: the dialog says a second person decides (docs/two-person-rule.md).
    tokenLink: { ...verdicts.tokenLink, ...waitOf('tokenLink'), ...(ctx.config.tokenLinkApproval.required ? { approvalRequired: true } : {}) },
    limits: {
      liveSessionCount: facts.liveSessionCount,
      sessionCap: guards.sessionCap,
      resumesInWindow: facts.resumesInWindow,
      resumeCooldownMax: guards.resumeCooldownMax,
      resumeCooldownMinutes: guards.resumeCooldownMinutes,
      staffActionsInWindow: facts.staffActionsInWindow,
      staffBudget: guards.staffBudget,
      staffBudgetMinutes: guards.staffBudgetMinutes,
    },
  };
}

type StoredResume = Omit<ResumeOutput, 'sessionToken' | 'tokenFingerprint' | 'expiresAt'> & { expiresAt: string };

/**
 * The session-bearing actions, each with its guard refusals recorded (`inquiry.action_refused`, after the refused
 * transaction rolled back: services/refusal-audit.ts).
 */
export function resume(ctx: ActionContext, input: ResumeInput): Promise<ResumeOutput> {
  return auditingRefusal(ctx, { action: 'resume', procedure: 'inquiries.resume', inquiryId: input.id, reason: input.reason }, () => resumeInquiry(ctx, input));
}

export function createOneTimeLink(ctx: ActionContext, input: Parameters<typeof links.createOneTimeLink>[1]): ReturnType<typeof links.createOneTimeLink> {
  const attempt = { action: 'one_time_link', procedure: 'links.createOneTime', inquiryId: input.inquiryId, reason: input.reason } as const;
  return auditingRefusal(ctx, attempt, () => links.createOneTimeLink(ctx, input));
}

export function createTokenLink(ctx: ActionContext, input: Parameters<typeof links.createTokenLink>[1]): ReturnType<typeof links.createTokenLink> {
  const attempt = { action: 'token_link', procedure: 'links.createWithToken', inquiryId: input.inquiryId, reason: input.reason, ticket: input.ticket } as const;
  return auditingRefusal(ctx, attempt, () => links.createTokenLink(ctx, input));
}

/**
 * Ending access: over Persona a call per session, retried and audited like the other actions (a refusal, a failed
 * attempt). These requests carry no idempotency key (ending twice ends nothing more), so each request is its own
 * base for the vendor's keys: its retries send the same key, and a new request — a second click after a failure
 * Persona may have stored — a new one.
 */
export function revokeLink(ctx: ActionContext, input: Parameters<typeof links.revokeLink>[1]): ReturnType<typeof links.revokeLink> {
  const attempt = { action: 'revoke_link', procedure: 'links.revoke', target: { type: 'link', id: input.linkId }, reason: input.reason } as const;
  return withIdempotencyBase(attempt.procedure, newId('req'), ctx.now(), () => auditingRefusal(ctx, attempt, () => links.revokeLink(ctx, input)));
}

export function expireSessions(ctx: ActionContext, input: Parameters<typeof links.expireSessions>[1]): ReturnType<typeof links.expireSessions> {
  const attempt = { action: 'expire_sessions', procedure: 'inquiries.expireSessions', inquiryId: input.inquiryId, reason: input.reason } as const;
  return withIdempotencyBase(attempt.procedure, newId('req'), ctx.now(), () => auditingRefusal(ctx, attempt, () => links.expireSessions(ctx, input)));
}

/**
 * Resume and hand the agent a session token for the customer's app (the seed's embedded-SDK scenario).
 * The token is returned once and never stored or logged; the audit event carries its fingerprint.
 */
function resumeInquiry(ctx: ActionContext, input: ResumeInput): Promise<ResumeOutput> {
  const { provider } = ctx;
  return idempotentAction<StoredResume, ResumeOutput>(ctx, { scope: `${ctx.staff.id}:inquiries.resume`, input }, {
    async replay(trx, stored, now) {
      const session = await provider.tokenFor(trx, stored.sessionId, now);
      if (!session) throw new AppError('CONFLICT', 'The session this request created has ended since (revoked or expired): resume again, as a new request.');
      return { ...stored, expiresAt: new Date(stored.expiresAt), sessionToken: session.sessionToken, tokenFingerprint: session.tokenFingerprint };
    },
    act: async (trx, now, idem) => {
      const { inquiry, verdicts } = await lockAndCheck(trx, ctx, input.id, now);
      assertAllowed(verdicts, 'resume', input);
      const result = await provider.resume(trx, lockedInquiry(inquiry), now, issuedBy(ctx, input.reason));

      const output: ResumeOutput = {
        sessionId: result.session.sessionId,
        sessionToken: result.session.sessionToken,
        tokenFingerprint: result.session.tokenFingerprint,
        expiresAt: result.session.expiresAt,
        inquiryId: inquiry.id,
        status: 'pending',
        reusedSession: result.session.reused,
      };
      const { sessionToken: _secret, tokenFingerprint: _fp, ...storable } = output;
      // The last writes, in one statement: the idempotency record, the rate-limit rows and the audit event (staged
      // here, chained at COMMIT: the action and its event commit together or not at all).
      await writeTogether(trx, [
        recordWrite(idem, { ...storable, expiresAt: output.expiresAt.toISOString() }),
        rateEventsWrite([resumeBucket(inquiry.id), staffBucket(ctx.staff.id)], now),
        auditEventWrite({
          actor: staffActor(ctx.staff),
          action: 'inquiry.resumed',
          target: { type: 'inquiry', id: inquiry.id },
          reason: input.reason,
          metadata: {
            sessionId: output.sessionId,
            tokenFingerprint: output.tokenFingerprint,
            sessionExpiresAt: output.expiresAt.toISOString(),
            reusedSession: output.reusedSession,
            previousStatus: result.previousStatus,
            versionNumber: inquiry.version_number,
            latestVersionNumber: inquiry.latest_version_number,
            acknowledgedExpired: input.acknowledgeExpired === true,
            acknowledgedOutdated: input.acknowledgeOutdated === true,
          },
          request: ctx.request,
          occurredAt: now,
        }),
      ]);
      return output;
    },
  });
}

type RecreateInput = z.infer<typeof RecreateInputSchema>;

/** The unique predecessor_id is the last line of defence against a second successor: say so as a conflict. */
async function createSuccessor(provider: InquiryProvider, ...args: Parameters<InquiryProvider['createInquiry']>) {
  try {
    return await provider.createInquiry(...args);
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === '23505' && String((error as { constraint?: unknown }).constraint).includes('predecessor')) {
      throw new AppError('CONFLICT', 'Someone else recreated this inquiry a moment ago.');
    }
    throw error;
  }
}
interface RecreateOutput {
  newInquiryId: string;
  versionNumber: number;
  expiresAt: Date;
}

/**
 * A new inquiry on the latest published version with the same reference id, customer, account and prefill;
 * the old one is expired (its sessions and links with it) and linked to its one successor. Concurrent clicks:
 * the inquiry row lock makes them queue; the first creates the successor, the rest find it and are refused
 * (and the unique predecessor_id constraint backs this up).
 */
export function recreate(ctx: ActionContext, input: RecreateInput): Promise<RecreateOutput> {
  const attempt = { action: 'recreate', procedure: 'inquiries.recreate', inquiryId: input.id, reason: input.reason } as const;
  return auditingRefusal(ctx, attempt, () => recreateOnce(ctx, input));
}

function recreateOnce(ctx: ActionContext, input: RecreateInput): Promise<RecreateOutput> {
  const { provider } = ctx;
  return idempotentAction<Omit<RecreateOutput, 'expiresAt'> & { expiresAt: string }, RecreateOutput>(ctx, { scope: `${ctx.staff.id}:inquiries.recreate`, input }, {
    replay: (_trx, stored) => ({ ...stored, expiresAt: new Date(stored.expiresAt) }),
    act: async (trx, now, idem) => {
      const { inquiry, verdicts } = await lockAndCheck(trx, ctx, input.id, now);
      if (inquiry.successorId) {
        throw new AppError('CONFLICT', `Already recreated as ${inquiry.successorId}.`, { successorId: inquiry.successorId });
      }
      assertAllowed(verdicts, 'recreate', {});
      const created = await createSuccessor(provider, trx, successorOf(inquiry), now);
      if (inquiry.status === 'created' || inquiry.status === 'pending') {
        await provider.expireInquiry(trx, inquiry.id, now, `recreated as ${created.id}`);
      } else {
        await provider.expireSessions(trx, { inquiryId: inquiry.id }, now, 'expired');
      }
      await store.inquiryRecreated(trx, inquiry.id, created.id, now);

      const output = { newInquiryId: created.id, versionNumber: created.versionNumber, expiresAt: created.expiresAt };
      await writeTogether(trx, [
        recordWrite(idem, { ...output, expiresAt: output.expiresAt.toISOString() }),
        auditEventWrite({
          actor: staffActor(ctx.staff),
          action: 'inquiry.recreated',
          target: { type: 'inquiry', id: inquiry.id },
          reason: input.reason,
          metadata: { newInquiryId: created.id, fromVersion: inquiry.version_number, toVersion: created.versionNumber, previousStatus: inquiry.status },
          request: ctx.request,
          occurredAt: now,
        }),
      ]);
      return output;
    },
  });
}
