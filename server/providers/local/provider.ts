import type { Transaction } from 'kysely';
import { fingerprint, newId, sha256Hex } from '../../crypto.js';
import type { DB } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { once } from '../../once.js';
import * as store from '../../repositories/inquiry-store/index.js';
import * as templates from '../../repositories/templates.js';
import { computeExpiresAt, DEFAULT_POLICY, effectiveStatus, policyInForce } from '../../../shared/lifecycle.js';
import { staticLinkUrl, tokenLinkUrl } from '../flow-links.js';
import type { InquiryProvider, IssuedBy, IssuedSession, LockedInquiry } from '../types.js';
import { SessionTokens, type TokenKeys } from './tokens.js';

export interface LocalProviderOptions {
  /** The token signing keys, resolved on first use (token-keys.ts: a key file, or a start-up step in the database). */
  keys: () => Promise<TokenKeys>;
  hostedFlowUrl: string;
  /** Live sessions an inquiry may have at once (Persona's default is 25). */
  sessionCap: number;
}

interface PreparedSession {
  issued: IssuedSession;
  row: store.NewSessionRow;
}

/**
 * How resuming changes a locked inquiry: expired becomes pending with a fresh expiry; pending is only touched. An
 * inquiry past its expiry is expired whether or not the sweep has marked it (its sessions would be born expired).
 */
function planReopen(inquiry: LockedInquiry, now: Date): { change: { reopenedUntil: Date } | 'touched'; expiresAt: Date } {
  const status = effectiveStatus(inquiry.status, inquiry.expiresAt, now);
  if (status === 'pending') return { change: 'touched', expiresAt: inquiry.expiresAt };
  if (status !== 'expired') {
    throw new AppError('CONFLICT', `Only pending or expired inquiries can be resumed; this one is ${status}.`);
  }
  const policy = { ...DEFAULT_POLICY, afterResumeMinutes: inquiry.afterResumeMinutes ?? DEFAULT_POLICY.afterResumeMinutes };
  const expiresAt = computeExpiresAt(policy, 'resume', now);
  return { change: { reopenedUntil: expiresAt }, expiresAt };
}

function issuerRow(issuedBy: IssuedBy): store.IssuerRow {
  return { issued_by_type: issuedBy.type, issued_by_id: issuedBy.id, issued_by_display: issuedBy.display, reason: issuedBy.reason ?? null, ticket: issuedBy.ticket ?? null };
}

/** The local engine: Persona's inquiry semantics, implemented in this database through the inquiry store. */
export function createLocalProvider(options: LocalProviderOptions): InquiryProvider {
  let loaded: SessionTokens | null = null;
  const ready = once(async () => {
    loaded ??= new SessionTokens(await options.keys());
  });
  /** The token signer; `ready()` resolved it before the caller's transaction began. */
  function tokens(): SessionTokens {
    if (!loaded) throw new Error('The local provider is not ready: await provider.ready() before opening the transaction.');
    return loaded;
  }

  function codeUrl(code: string): string {
    const url = new URL(options.hostedFlowUrl);
    url.searchParams.set('code', code);
    return url.toString();
  }

  function issue(session: { id: string; inquiry_id: string; created_at: Date; expires_at: Date }, reused: boolean): IssuedSession {
    const sessionToken = tokens().sign({ sessionId: session.id, inquiryId: session.inquiry_id, createdAt: session.created_at, expiresAt: session.expires_at });
    return { sessionId: session.id, sessionToken, tokenFingerprint: fingerprint(sessionToken), expiresAt: session.expires_at, reused };
  }

  /** A new session's row and its token, within the session cap; nothing written yet. */
  function prepareSession(inquiryId: string, now: Date, expiresAt: Date, issuedBy: IssuedBy, liveSessionCount: number): PreparedSession {
    if (liveSessionCount >= options.sessionCap) {
      throw new AppError('CONFLICT', `This inquiry already has ${options.sessionCap} live sessions, the most it may have. Expire some sessions first.`);
    }
    // Token iat/exp have second precision: keep the row equal to what the token says.
    const createdAt = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const expires = new Date(Math.floor(expiresAt.getTime() / 1000) * 1000);
    const session = { id: newId('iqse'), inquiry_id: inquiryId, created_at: createdAt, expires_at: expires };
    const issued = issue(session, false);
    return {
      issued,
      row: { ...session, token_fingerprint: issued.tokenFingerprint, ...issuerRow(issuedBy) },
    };
  }

  return {
    name: 'local',
    ready,

    async reopen(trx, inquiry, now) {
      const plan = planReopen(inquiry, now);
      await store.accessGranted(trx, { inquiryId: inquiry.id, now, inquiry: plan.change, session: null });
      return { previousStatus: inquiry.status, expiresAt: plan.expiresAt };
    },

    async resume(trx, inquiry, now, issuedBy) {
      const plan = planReopen(inquiry, now);
      // Persona hands out a live session nobody has used yet before it creates another.
      const reusable = inquiry.reusableSession;
      if (reusable) {
        const session = issue({ id: reusable.id, inquiry_id: inquiry.id, created_at: reusable.createdAt, expires_at: reusable.expiresAt }, true);
        // Whoever receives it holds its token as much as its first holder: recorded, so they may expire it too.
        const handout = { sessionId: reusable.id, to: issuerRow(issuedBy) };
        await store.accessGranted(trx, { inquiryId: inquiry.id, now, inquiry: plan.change, session: null, handout });
        return { session, previousStatus: inquiry.status, inquiryExpiresAt: plan.expiresAt };
      }
      const created = prepareSession(inquiry.id, now, plan.expiresAt, issuedBy, inquiry.liveSessionCount);
      await store.accessGranted(trx, { inquiryId: inquiry.id, now, inquiry: plan.change, session: created.row });
      return { session: created.issued, previousStatus: inquiry.status, inquiryExpiresAt: plan.expiresAt };
    },

    async createInquiry(trx, input, now) {
      const template = await templates.latestVersion(trx, input.templateId);
      if (!template?.latest_version_id) throw new AppError('CONFLICT', `Template ${input.templateId} has no published version.`);
      const revision = await templates.currentPolicy(trx, input.templateId);
      const id = newId('inq');
      const expiresAt = computeExpiresAt(policyInForce(revision), 'create', now);
      await store.inquiryCreated(trx, {
        id,
        template_id: template.id,
        version_id: template.latest_version_id,
        version_number: template.latest_version_number,
        policy_revision_id: revision?.id ?? null,
        kind: input.kind,
        reference_id: input.referenceId,
        customer_id: input.customerId,
        account_id: input.accountId,
        fields: JSON.stringify(input.fields),
        status: 'created',
        predecessor_id: input.predecessorId,
        created_at: now,
        expires_at: expiresAt,
        updated_at: now,
      });
      return { id, versionId: template.latest_version_id, versionNumber: template.latest_version_number, expiresAt };
    },

    async expireInquiry(trx, inquiryId, now, why) {
      await store.inquiryExpired(trx, inquiryId, now, why);
    },

    async createOneTimeLink(trx, inquiryId, linkId, now, lifetimeMinutes) {
      // Expiry of the inquiry expires its one-time links too.
      const inquiryExpiresAt = await store.inquiryExpiresAt(trx, inquiryId);
      const expiresAt = new Date(Math.min(now.getTime() + lifetimeMinutes * 60_000, inquiryExpiresAt.getTime()));
      await store.oneTimeLinkCreated(trx, inquiryId, linkId, expiresAt, now);
      const code = tokens().oneTimeCode(linkId);
      return { url: codeUrl(code), codeHash: sha256Hex(code), expiresAt };
    },

    oneTimeLinkUrl(_trx, link) {
      const code = tokens().oneTimeCodeMatching(link.id, link.codeHash);
      return Promise.resolve(code === null ? null : codeUrl(code));
    },

    async createSession(trx, inquiryId, now, expiresAt, issuedBy) {
      const created = prepareSession(inquiryId, now, expiresAt, issuedBy, await store.countLiveSessions(trx, inquiryId, now));
      await store.accessGranted(trx, { inquiryId, now, inquiry: null, session: created.row });
      return created.issued;
    },

    async tokenFor(trx: Transaction<DB>, sessionId: string, liveAt?: Date) {
      const session = await store.findSession(trx, sessionId);
      if (!session) return null;
      if (liveAt && (session.expired_at !== null || session.revoked_at !== null || session.expires_at.getTime() <= liveAt.getTime())) return null;
      return issue(session, true);
    },

    expireSessions(trx, target, now, how) {
      return store.sessionsEnded(trx, target, now, how);
    },

    tokenLinkUrl: (inquiryId, sessionToken) => tokenLinkUrl(options.hostedFlowUrl, inquiryId, sessionToken),
    staticLinkUrl: (templateId, referenceId) => staticLinkUrl(options.hostedFlowUrl, templateId, referenceId),

    hostedFlow: {
      verifySessionToken(token, now) {
        return tokens().verify(token, now);
      },
      async formSecrets() {
        await ready();
        return tokens().secrets();
      },
    },
  };
}
