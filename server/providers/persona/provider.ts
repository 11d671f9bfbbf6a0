import type { Transaction } from 'kysely';
import { fingerprint, newId, sha256Hex } from '../../crypto.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import * as store from '../../repositories/inquiry-store/index.js';
import * as templates from '../../repositories/templates.js';
import { DEFAULT_POLICY, effectiveStatus } from '../../../shared/lifecycle.js';
import { idempotencyKeyFor } from '../call-context.js';
import { staticLinkUrl, tokenLinkUrl } from '../flow-links.js';
import { ProviderUnavailableError, type InquiryProvider, type IssuedBy, type IssuedSession, type LockedInquiry } from '../types.js';
import { PersonaError, type PersonaClient } from './client.js';
import { remoteInquiry, sessionIdOfToken, type InquiryDocument, type RemoteInquiry } from './wire.js';

export interface PersonaProviderOptions {
  client: PersonaClient;
  /** PERSONA_HOSTED_FLOW_URL: where the links the console builds send the end user. */
  hostedFlowUrl: string;
  log?: Logger;
}

function issuerRow(issuedBy: IssuedBy): store.IssuerRow {
  return { issued_by_type: issuedBy.type, issued_by_id: issuedBy.id, issued_by_display: issuedBy.display, reason: issuedBy.reason ?? null, ticket: issuedBy.ticket ?? null };
}

/**
 * Persona's answer, in the services' terms: a refusal (4xx) is an AppError the person reads (and the refusal audit
 * records); a rate limit says when to try again; anything else leaves the outcome unknown (ProviderUnavailableError:
 * the action rolls back and may be retried with the same idempotency key).
 */
function translate(error: unknown, operation: string): never {
  if (!(error instanceof PersonaError)) throw error;
  if (error.kind === 'refused') {
    const words = (error.details ? `${error.title}: ${error.details}` : error.title).replace(/[.\s]+$/, '');
    const code = error.status === 404 ? 'NOT_FOUND' : error.status === 409 || error.status === 422 ? 'CONFLICT' : 'PRECONDITION_FAILED';
    throw new AppError(code, `Persona refused to ${operation} (${String(error.status)}): ${words}. Nothing was done.`, {
      refusalCodes: ['provider_refused'],
      providerStatus: error.status,
    });
  }
  if (error.kind === 'rate_limited') {
    const seconds = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
    throw new AppError('TOO_MANY_REQUESTS', `Persona's rate limit is reached: nothing was done. Try again in ${seconds} s.`, {
      retryAfterSeconds: seconds,
      refusalCodes: ['provider_rate_limit'],
    });
  }
  throw new ProviderUnavailableError('persona', operation, error.status, `Persona did not complete "${operation}" (${String(error.status)}).`);
}

async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    translate(error, operation);
  }
}

/**
 * What identifies a one-time link's record. Persona answers a second request for a link with its first one while
 * that is unused (an email that never arrived, sent again): the same URL, handed out again and recorded again, so the
 * hash is of the link's own id with the URL (each record its own), never the URL alone. Nothing redeems it here.
 */
const linkCodeHash = (linkId: string, url: string) => sha256Hex(`${linkId}\n${url}`);

/** The key for one effect: the action's own (the same on every attempt and replay), or a fresh one outside an action. */
const keyFor = (operation: string, target: string) => idempotencyKeyFor(operation, target) ?? `idesk-${newId('once', 32)}`;


/**
 * The Persona provider (docs/persona.md): each effect is one call to Persona's API, bounded by PERSONA_TIMEOUT_MS,
 * made while the caller holds the inquiry's row lock, and its answer mirrored into the same tables the local engine
 * writes, through the inquiry store, in the caller's transaction. The vendor's session token is never stored:
 * sessions carry its fingerprint. A replayed request gets its token back by asking Persona again with the same
 * idempotency key (Persona keeps an answer for 24 hours).
 */
export function createPersonaProvider(options: PersonaProviderOptions): InquiryProvider {
  const { client } = options;

  /**
   * Sessions this process has seen end at Persona (its answer, or its 404/409 for one already ended). An expired
   * session stays expired, so asking again would only cost a call — under a row lock, when the caller ended it
   * ahead of its transaction (`expireSessionsAhead`). Bounded: the oldest are forgotten first.
   */
  const endedAtPersona = new Set<string>();
  const ENDED_REMEMBERED = 10_000;

  async function expireAtPersona(sessionId: string): Promise<void> {
    if (endedAtPersona.has(sessionId)) return;
    try {
      await client.expireSession(sessionId, keyFor('expire-session', sessionId));
    } catch (error) {
      // Already expired there (or unknown to Persona): the local record still ends it.
      if (!(error instanceof PersonaError && error.kind === 'refused' && (error.status === 404 || error.status === 409))) translate(error, 'expire the session');
    }
    endedAtPersona.add(sessionId);
    if (endedAtPersona.size > ENDED_REMEMBERED) endedAtPersona.delete(endedAtPersona.values().next().value as string);
  }

  /** Persona's view of the inquiry after a call, applied under the ordering rule (a webhook may have been faster). */
  async function mirror(trx: Transaction<DB>, doc: InquiryDocument): Promise<RemoteInquiry> {
    const remote = remoteInquiry(doc.data);
    await store.inquiryMirrored(trx, remote, remote.updatedAt);
    return remote;
  }

  /**
   * The session a resume answered with: recorded as issued to `issuedBy`, or — when Persona handed out a session the
   * console already knows (its reuse of an unused one) — as handed to them again.
   */
  async function sessionFrom(
    trx: Transaction<DB>,
    inquiryId: string,
    doc: InquiryDocument,
    now: Date,
    issuedBy: IssuedBy,
    inquiryChange: { reopenedUntil: Date } | 'touched',
    cap: Date | null,
  ): Promise<IssuedSession> {
    const token = doc.meta?.['session-token'];
    const claims = token ? sessionIdOfToken(token) : null;
    if (!token || !claims) throw new ProviderUnavailableError('persona', 'resume', 'invalid_response', 'Persona answered a resume without a session token naming a session.');
    const remote = remoteInquiry(doc.data);
    const sessionExpires = claims.expiresAt ?? remote.expiresAt ?? now;
    const expiresAt = cap && cap.getTime() < sessionExpires.getTime() ? cap : sessionExpires;
    const tokenFingerprint = fingerprint(token);
    const known = await store.findSession(trx, claims.sessionId);
    // Persona's webhook told of this session before this (retried) action recorded it: it is this action's.
    if (known && (await store.mirroredSessionClaimed(trx, known.id, { token_fingerprint: tokenFingerprint, ...issuerRow(issuedBy) }, now))) {
      await store.accessGranted(trx, { inquiryId, now, inquiry: inquiryChange, session: null });
      return { sessionId: known.id, sessionToken: token, tokenFingerprint, expiresAt, reused: false };
    }
    if (known) {
      await store.accessGranted(trx, { inquiryId, now, inquiry: inquiryChange, session: null, handout: { sessionId: known.id, to: issuerRow(issuedBy) } });
      return { sessionId: known.id, sessionToken: token, tokenFingerprint, expiresAt, reused: true };
    }
    await store.accessGranted(trx, {
      inquiryId,
      now,
      inquiry: inquiryChange,
      session: { id: claims.sessionId, inquiry_id: inquiryId, created_at: now, expires_at: sessionExpires, token_fingerprint: tokenFingerprint, ...issuerRow(issuedBy) },
    });
    return { sessionId: claims.sessionId, sessionToken: token, tokenFingerprint, expiresAt, reused: false };
  }

  /** Resume at Persona: expired becomes pending again there; its answer carries a session token. */
  /**
   * Persona's resume answers within one transaction: a token link on an expired inquiry reopens it (a resume) and then
   * needs the session that same resume handed out — the answer is reused, not asked for again under the row lock.
   */
  const resumedIn = new WeakMap<Transaction<DB>, Map<string, InquiryDocument>>();

  async function resumeAt(trx: Transaction<DB>, inquiry: Pick<LockedInquiry, 'id' | 'status' | 'expiresAt'>, now: Date) {
    const answers = resumedIn.get(trx) ?? new Map<string, InquiryDocument>();
    resumedIn.set(trx, answers);
    const doc = answers.get(inquiry.id) ?? (await call('resume the inquiry', () => client.resume(inquiry.id, keyFor('resume', inquiry.id))));
    answers.set(inquiry.id, doc);
    const remote = remoteInquiry(doc.data);
    const wasExpired = effectiveStatus(inquiry.status, inquiry.expiresAt, now) === 'expired';
    const expiresAt = remote.expiresAt ?? inquiry.expiresAt;
    const change: { reopenedUntil: Date } | 'touched' = wasExpired ? { reopenedUntil: expiresAt } : 'touched';
    return { doc, change, expiresAt, previousStatus: inquiry.status };
  }

  return {
    name: 'persona',
    async ready() {},

    async reopen(trx, inquiry, now) {
      if (effectiveStatus(inquiry.status, inquiry.expiresAt, now) !== 'expired') return { previousStatus: inquiry.status, expiresAt: inquiry.expiresAt };
      // Persona reopens an expired inquiry only by resuming it; the session it makes is recorded when it is handed out.
      const resumed = await resumeAt(trx, inquiry, now);
      await store.accessGranted(trx, { inquiryId: inquiry.id, now, inquiry: resumed.change, session: null });
      await mirror(trx, resumed.doc);
      return { previousStatus: inquiry.status, expiresAt: resumed.expiresAt };
    },

    async resume(trx, inquiry, now, issuedBy) {
      const resumed = await resumeAt(trx, inquiry, now);
      const session = await sessionFrom(trx, inquiry.id, resumed.doc, now, issuedBy, resumed.change, null);
      await mirror(trx, resumed.doc);
      return { session, previousStatus: resumed.previousStatus, inquiryExpiresAt: resumed.expiresAt };
    },

    async createInquiry(trx, input, _now) {
      const doc = await call('create the inquiry', () =>
        client.createInquiry(
          { templateId: input.templateId, referenceId: input.referenceId, accountId: input.accountId, fields: input.fields },
          keyFor('create', input.predecessorId ?? input.referenceId ?? input.templateId),
        ),
      );
      const remote = remoteInquiry(doc.data);
      const version = await store.catalogueSeen(trx, remote.templateId, remote.versionId, remote.createdAt);
      const revision = await templates.currentPolicy(trx, remote.templateId);
      const expiresAt = remote.expiresAt ?? new Date(remote.createdAt.getTime() + 24 * 3_600_000);
      await store.inquiryCreatedRemotely(trx, {
        id: remote.id,
        template_id: remote.templateId,
        version_id: version.versionId,
        version_number: version.versionNumber,
        policy_revision_id: revision?.id ?? null,
        kind: input.kind,
        reference_id: remote.referenceId ?? input.referenceId,
        customer_id: input.customerId,
        account_id: remote.accountId ?? input.accountId,
        fields: JSON.stringify(input.fields),
        status: 'created',
        predecessor_id: input.predecessorId,
        created_at: remote.createdAt,
        expires_at: expiresAt,
        updated_at: remote.updatedAt,
      });
      await store.inquiryMirrored(trx, remote, remote.updatedAt);
      return { id: remote.id, versionId: version.versionId, versionNumber: version.versionNumber, expiresAt };
    },

    async expireInquiry(trx, inquiryId, now, why) {
      let doc: InquiryDocument;
      try {
        doc = await client.expireInquiry(inquiryId, keyFor('expire', inquiryId));
      } catch (error) {
        // 409: Persona no longer holds it open — most often its own expiry ran and the webhook is still on its way.
        // What it is now decides: expired is the effect asked for; anything else (completed meanwhile) is the refusal.
        if (!(error instanceof PersonaError && error.kind === 'refused' && error.status === 409)) translate(error, 'expire the inquiry');
        const current = await call('expire the inquiry', () => client.getInquiry(inquiryId));
        if (remoteInquiry(current.data).status !== 'expired') translate(error, 'expire the inquiry');
        doc = current;
      }
      await store.inquiryExpired(trx, inquiryId, now, why);
      await mirror(trx, doc);
    },

    async createOneTimeLink(trx, inquiryId, linkId, now, lifetimeMinutes) {
      // The policy's lifetime, the same on every attempt and replay (the request body must not change under one
      // Idempotency-Key); Persona, like the console's record, ends the link with the inquiry if that comes first.
      const inquiryExpiresAt = await store.inquiryExpiresAt(trx, inquiryId);
      const expiresAt = new Date(Math.min(now.getTime() + lifetimeMinutes * 60_000, inquiryExpiresAt.getTime()));
      const doc = await call('generate a one-time link', () => client.generateOneTimeLink(inquiryId, lifetimeMinutes * 60, keyFor('one-time-link', inquiryId)));
      const url = doc.meta?.['one-time-link'];
      if (!url) throw new ProviderUnavailableError('persona', 'generate a one-time link', 'invalid_response', 'Persona answered without a one-time link.');
      await store.oneTimeLinkCreated(trx, inquiryId, linkId, expiresAt, now);
      await mirror(trx, doc);
      return { url, codeHash: linkCodeHash(linkId, url), expiresAt };
    },

    async oneTimeLinkUrl(trx, link) {
      // Only inside the action that made it: the same request with the same key gets Persona's stored answer back.
      if (idempotencyKeyFor('one-time-link', link.inquiryId) === null) return null;
      // The same request as the first: the lifetime it asked for (recorded with it), else the policy's now.
      let minutes = link.lifetimeMinutes;
      if (minutes === undefined) {
        const inquiry = await store.lockInquiry(trx, link.inquiryId);
        const policy = inquiry ? await templates.currentPolicy(trx, inquiry.template_id) : undefined;
        minutes = policy?.one_time_link_minutes ?? DEFAULT_POLICY.oneTimeLinkMinutes;
      }
      try {
        const doc = await client.generateOneTimeLink(link.inquiryId, minutes * 60, keyFor('one-time-link', link.inquiryId));
        const url = doc.meta?.['one-time-link'];
        return url && linkCodeHash(link.id, url) === link.codeHash ? url : null;
      } catch (error) {
        if (error instanceof PersonaError && error.kind === 'refused') return null;
        translate(error, 'show the one-time link again');
      }
    },

    async createSession(trx, inquiryId, now, expiresAt, issuedBy) {
      // Persona has no "new session" call: a resume hands out its unused session or makes one. The session lives
      // until the inquiry expires at Persona; the console's link (and this answer) ends at `expiresAt`.
      const locked = await store.lockInquiry(trx, inquiryId);
      if (!locked) throw new AppError('NOT_FOUND', `No inquiry ${inquiryId}.`);
      const resumed = await resumeAt(trx, { id: inquiryId, status: locked.status, expiresAt: locked.expires_at }, now);
      const session = await sessionFrom(trx, inquiryId, resumed.doc, now, issuedBy, resumed.change, expiresAt);
      await mirror(trx, resumed.doc);
      return session;
    },

    async tokenFor(trx, sessionId, liveAt) {
      const session = await store.findSession(trx, sessionId);
      if (!session) return null;
      if (liveAt && (session.expired_at !== null || session.revoked_at !== null || session.expires_at.getTime() <= liveAt.getTime())) return null;
      // The token is not stored: only the action that received it can ask Persona for the same answer again.
      if (idempotencyKeyFor('resume', session.inquiry_id) === null) return null;
      let doc: InquiryDocument;
      try {
        doc = await client.resume(session.inquiry_id, keyFor('resume', session.inquiry_id));
      } catch (error) {
        if (error instanceof PersonaError && error.kind === 'refused') return null;
        translate(error, 'show the session token again');
      }
      const token = doc.meta?.['session-token'];
      const claims = token ? sessionIdOfToken(token) : null;
      if (!token || claims?.sessionId !== sessionId) return null;
      return { sessionId, sessionToken: token, tokenFingerprint: fingerprint(token), expiresAt: session.expires_at, reused: true };
    },

    async expireSessions(trx, target, now, how) {
      const ids = target.sessionIds ? [...target.sessionIds] : await store.liveSessionIds(trx, target.inquiryId, now, null);
      for (const id of ids) await expireAtPersona(id);
      return store.sessionsEnded(trx, target, now, how);
    },

    async expireSessionsAhead(sessionIds) {
      for (const id of sessionIds) await expireAtPersona(id);
    },

    tokenLinkUrl: (inquiryId, sessionToken) => tokenLinkUrl(options.hostedFlowUrl, inquiryId, sessionToken),
    staticLinkUrl: (templateId, referenceId) => staticLinkUrl(options.hostedFlowUrl, templateId, referenceId),

    hostedFlow: null,
  };
}
