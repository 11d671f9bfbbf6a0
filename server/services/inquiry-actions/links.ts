import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { newId } from '../../crypto.js';
import { rateEventsWrite, type ActionFacts } from '../../repositories/access.js';
import * as store from '../../repositories/inquiry-store/index.js';
import * as templates from '../../repositories/templates.js';
import { staffActor, type StaffPrincipal } from '../../auth/principal.js';
import * as requests from '../../repositories/token-link-requests.js';
import type { IssuedSession } from '../../providers/types.js';
import type {
  CreateOneTimeLinkInputSchema,
  CreateTokenLinkInputSchema,
  EmailDelivery,
  ExpireSessionsInputSchema,
  OneTimeLinkDelivery,
  OneTimeLinkOutput,
  RevokeLinkInputSchema,
  StaticLinkInputSchema,
  TokenLinkOutput,
} from '../../../shared/actions.js';
import { DEFAULT_POLICY, effectiveStatus } from '../../../shared/lifecycle.js';
import type { MailConfig } from '../../config.js';
import { newMessageId, NO_MAIL_SERVER, sendMail, singleAddress } from '../../mail/index.js';
import { oneTimeLinkMessage } from '../../mail/one-time-link.js';
import { maskValue } from '../pii.js';
import { permissionScope } from '../../../shared/permissions.js';
import { writeTogether } from '../../repositories/writes.js';
import { appendAuditEvent, auditEventWrite } from '../audit.js';
import { idempotentAction, recordWrite, type IdempotencyClaim } from '../idempotency.js';
import { expireDueRequestsIn } from './approval-expiry.js';
import { assertAllowed, lockAndCheck, lockedInquiry, staffBucket, type ActionContext } from './common.js';

type StoredLink = {
  linkId: string;
  kind: 'one_time' | 'token';
  sessionId: string | null;
  expiresAt: string;
  /** One-time links: how it was delivered, and to whom (masked) when emailed. */
  delivery?: OneTimeLinkDelivery;
  sentTo?: string;
  /** One-time links: the lifetime asked of the provider — a replay asks the same, whatever the policy says since. */
  lifetimeMinutes?: number;
};

/** Rebuilds a link's URL for a replayed request: codes and tokens are derived, never stored. An emailed link is not sent again. */
async function replayLink(ctx: ActionContext, trx: Transaction<DB>, stored: StoredLink, now: Date): Promise<OneTimeLinkOutput> {
  const { provider } = ctx;
  const link = await store.findLinkInquiry(trx, stored.linkId);
  if (stored.kind === 'one_time') {
    const delivered = { ...(stored.delivery ? { delivery: stored.delivery } : {}), ...(stored.sentTo ? { sentTo: stored.sentTo } : {}) };
    // The code was derived under the signing key of its day; rotated out since, it cannot be rebuilt (it still redeems).
    const url = link?.code_hash
      ? await provider.oneTimeLinkUrl(trx, {
          id: stored.linkId,
          inquiryId: link.inquiry_id,
          codeHash: link.code_hash,
          ...(stored.lifetimeMinutes === undefined ? {} : { lifetimeMinutes: stored.lifetimeMinutes }),
        })
      : null;
    if (!url) throw new AppError('CONFLICT', 'The link this request created can no longer be shown (the signing key has been rotated since, or the provider no longer has the answer): issue a new one, as a new request.');
    return { linkId: stored.linkId, url, expiresAt: new Date(stored.expiresAt), ...delivered };
  }
  const session = stored.sessionId ? await provider.tokenFor(trx, stored.sessionId, now) : null;
  if (!session || !link) throw new AppError('CONFLICT', 'The link this request created has ended since (revoked or expired): issue a new one, as a new request.');
  return { linkId: stored.linkId, url: provider.tokenLinkUrl(link.inquiry_id, session.sessionToken), expiresAt: new Date(stored.expiresAt) };
}

/** The frame both link-issuing actions share (idempotentAction); a replay rebuilds the link's URL. */
function issueLink(
  ctx: ActionContext,
  procedure: 'links.createOneTime' | 'links.createWithToken',
  input: { idempotencyKey: string } & Record<string, unknown>,
  act: (trx: Transaction<DB>, now: Date, idem: IdempotencyClaim) => Promise<OneTimeLinkOutput>,
): Promise<OneTimeLinkOutput> {
  return idempotentAction<StoredLink, OneTimeLinkOutput>(ctx, { scope: `${ctx.staff.id}:${procedure}`, input }, { replay: (trx, stored, now) => replayLink(ctx, trx, stored, now), act });
}

/** A link an action is issuing: what its row, its idempotency record and its audit event say about it. */
interface IssuedLink {
  id: string;
  inquiryId: string;
  kind: StoredLink['kind'];
  codeHash: string | null;
  session: { sessionId: string; tokenFingerprint: string } | null;
  expiresAt: Date;
  reason: string;
  ticket: string | null;
  /** Audit metadata beyond the link's id, kind and expiry. */
  metadata?: Record<string, unknown>;
  /** A one-time link emailed to the address on file: the address masked, and the message's Message-ID. */
  email?: { sentTo: string; messageId: string };
  /** A one-time link: the lifetime asked of the provider (recorded for a replay). */
  lifetimeMinutes?: number;
  /** The inquiry's version and its template's latest now: the access report shows the gap it was issued over. */
  versions: { versionNumber: number; latestVersionNumber: number };
  /**
   * Whom the link is issued to, when not the person acting (a token link approved under the two-person rule goes to
   * its requester): the link's issuer, the budget it counts against and the actor of its `link.created` event.
   */
  issuer?: Pick<StaffPrincipal, 'id' | 'email'>;
}

/**
 * The writes every link-issuing action ends with, inside its transaction: the link row, then in one statement
 * the idempotency record (none for an approval: the request's key recorded the request), the issuer's budget's rate
 * event and the `link.created` audit event.
 */
async function recordIssuedLink(ctx: ActionContext, trx: Transaction<DB>, idem: IdempotencyClaim | null, now: Date, link: IssuedLink): Promise<void> {
  const issuer = link.issuer ?? ctx.staff;
  await store.linkIssued(trx, {
    id: link.id,
    inquiry_id: link.inquiryId,
    kind: link.kind,
    code_hash: link.codeHash,
    session_id: link.session?.sessionId ?? null,
    token_fingerprint: link.session?.tokenFingerprint ?? null,
    created_at: now,
    expires_at: link.expiresAt,
    issued_by_type: 'staff',
    issued_by_id: issuer.id,
    issued_by_display: issuer.email,
    reason: link.reason,
    ticket: link.ticket,
    inquiry_version_number: link.versions.versionNumber,
    latest_version_number: link.versions.latestVersionNumber,
    ...(link.email ? { emailed_to_masked: link.email.sentTo, emailed_at: now, email_message_id: link.email.messageId } : {}),
  });
  const expiresAt = link.expiresAt.toISOString();
  const delivery: Pick<StoredLink, 'delivery' | 'sentTo' | 'lifetimeMinutes'> =
    link.kind === 'one_time'
      ? {
          delivery: link.email ? 'email' : 'copy',
          ...(link.email ? { sentTo: link.email.sentTo } : {}),
          ...(link.lifetimeMinutes === undefined ? {} : { lifetimeMinutes: link.lifetimeMinutes }),
        }
      : {};
  await writeTogether(trx, [
    ...(idem ? [recordWrite(idem, { linkId: link.id, kind: link.kind, sessionId: link.session?.sessionId ?? null, expiresAt, ...delivery } satisfies StoredLink)] : []),
    rateEventsWrite([staffBucket(issuer.id)], now),
    auditEventWrite({
      actor: staffActor(issuer),
      action: 'link.created',
      target: { type: 'inquiry', id: link.inquiryId },
      reason: link.reason,
      ticket: link.ticket,
      metadata: {
        linkId: link.id,
        kind: link.kind,
        ...link.metadata,
        ...delivery,
        ...(link.email ? { emailMessageId: link.email.messageId } : {}),
        linkExpiresAt: expiresAt,
      },
      // Issued to someone else (on approval): the request that did it, not its address, which is the approver's.
      request: link.issuer ? { requestId: ctx.request.requestId ?? null } : ctx.request,
      occurredAt: now,
    }),
  ]);
}

/** Whether a one-time link for an inquiry with these prefilled fields can be emailed: what actionsFor shows. */
export function emailDelivery(mail: MailConfig, fields: Record<string, unknown>): EmailDelivery {
  const address = singleAddress(fields['email-address']);
  const to = address ? maskValue('email-address', address) : null;
  if (!mail.smtpUrl) return { available: false, reason: NO_MAIL_SERVER, to };
  if (!address) return { available: false, reason: NO_EMAIL_ON_FILE, to: null };
  return { available: true, reason: null, to };
}

const NO_EMAIL_ON_FILE = 'This inquiry has no email address on file (prefill email-address); create the link and copy it instead.';

/**
 * Persona's recommended way to hand access to an end user: a single-use code, valid for the policy's lifetime
 * and never past the inquiry's expiry. An expired inquiry is reopened in the same step (acknowledged as for a
 * resume), without a session: the end user's session starts when they open the link. With delivery 'email' the
 * link goes to the address on file; the message is sent last, inside the transaction, so a refused send leaves
 * no link, no budget use and no audit event behind.
 */
export function createOneTimeLink(ctx: ActionContext, input: z.infer<typeof CreateOneTimeLinkInputSchema>): Promise<OneTimeLinkOutput> {
  const { provider } = ctx;
  const delivery = input.delivery ?? 'copy';
  return issueLink(ctx, 'links.createOneTime', input, async (trx, now, idem) => {
    const { inquiry, verdicts } = await lockAndCheck(trx, ctx, input.inquiryId, now);
    assertAllowed(verdicts, 'oneTimeLink', input);
    let recipient: string | null = null;
    if (delivery === 'email') {
      const email = emailDelivery(ctx.config.mail, inquiry.fields);
      recipient = singleAddress(inquiry.fields['email-address']);
      if (!email.available || !recipient) {
        throw new AppError('PRECONDITION_FAILED', email.reason ?? NO_EMAIL_ON_FILE, { emailUnavailable: ctx.config.mail.smtpUrl ? 'no_email_on_file' : 'no_mail_server' });
      }
    }
    const expired = effectiveStatus(inquiry.status, inquiry.expires_at, now) === 'expired';
    // Reopening moves the inquiry's expiry; the provider caps the link at the expiry it then reads.
    const reopened = expired ? await provider.reopen(trx, lockedInquiry(inquiry), now) : null;
    const linkId = newId('lnk');
    const lifetimeMinutes = inquiry.one_time_link_minutes ?? DEFAULT_POLICY.oneTimeLinkMinutes;
    const link = await provider.createOneTimeLink(trx, inquiry.id, linkId, now, lifetimeMinutes);
    const email = recipient ? { sentTo: maskValue('email-address', recipient), messageId: newMessageId(ctx.config.mail, linkId) } : undefined;
    await recordIssuedLink(ctx, trx, idem, now, {
      id: linkId,
      inquiryId: inquiry.id,
      kind: 'one_time',
      codeHash: link.codeHash,
      session: null,
      expiresAt: link.expiresAt,
      lifetimeMinutes,
      reason: input.reason,
      ticket: null,
      versions: { versionNumber: inquiry.version_number, latestVersionNumber: inquiry.latest_version_number },
      ...(email ? { email } : {}),
      ...(reopened
        ? {
            metadata: {
              reopenedInquiry: true,
              previousStatus: reopened.previousStatus,
              previousExpiresAt: inquiry.expires_at.toISOString(),
              inquiryExpiresAt: reopened.expiresAt.toISOString(),
              versionNumber: inquiry.version_number,
              latestVersionNumber: inquiry.latest_version_number,
              acknowledgedExpired: input.acknowledgeExpired === true,
              acknowledgedOutdated: input.acknowledgeOutdated === true,
            },
          }
        : {}),
    });
    if (recipient && email) {
      const message = oneTimeLinkMessage({ companyName: ctx.config.mail.companyName, url: link.url, expiresAt: link.expiresAt });
      await sendMail(ctx.config.mail, ctx.log, { to: recipient, messageId: email.messageId, ...message });
    }
    return { linkId, url: link.url, expiresAt: link.expiresAt, delivery, ...(email ? { sentTo: email.sentTo } : {}) };
  });
}

type StoredTokenRequest = { kind: 'token_request'; requestId: string; inquiryId: string; expiresAt: string };

/** What issuing a token link needs to know besides the locked inquiry. */
export interface TokenLinkIssue {
  /** Whom it is issued to: the person asking, or the requester of an approved request. */
  issuer: Pick<StaffPrincipal, 'id' | 'email'>;
  reason: string;
  ticket: string;
  /** Within the guards' maxMinutes (the caller has checked or capped it). */
  expiresInMinutes: number;
  acknowledgedOutdated: boolean;
  idem: IdempotencyClaim | null;
  /** Issued on approval under the two-person rule: the request, who approved it, and the link id it announced. */
  approval?: { requestId: string; approvedBy: Pick<StaffPrincipal, 'id' | 'email'>; linkId: string };
}

/**
 * Issues a token link on an inquiry this transaction has locked and checked (the guards allowed it): reopens it,
 * creates the link's own session, records the link with its `link.created` event. Returns the session, whose token
 * only the caller may turn into the URL (provider.tokenLinkUrl); nothing secret is stored.
 */
export async function issueTokenLink(
  ctx: ActionContext,
  trx: Transaction<DB>,
  now: Date,
  inquiry: ActionFacts,
  issue: TokenLinkIssue,
): Promise<{ linkId: string; session: IssuedSession; previousStatus: string }> {
  const { provider } = ctx;
  const reopened = await provider.reopen(trx, lockedInquiry(inquiry), now);
  const expiresAt = new Date(Math.min(now.getTime() + issue.expiresInMinutes * 60_000, reopened.expiresAt.getTime()));
  const session = await provider.createSession(trx, inquiry.id, now, expiresAt, {
    type: 'staff',
    id: issue.issuer.id,
    display: issue.issuer.email,
    reason: issue.reason,
    ticket: issue.ticket,
  });
  const linkId = issue.approval?.linkId ?? newId('lnk');
  await recordIssuedLink(ctx, trx, issue.idem, now, {
    id: linkId,
    inquiryId: inquiry.id,
    kind: 'token',
    codeHash: null,
    session,
    expiresAt: session.expiresAt,
    reason: issue.reason,
    ticket: issue.ticket,
    versions: { versionNumber: inquiry.version_number, latestVersionNumber: inquiry.latest_version_number },
    ...(issue.approval ? { issuer: issue.issuer } : {}),
    metadata: {
      sessionId: session.sessionId,
      tokenFingerprint: session.tokenFingerprint,
      previousStatus: reopened.previousStatus,
      acknowledgedRisk: true,
      versionNumber: inquiry.version_number,
      latestVersionNumber: inquiry.latest_version_number,
      acknowledgedOutdated: issue.acknowledgedOutdated,
      ...(issue.approval
        ? { approvalRequestId: issue.approval.requestId, approvedBy: { id: issue.approval.approvedBy.id, display: issue.approval.approvedBy.email } }
        : {}),
    },
  });
  return { linkId, session, previousStatus: reopened.previousStatus };
}

/**
 * The seed's "appending a session token to a link": `${HOSTED_FLOW_URL}?inquiry-id=…&session-token=…`. Anyone
 * holding it can open the inquiry, so it needs the stronger permission, a reason, a ticket, an acknowledgement of
 * the risk and a lifetime no longer than min(policy cap, inquiry expiry); its own session expires with it, and
 * revoking the link expires that session.
 *
 * With TOKEN_LINK_APPROVAL=required the same guards are checked, but no link is issued: a pending request is
 * recorded for a second person to approve (docs/two-person-rule.md). A repeat with the same idempotency key answers
 * what the first request answered, whichever mode is configured by then.
 */
export function createTokenLink(ctx: ActionContext, input: z.infer<typeof CreateTokenLinkInputSchema>): Promise<TokenLinkOutput> {
  const { provider } = ctx;
  return idempotentAction<StoredLink | StoredTokenRequest, TokenLinkOutput>(ctx, { scope: `${ctx.staff.id}:links.createWithToken`, input }, {
    replay: async (trx, stored, now) =>
      stored.kind === 'token_request'
        ? { status: 'pending_approval', requestId: stored.requestId, inquiryId: stored.inquiryId, expiresAt: new Date(stored.expiresAt) }
        : { status: 'issued', ...(await replayLink(ctx, trx, stored, now)) },
    act: async (trx, now, idem) => {
      const { inquiry, verdicts } = await lockAndCheck(trx, ctx, input.inquiryId, now);
      assertAllowed(verdicts, 'tokenLink', input);
      if (input.expiresInMinutes > verdicts.tokenLink.maxMinutes) {
        throw new AppError('BAD_REQUEST', `expiresInMinutes: at most ${verdicts.tokenLink.maxMinutes} for this inquiry now (policy cap and inquiry expiry).`);
      }
      if (ctx.config.tokenLinkApproval.required) return requestApproval(ctx, trx, idem, now, inquiry, input);
      const issued = await issueTokenLink(ctx, trx, now, inquiry, {
        issuer: ctx.staff,
        reason: input.reason,
        ticket: input.ticket,
        expiresInMinutes: input.expiresInMinutes,
        acknowledgedOutdated: input.acknowledgeOutdated === true,
        idem,
      });
      return { status: 'issued', linkId: issued.linkId, url: provider.tokenLinkUrl(inquiry.id, issued.session.sessionToken), expiresAt: issued.session.expiresAt };
    },
  });
}

/**
 * The two-person rule: the guards allowed the link, so it is recorded as a pending request (one per person and
 * inquiry), audited as `link.approval_requested`, with the request as the idempotency key's result. Nothing is
 * issued and nothing counts against the budget until a second person approves it.
 */
async function requestApproval(
  ctx: ActionContext,
  trx: Transaction<DB>,
  idem: IdempotencyClaim,
  now: Date,
  inquiry: ActionFacts,
  input: z.infer<typeof CreateTokenLinkInputSchema>,
): Promise<TokenLinkOutput> {
  await expireDueRequestsIn(trx, now);
  const pending = await requests.pendingRequestOf(trx, inquiry.id, ctx.staff.id);
  if (pending) {
    throw new AppError(
      'CONFLICT',
      `You already asked for a token link to this inquiry (${pending.id}), and it is waiting for a second person: wait for their decision, or for the request to expire at ${pending.expires_at.toISOString()}.`,
      { requestId: pending.id },
    );
  }
  const requestId = newId('tlr');
  const expiresAt = new Date(now.getTime() + ctx.config.tokenLinkApproval.ttlMinutes * 60_000);
  await requests.insertRequest(trx, {
    id: requestId,
    inquiry_id: inquiry.id,
    requested_by_id: ctx.staff.id,
    requested_by_display: ctx.staff.email,
    reason: input.reason,
    ticket: input.ticket,
    expires_in_minutes: input.expiresInMinutes,
    acknowledged_expired: input.acknowledgeExpired === true,
    acknowledged_outdated: input.acknowledgeOutdated === true,
    idempotency_key: input.idempotencyKey,
    created_at: now,
    expires_at: expiresAt,
  });
  await writeTogether(trx, [
    recordWrite(idem, { kind: 'token_request', requestId, inquiryId: inquiry.id, expiresAt: expiresAt.toISOString() } satisfies StoredTokenRequest),
    auditEventWrite({
      actor: staffActor(ctx.staff),
      action: 'link.approval_requested',
      target: { type: 'inquiry', id: inquiry.id },
      reason: input.reason,
      ticket: input.ticket,
      metadata: {
        requestId,
        kind: 'token',
        expiresInMinutes: input.expiresInMinutes,
        requestExpiresAt: expiresAt.toISOString(),
        acknowledgedRisk: true,
        acknowledgedExpired: input.acknowledgeExpired === true,
        acknowledgedOutdated: input.acknowledgeOutdated === true,
        versionNumber: inquiry.version_number,
        latestVersionNumber: inquiry.latest_version_number,
      },
      request: ctx.request,
      occurredAt: now,
    }),
  ]);
  return { status: 'pending_approval', requestId, inquiryId: inquiry.id, expiresAt };
}

/** Support may revoke only what they issued; compliance and admins anything. */
function assertMayRevoke(ctx: ActionContext, issuedById: string | null, what: string) {
  const scope = permissionScope(ctx.staff.role, 'access:revoke');
  if (scope === null) throw new AppError('FORBIDDEN', `Your role (${ctx.staff.role}) does not have the permission 'access:revoke'.`);
  if (scope === 'own' && issuedById !== ctx.staff.id) throw new AppError('FORBIDDEN', `You can only revoke ${what} you issued yourself.`);
}

export async function revokeLink(ctx: ActionContext, input: z.infer<typeof RevokeLinkInputSchema>) {
  const { provider } = ctx;
  const now = ctx.now();
  return ctx.database.db.transaction().execute(async (trx) => {
    // Lock order as everywhere: the inquiry, then its link (the hosted flow redeeming a code takes them so).
    const owner = await store.findLinkInquiry(trx, input.linkId);
    const link = owner && (await store.lockInquiryRow(trx, owner.inquiry_id)) ? await store.lockLink(trx, input.linkId) : undefined;
    if (!link) throw new AppError('NOT_FOUND', `No link ${input.linkId}.`);
    assertMayRevoke(ctx, link.issued_by_id, 'links');
    if (link.revoked_at) throw new AppError('CONFLICT', 'This link is already revoked.');
    const sessionExpired = link.session_id ? (await provider.expireSessions(trx, { inquiryId: link.inquiry_id, sessionIds: [link.session_id] }, now, 'revoked')) > 0 : false;
    await store.linkRevoked(trx, link, now, ctx.staff.id);
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'link.revoked',
      target: { type: 'link', id: link.id },
      reason: input.reason,
      metadata: { inquiryId: link.inquiry_id, kind: link.kind, sessionId: link.session_id, tokenFingerprint: link.token_fingerprint, sessionExpired },
      request: ctx.request,
      occurredAt: now,
    });
    return { linkId: link.id, revokedAt: now, sessionExpired };
  });
}

/**
 * Expires live sessions of an inquiry (one, or all that this person may expire). With access:revoke 'own', a
 * person's sessions are those issued to them and those a later resume handed to them again (store.liveSessionIds).
 */
/**
 * The live sessions `input` names that this person may expire, or why none (read under the row lock, or ahead of it).
 * `endedAhead`: those this action already ended at the vendor — still this action's to record, even if the vendor's
 * webhook has marked them expired here meanwhile.
 */
async function sessionsToExpire(
  trx: Kysely<DB>,
  ctx: ActionContext,
  input: z.infer<typeof ExpireSessionsInputSchema>,
  now: Date,
  endedAhead: readonly string[] = [],
): Promise<string[]> {
  const ownOnly = permissionScope(ctx.staff.role, 'access:revoke') === 'own';
  const ids = [...new Set([...(await store.liveSessionIds(trx, input.inquiryId, now, ownOnly ? ctx.staff.id : null)), ...endedAhead])];
  if (input.sessionId) {
    if (!ids.includes(input.sessionId)) {
      // Someone else's session is outside a support agent's scope (403, recorded as access.denied); their own that
      // has ended meanwhile — a second click, a second tab — is only no longer live (409), not a probe.
      if (ownOnly && !(await store.sessionHeldBy(trx, input.inquiryId, input.sessionId, ctx.staff.id))) {
        throw new AppError('FORBIDDEN', 'You can only expire live sessions issued or handed to you.');
      }
      throw new AppError('CONFLICT', 'That session is not live.');
    }
    return [input.sessionId];
  }
  if (ids.length === 0) throw new AppError('CONFLICT', ownOnly ? 'There are no live sessions issued or handed to you on this inquiry.' : 'There are no live sessions to expire.');
  return ids;
}

export async function expireSessions(ctx: ActionContext, input: z.infer<typeof ExpireSessionsInputSchema>) {
  const { provider } = ctx;
  const now = ctx.now();
  let ahead: string[] = [];
  if (provider.expireSessionsAhead) {
    // A vendor's call per session: made before the row lock is taken (docs/persona.md). A refusal to choose here is
    // left to the transaction below, which decides again under the lock and answers it.
    ahead = await sessionsToExpire(ctx.database.db, ctx, input, now).catch(() => []);
    if (ahead.length > 0) await provider.expireSessionsAhead(ahead);
  }
  return ctx.database.db.transaction().execute(async (trx) => {
    const inquiry = await store.lockInquiryRow(trx, input.inquiryId);
    if (!inquiry) throw new AppError('NOT_FOUND', `No inquiry ${input.inquiryId}.`);
    const ids = await sessionsToExpire(trx, ctx, input, now, ahead);
    // Those ended ahead count as this action's even where the vendor's webhook recorded their end first.
    const recorded = await provider.expireSessions(trx, { inquiryId: inquiry.id, sessionIds: ids }, now, 'revoked');
    const expired = Math.max(recorded, ahead.filter((id) => ids.includes(id)).length);
    await store.sessionsExpiredByStaff(trx, inquiry.id, ids, expired, now, ctx.staff.id);
    await appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'session.expired',
      target: { type: 'inquiry', id: inquiry.id },
      reason: input.reason,
      metadata: { sessionIds: ids, count: expired },
      request: ctx.request,
      occurredAt: now,
    });
    return { expired };
  });
}

/**
 * The seed's option 1 for emailed links: a static link with an opaque reference id. No token, nothing stored:
 * opening it creates a just-in-time inquiry, and every inquiry it creates shares the reference id.
 */
export async function staticLink(ctx: Pick<ActionContext, 'database' | 'provider'>, input: z.infer<typeof StaticLinkInputSchema>) {
  const template = await templates.latestVersion(ctx.database.db, input.templateId);
  if (!template) throw new AppError('NOT_FOUND', `No template ${input.templateId}.`);
  if (!template.latest_version_id) throw new AppError('CONFLICT', 'This template has no published version yet.');
  const referenceId = input.referenceId ?? `ref_${randomBytes(12).toString('base64url').replace(/[^A-Za-z0-9]/g, 'x')}`;
  return { url: ctx.provider.staticLinkUrl(template.id, referenceId), referenceId };
}
