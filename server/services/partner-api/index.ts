import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { AppDeps } from '../../deps.js';
import { AppError } from '../../errors.js';
import { rateEventsWrite } from '../../repositories/access.js';
import { findForPartner } from '../../repositories/inquiries.js';
import { writeTogether } from '../../repositories/writes.js';
import { appendAuditEvent, auditEventWrite, type AuditRequestContext } from '../audit.js';
import { idempotentAction, recordWrite, type IdempotencyClaim } from '../idempotency.js';
import { lockAndCheckAs, lockedInquiry, resumeBucket, type Acting } from '../inquiry-actions/common.js';
import { partnerActor, type PartnerKey } from './access.js';
import { inquiryResource, type InquiryResource } from './resource.js';

export { authenticate, bearerSecret, partnerActor, UNAUTHENTICATED_LIMIT_PER_MINUTE, type Authentication, type PartnerKey, type RateState } from './access.js';
export type { InquiryResource } from './resource.js';

/**
 * The partner resume API (B2B2C, server/partner-api answers HTTP): a customer's backend resumes its own users'
 * inquiries with its API key, as it would with Persona's. The console's guards apply where they make sense — the
 * session cap, handing out an unused live session instead of a new one, the per-inquiry resume cooldown (shared
 * with the console) — so a partner cannot resume eagerly on every page load. Persona's semantics decide the rest:
 * an expired inquiry is resumed without an acknowledgement, and an outdated one too (the console warns its agents,
 * a partner's user has nobody to ask). An inquiry of another customer is "not found", never "forbidden".
 */

export interface PartnerContext extends Pick<AppDeps, 'database' | 'config' | 'provider' | 'now' | 'log'> {
  key: PartnerKey;
  request: AuditRequestContext;
}

export interface ResumeResponse {
  data: InquiryResource;
  meta: { 'session-token': string };
}

/** What an Idempotency-Key records: ids only (the inquiry is read again on replay; its fields may be PII). */
type StoredResume = { sessionId: string; inquiryId: string };

/** Persona replays an Idempotency-Key's response for 24 hours. */
const REPLAY_FOR_MS = 24 * 3_600_000;

/** A partner acts on its customer's inquiries only, may resume but never issue token links, and has no staff budget. */
const partnerActing = (key: PartnerKey): Acting => ({ permissions: { act: true, tokenLink: false }, budgetBucket: null, customerId: key.customerId });

const notFound = () => new AppError('NOT_FOUND', 'Record not found');

async function auditRefusal(ctx: PartnerContext, endpoint: string, inquiryId: string, error: AppError): Promise<void> {
  const now = ctx.now();
  await ctx.database.db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: partnerActor(ctx.key),
      action: 'partner.call_refused',
      target: { type: 'inquiry', id: inquiryId },
      reason: error.message,
      metadata: { endpoint, code: error.code, customerId: ctx.key.customerId, apiKeyPrefix: ctx.key.prefix },
      request: ctx.request,
      occurredAt: now,
    }),
  );
}

/** Runs a partner call; a refusal (not found, conflict, rate limit) leaves its own audit event before it is answered. */
async function audited<T>(ctx: PartnerContext, endpoint: string, inquiryId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) await auditRefusal(ctx, endpoint, inquiryId, error);
    throw error;
  }
}

async function ownInquiry(db: Parameters<typeof findForPartner>[0], ctx: PartnerContext, inquiryId: string) {
  const row = await findForPartner(db, inquiryId, ctx.key.customerId);
  if (!row || row.customer_id !== ctx.key.customerId) throw notFound();
  return row;
}

/** `GET /api/v1/inquiries/{id}`: the inquiry in Persona's shape, fields masked unless the key may read PII. */
export function getInquiry(ctx: PartnerContext, inquiryId: string): Promise<{ data: InquiryResource }> {
  return audited(ctx, 'inquiries.get', inquiryId, async () => {
    const row = await ownInquiry(ctx.database.db, ctx, inquiryId);
    const now = ctx.now();
    await ctx.database.db.transaction().execute((trx) =>
      appendAuditEvent(trx, {
        actor: partnerActor(ctx.key),
        action: 'partner.inquiry_read',
        target: { type: 'inquiry', id: row.id },
        metadata: { customerId: ctx.key.customerId, apiKeyPrefix: ctx.key.prefix, piiRevealed: ctx.key.canReadPii },
        request: ctx.request,
        occurredAt: now,
      }),
    );
    return { data: inquiryResource(row, ctx.key.canReadPii) };
  });
}

/** The refusal a verdict means for a partner: 429 when only the cooldown stands in the way, 409 otherwise. */
function refusal(reasons: string[], retryAfterSeconds: number | undefined): AppError {
  if (retryAfterSeconds !== undefined && reasons.length === 1) return new AppError('TOO_MANY_REQUESTS', reasons.join(' '), { retryAfterSeconds });
  return new AppError('CONFLICT', reasons.join(' '));
}

async function act(ctx: PartnerContext, trx: Transaction<DB>, inquiryId: string, now: Date, idem: IdempotencyClaim | null): Promise<ResumeResponse> {
  const checked = await lockAndCheckAs(trx, ctx, partnerActing(ctx.key), inquiryId, now);
  // Belt and braces: the lock statement only finds the key's customer's inquiries.
  if (!checked || checked.inquiry.customer_id !== ctx.key.customerId) throw notFound();
  const { inquiry, verdicts } = checked;
  if (!verdicts.resume.allowed) throw refusal(verdicts.resume.reasons, verdicts.retryAfterSeconds.resume);

  const result = await ctx.provider.resume(trx, lockedInquiry(inquiry), now, {
    type: 'partner',
    id: ctx.key.id,
    display: partnerActor(ctx.key).display,
    reason: null,
  });
  const row = await findForPartner(trx, inquiry.id, ctx.key.customerId);
  if (!row) throw notFound();
  const data = inquiryResource(row, ctx.key.canReadPii);
  await writeTogether(trx, [
    ...(idem ? [recordWrite(idem, { sessionId: result.session.sessionId, inquiryId: inquiry.id } satisfies StoredResume)] : []),
    rateEventsWrite([resumeBucket(inquiry.id)], now),
    auditEventWrite({
      actor: partnerActor(ctx.key),
      action: 'inquiry.resumed',
      target: { type: 'inquiry', id: inquiry.id },
      metadata: {
        via: 'partner_api',
        customerId: ctx.key.customerId,
        apiKeyPrefix: ctx.key.prefix,
        sessionId: result.session.sessionId,
        tokenFingerprint: result.session.tokenFingerprint,
        sessionExpiresAt: result.session.expiresAt.toISOString(),
        reusedSession: result.session.reused,
        previousStatus: result.previousStatus,
        versionNumber: inquiry.version_number,
        latestVersionNumber: inquiry.latest_version_number,
      },
      request: ctx.request,
      occurredAt: now,
    }),
  ]);
  return { data, meta: { 'session-token': result.session.sessionToken } };
}

/**
 * `POST /api/v1/inquiries/{id}/resume`. With an `Idempotency-Key`, a repeat within 24 h gets the first answer back
 * (the same session, its token re-derived: tokens are never stored) and a repeat for another inquiry is refused.
 */
export function resumeInquiry(ctx: PartnerContext, inquiryId: string, idempotencyKey: string | undefined): Promise<ResumeResponse> {
  return audited(ctx, 'inquiries.resume', inquiryId, async () => {
    if (idempotencyKey === undefined) {
      await ctx.provider.ready();
      const now = ctx.now();
      return ctx.database.db.transaction().execute((trx) => act(ctx, trx, inquiryId, now, null));
    }
    return idempotentAction<StoredResume, ResumeResponse>(
      ctx,
      { scope: `partner:${ctx.key.id}:inquiries.resume`, input: { idempotencyKey, inquiryId }, replayForMs: REPLAY_FOR_MS },
      {
        async replay(trx, stored, now) {
          const session = await ctx.provider.tokenFor(trx, stored.sessionId, now);
          if (!session) throw new AppError('CONFLICT', 'The session of this request has ended since (revoked or expired). Resume again with a new Idempotency-Key.');
          const row = await findForPartner(trx, stored.inquiryId, ctx.key.customerId);
          if (!row) throw notFound();
          await appendAuditEvent(trx, {
            actor: partnerActor(ctx.key),
            action: 'partner.resume_replayed',
            target: { type: 'inquiry', id: row.id },
            metadata: { customerId: ctx.key.customerId, apiKeyPrefix: ctx.key.prefix, sessionId: stored.sessionId, tokenFingerprint: session.tokenFingerprint },
            request: ctx.request,
            occurredAt: now,
          });
          return { data: inquiryResource(row, ctx.key.canReadPii), meta: { 'session-token': session.sessionToken } };
        },
        act: (trx, now, idem) => act(ctx, trx, inquiryId, now, idem),
      },
    );
  });
}

/** A call refused before it reached an inquiry (a revoked or expired key, the key's rate limit): its audit event. */
export async function auditAccessRefused(
  deps: Pick<AppDeps, 'database' | 'now'>,
  key: PartnerKey,
  request: AuditRequestContext,
  why: { reason: string; endpoint: string; inquiryId: string | null; metadata?: Record<string, unknown> },
): Promise<void> {
  const now = deps.now();
  await deps.database.db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: partnerActor(key),
      action: 'partner.call_refused',
      target: why.inquiryId ? { type: 'inquiry', id: why.inquiryId } : null,
      reason: why.reason,
      metadata: { endpoint: why.endpoint, customerId: key.customerId, apiKeyPrefix: key.prefix, ...why.metadata },
      request,
      occurredAt: now,
    }),
  );
}
