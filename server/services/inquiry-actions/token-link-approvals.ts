import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { newId } from '../../crypto.js';
import { staffActor } from '../../auth/principal.js';
import * as staffRepo from '../../repositories/staff.js';
import * as requests from '../../repositories/token-link-requests.js';
import * as store from '../../repositories/inquiry-store/index.js';
import type { TokenLinkRequestRow, TokenLinkRequestView } from '../../repositories/token-link-requests.js';
import { permissionScope } from '../../../shared/permissions.js';
import type {
  ApprovalsInputSchema,
  ApprovalsOutput,
  CollectInputSchema,
  CollectOutput,
  DecideRequestInputSchema,
  MyRequestsInputSchema,
  MyRequestsOutput,
  TokenLinkRequest,
} from '../../../shared/token-link-approvals.js';
import { appendAuditEvent } from '../audit.js';
import { auditingRefusal } from '../refusal-audit.js';
import { replayingFrom, withIdempotencyBase } from '../../providers/call-context.js';
import { expireDueRequests } from './approval-expiry.js';
import { assertAllowed, lockAndCheckAs, staffActingAs, type ActionContext } from './common.js';
import { issueTokenLink } from './links.js';

/** The scope under which an approved request's provider calls are keyed (approval, then collection). */
const REQUEST_SCOPE = 'token-link-request';

/**
 * The two-person rule for token links (TOKEN_LINK_APPROVAL=required; docs/two-person-rule.md). links.createWithToken
 * records a pending request (links.ts, requestApproval); here a second person — `access:revoke` on all records:
 * compliance or admin, never the requester — approves or rejects it with a reason, and the requester collects the
 * approved link once.
 *
 * Why the link is issued at approval and its URL handed out at collection: the guards are re-checked at the moment
 * a second person says yes, under the inquiry's row lock, and the link (issued to the requester, counted against the
 * requester's budget) exists from then on — visible in the access report, revocable, expiring on its own clock. Its
 * URL carries the session token, which is never stored: the provider re-derives it from the session id (as an
 * idempotent replay does). The approver's answer carries no URL; only the requester may collect it, and only once
 * (`collected_at`, set under the request's row lock). A lost URL is revoked and asked for again.
 */

type Mode = 'off' | 'required';
const modeOf = (ctx: ActionContext): Mode => (ctx.config.tokenLinkApproval.required ? 'required' : 'off');

const SELF_APPROVAL = 'You cannot decide your own request: a second person must approve or reject it (the two-person rule).';

function toRequest(row: TokenLinkRequestView): TokenLinkRequest {
  return {
    id: row.id,
    inquiryId: row.inquiry_id,
    state: row.state,
    requestedBy: { id: row.requested_by_id, display: row.requested_by_display },
    reason: row.reason,
    ticket: row.ticket,
    expiresInMinutes: row.expires_in_minutes,
    acknowledgedExpired: row.acknowledged_expired,
    acknowledgedOutdated: row.acknowledged_outdated,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedBy: row.decided_by_display,
    decidedAt: row.decided_at,
    decisionReason: row.decision_reason,
    linkId: row.link_id,
    linkExpiresAt: row.link_expires_at,
    linkLive: row.link_live,
    collectedAt: row.collected_at,
  };
}

/** Deciding needs `access:revoke` on all records: support holds it only for their own, which decides nothing. */
function assertMayDecide(ctx: ActionContext): void {
  const scope = permissionScope(ctx.staff.role, 'access:revoke');
  if (scope === null) throw new AppError('FORBIDDEN', `Your role (${ctx.staff.role}) does not have the permission 'access:revoke'.`);
  if (scope !== 'all') {
    throw new AppError('FORBIDDEN', 'Approving or rejecting a token link needs access:revoke on all records (compliance or admin): a second person decides.');
  }
}

/** A request's state as a sentence, for refusing a decision on a request that is no longer pending. */
function alreadyDecided(request: TokenLinkRequestRow): AppError {
  const by = request.decided_by_display ? ` by ${request.decided_by_display}` : '';
  const when = request.decided_at ? ` at ${request.decided_at.toISOString()}` : '';
  const what = request.state === 'expired' ? 'expired undecided' : `already ${request.state}${by}`;
  return new AppError('CONFLICT', `This request was ${what}${when}.`, { state: request.state });
}

/**
 * The pending requests, oldest first (the one expiring soonest on top). Compliance and admins see everyone's and may
 * decide those of others; support (access:revoke on their own records) sees only their own, read-only.
 */
export async function listApprovals(ctx: ActionContext, input: z.infer<typeof ApprovalsInputSchema>): Promise<ApprovalsOutput> {
  const scope = permissionScope(ctx.staff.role, 'access:revoke');
  if (scope !== 'all' && scope !== 'own') throw new AppError('FORBIDDEN', `Your role (${ctx.staff.role}) does not have the permission 'access:revoke'.`);
  const now = ctx.now();
  await expireDueRequests(ctx, now);
  const rows = await requests.pendingRequests(ctx.database.db, now, scope === 'own' ? ctx.staff.id : null, input?.limit ?? 100);
  return {
    mode: modeOf(ctx),
    scope,
    items: rows.map((row) => {
      const own = row.requested_by_id === ctx.staff.id;
      const cannotDecideBecause = own ? SELF_APPROVAL : scope !== 'all' ? 'Only compliance or an admin can decide a token link request.' : null;
      return { ...toRequest(row), canDecide: cannotDecideBecause === null, cannotDecideBecause };
    }),
  };
}

/** The signed-in person's own requests, newest first, and whether each approved link can still be collected. */
export async function listMyRequests(ctx: ActionContext, input: z.infer<typeof MyRequestsInputSchema>): Promise<MyRequestsOutput> {
  const now = ctx.now();
  await expireDueRequests(ctx, now);
  const rows = await requests.requestsBy(ctx.database.db, now, ctx.staff.id, input?.limit ?? 20);
  return {
    mode: modeOf(ctx),
    items: rows.map((row) => ({ ...toRequest(row), collectable: row.state === 'approved' && row.collected_at === null && row.link_live })),
  };
}

/**
 * Approves a pending request: the guards are checked again now, for the requester (their current role, their
 * budget) under the inquiry's row lock, and the link is issued to the requester in the same transaction as its audit
 * events — `link.approved` (the approver, their reason) then `link.created` (the requester as issuer, naming the
 * approval). Concurrent approvals queue on the inquiry's row lock; the first issues, the rest find it decided.
 */
export async function approveRequest(ctx: ActionContext, input: z.infer<typeof DecideRequestInputSchema>) {
  assertMayDecide(ctx);
  // Before the transaction: on the embedded database the provider could not read its secret inside it.
  await ctx.provider.ready();
  const now = ctx.now();
  await expireDueRequests(ctx, now);
  const found = await requests.findRequest(ctx.database.db, input.requestId);
  if (!found) throw new AppError('NOT_FOUND', `No token link request ${input.requestId}.`);
  if (found.requested_by_id === ctx.staff.id) throw new AppError('FORBIDDEN', SELF_APPROVAL, { reason: 'own_request' });
  const attempt = { action: 'token_link', procedure: 'links.approve', inquiryId: found.inquiry_id, reason: input.reason, ticket: found.ticket } as const;
  // The request's id is the idempotency base of the link's provider calls: collecting it asks the same question again.
  return auditingRefusal(ctx, attempt, () =>
    withIdempotencyBase(REQUEST_SCOPE, found.id, now, () => ctx.database.db.transaction().execute(async (trx) => {
      const requester = await staffRepo.findById(trx, found.requested_by_id);
      if (!requester || requester.disabled_at) {
        throw new AppError('CONFLICT', `The requester (${found.requested_by_display}) can no longer sign in: reject the request instead.`);
      }
      // Lock order as in every action: the inquiry row (and the requester's budget), then the request.
      const checked = await lockAndCheckAs(trx, ctx, staffActingAs(requester), found.inquiry_id, now);
      if (!checked) throw new AppError('NOT_FOUND', `No inquiry ${found.inquiry_id}.`);
      const request = await requests.lockRequest(trx, found.id);
      if (!request) throw new AppError('NOT_FOUND', `No token link request ${input.requestId}.`);
      if (request.state !== 'pending') throw alreadyDecided(request);
      if (request.expires_at <= now) throw new AppError('CONFLICT', `This request expired at ${request.expires_at.toISOString()}, undecided.`, { state: 'expired' });
      try {
        assertAllowed(checked.verdicts, 'tokenLink', {
          acknowledgeRisk: true,
          acknowledgeExpired: request.acknowledged_expired,
          acknowledgeOutdated: request.acknowledged_outdated,
        });
      } catch (error) {
        // The guards speak to the person acting; here they judge the requester's link as the inquiry is now.
        if (!(error instanceof AppError)) throw error;
        const code = error.code === 'PRECONDITION_FAILED' ? 'CONFLICT' : error.code;
        const tail = error.code === 'PRECONDITION_FAILED' ? ' The requester did not acknowledge this when asking: reject the request; they can ask again.' : '';
        throw new AppError(code, `The link cannot be issued to ${request.requested_by_display} now: ${error.message}${tail}`, error.details);
      }
      const maxMinutes = checked.verdicts.tokenLink.maxMinutes;
      const minutes = Math.min(request.expires_in_minutes, maxMinutes);
      const linkId = newId('lnk');
      const requestedBy = { id: request.requested_by_id, display: request.requested_by_display };
      await appendAuditEvent(trx, {
        actor: staffActor(ctx.staff),
        action: 'link.approved',
        target: { type: 'inquiry', id: request.inquiry_id },
        reason: input.reason,
        ticket: request.ticket,
        metadata: {
          requestId: request.id,
          requestedBy,
          requestReason: request.reason,
          requestedAt: request.created_at.toISOString(),
          linkId,
          kind: 'token',
          expiresInMinutes: minutes,
          requestedMinutes: request.expires_in_minutes,
        },
        request: ctx.request,
        occurredAt: now,
      });
      const issued = await issueTokenLink(ctx, trx, now, checked.inquiry, {
        issuer: { id: requester.id, email: requester.email },
        reason: request.reason,
        ticket: request.ticket,
        expiresInMinutes: minutes,
        acknowledgedOutdated: request.acknowledged_outdated,
        idem: null,
        approval: { requestId: request.id, approvedBy: ctx.staff, linkId },
      });
      await requests.requestApproved(trx, request.id, { at: now, byId: ctx.staff.id, byDisplay: ctx.staff.email, reason: input.reason, linkId: issued.linkId });
      return {
        requestId: request.id,
        state: 'approved' as const,
        linkId: issued.linkId,
        linkExpiresAt: issued.session.expiresAt,
        lifetimeShortened: minutes < request.expires_in_minutes,
      };
    })),
  );
}

/** Rejects a pending request with a reason (`link.approval_rejected`); nothing is issued. */
export async function rejectRequest(ctx: ActionContext, input: z.infer<typeof DecideRequestInputSchema>) {
  assertMayDecide(ctx);
  const now = ctx.now();
  await expireDueRequests(ctx, now);
  return ctx.database.db.transaction().execute(async (trx) => {
    const request = await requests.lockRequest(trx, input.requestId);
    if (!request) throw new AppError('NOT_FOUND', `No token link request ${input.requestId}.`);
    if (request.requested_by_id === ctx.staff.id) throw new AppError('FORBIDDEN', SELF_APPROVAL, { reason: 'own_request' });
    if (request.state !== 'pending') throw alreadyDecided(request);
    if (request.expires_at <= now) throw new AppError('CONFLICT', `This request expired at ${request.expires_at.toISOString()}, undecided.`, { state: 'expired' });
    await requests.requestRejected(trx, request.id, { at: now, byId: ctx.staff.id, byDisplay: ctx.staff.email, reason: input.reason });
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'link.approval_rejected',
      target: { type: 'inquiry', id: request.inquiry_id },
      reason: input.reason,
      ticket: request.ticket,
      metadata: {
        requestId: request.id,
        requestedBy: { id: request.requested_by_id, display: request.requested_by_display },
        requestReason: request.reason,
        requestedAt: request.created_at.toISOString(),
      },
      request: ctx.request,
      occurredAt: now,
    });
    return { requestId: request.id, state: 'rejected' as const };
  });
}

/**
 * The approved link's URL, for the requester, once (`link.collected`). Someone else's request is refused (403, and
 * recorded as `access.denied`); a second collect, or a link that has ended since, is refused with what to do instead.
 */
export async function collectLink(ctx: ActionContext, input: z.infer<typeof CollectInputSchema>): Promise<CollectOutput> {
  const { provider } = ctx;
  await provider.ready();
  const now = ctx.now();
  return withIdempotencyBase(REQUEST_SCOPE, input.requestId, now, () => ctx.database.db.transaction().execute(async (trx) => {
    const request = await requests.lockRequest(trx, input.requestId);
    if (!request) throw new AppError('NOT_FOUND', `No token link request ${input.requestId}.`);
    if (request.requested_by_id !== ctx.staff.id) {
      throw new AppError('FORBIDDEN', 'Only the person who asked for this token link can collect it.', { reason: 'not_requester' });
    }
    if (request.state === 'pending') throw new AppError('CONFLICT', 'This request has not been approved yet: a second person must approve it first.', { state: request.state });
    if (request.state !== 'approved' || !request.link_id) throw alreadyDecided(request);
    if (request.collected_at) {
      throw new AppError(
        'CONFLICT',
        `This link was collected at ${request.collected_at.toISOString()} and is shown only once. If it was lost, revoke it from the access report and ask for a new one.`,
        { collectedAt: request.collected_at.toISOString() },
      );
    }
    const link = await requests.issuedLink(trx, request.link_id);
    // Persona is asked the approval's question again: only while it keeps the answer (call-context.ts).
    if (link) replayingFrom(link.created_at);
    const session = link?.session_id && !link.revoked_at && !store.linkExpired(link, now) ? await provider.tokenFor(trx, link.session_id, now) : null;
    if (!link || !session) throw new AppError('CONFLICT', 'The approved link has ended since (revoked or expired): ask for a new one.');
    await requests.requestCollected(trx, request.id, now);
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'link.collected',
      target: { type: 'inquiry', id: request.inquiry_id },
      ticket: request.ticket,
      metadata: { requestId: request.id, linkId: link.id, sessionId: session.sessionId, tokenFingerprint: session.tokenFingerprint },
      request: ctx.request,
      occurredAt: now,
    });
    return { requestId: request.id, linkId: link.id, url: provider.tokenLinkUrl(request.inquiry_id, session.sessionToken), expiresAt: link.expires_at };
  }));
}
