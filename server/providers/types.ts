import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';

/**
 * The InquiryProvider port: every vendor-side effect goes through it. `local` implements Persona's semantics
 * in this database; a `persona` adapter would call Persona's REST API and mirror the result into the same
 * tables. Calls take the service's transaction so that an effect and its audit event commit together.
 */
export interface IssuedBy {
  type: 'staff' | 'partner' | 'system' | 'end_user';
  id: string | null;
  display: string | null;
  reason?: string | null;
  ticket?: string | null;
}

export interface IssuedSession {
  sessionId: string;
  sessionToken: string;
  tokenFingerprint: string;
  expiresAt: Date;
  /** True when an existing live, never-used session was handed out again (Persona's resume does this). */
  reused: boolean;
}

export interface ResumeResult {
  session: IssuedSession;
  /** Status before the resume; an expired inquiry becomes pending again. */
  previousStatus: string;
  inquiryExpiresAt: Date;
}

/**
 * What the caller has read about an inquiry inside its transaction, after taking the inquiry's row lock and in
 * a later statement (so it reflects every commit it waited for). Nothing can change these facts until the
 * transaction ends — every writer of an inquiry and its sessions takes the same row lock — so the provider
 * relies on them instead of locking and reading again.
 */
export interface LockedInquiry {
  id: string;
  status: string;
  expiresAt: Date;
  /** The after-resume interval of the template's policy in force; null when it has none (the default applies). */
  afterResumeMinutes: number | null;
  /** Sessions neither expired nor revoked and not past their expiry. */
  liveSessionCount: number;
  /** The newest live session nobody has used yet that no link owns: resume hands it out again. */
  reusableSession: { id: string; createdAt: Date; expiresAt: Date } | null;
}

export interface NewInquiry {
  templateId: string;
  referenceId: string | null;
  customerId: string | null;
  accountId: string | null;
  fields: Record<string, unknown>;
  predecessorId: string | null;
  kind: 'dedicated' | 'just_in_time';
}

export interface OneTimeLink {
  url: string;
  codeHash: string;
  expiresAt: Date;
}

export interface InquiryProvider {
  readonly name: 'local' | 'persona';
  /**
   * Resolves what the provider needs before it can act (the local engine's token secret, which may have to be read
   * from the database). Call it before opening the transaction an action runs in: on the embedded database a read
   * outside that transaction would wait for it forever. Cheap once resolved; a failure is retried on the next call.
   */
  ready(): Promise<void>;
  /**
   * An expired inquiry becomes pending again, expiring after the policy's after-resume interval; a pending one is
   * only touched. The caller holds the row lock and passes what it read after taking it.
   */
  reopen(trx: Transaction<DB>, inquiry: LockedInquiry, now: Date): Promise<{ previousStatus: string; expiresAt: Date }>;
  /**
   * Reopens the inquiry and hands out its reusable session, or a new one within the session cap. Only for
   * `pending` or `expired` inquiries (the caller has checked and holds the row lock).
   */
  resume(trx: Transaction<DB>, inquiry: LockedInquiry, now: Date, issuedBy: IssuedBy): Promise<ResumeResult>;
  /** A new inquiry on the template's latest published version, with expiry from the policy in force. */
  createInquiry(trx: Transaction<DB>, input: NewInquiry, now: Date): Promise<{ id: string; versionId: string; versionNumber: number; expiresAt: Date }>;
  expireInquiry(trx: Transaction<DB>, inquiryId: string, now: Date, why: string): Promise<void>;
  /** A single-use code for the hosted flow; `linkId` names it, and its URL can be re-derived from the id. */
  createOneTimeLink(trx: Transaction<DB>, inquiryId: string, linkId: string, now: Date, lifetimeMinutes: number): Promise<OneTimeLink>;
  /**
   * A one-time link's URL rebuilt for a replayed request, from its id and the stored hash of its code (the local
   * engine derives the code under whichever signing key made it; Persona answers the same request with the same
   * idempotency key again); null when it cannot be rebuilt.
   */
  oneTimeLinkUrl(trx: Transaction<DB>, link: { id: string; inquiryId: string; codeHash: string; lifetimeMinutes?: number }): Promise<string | null>;
  /** A new session that expires at `expiresAt` (never later than the inquiry): the session behind a token link. */
  createSession(trx: Transaction<DB>, inquiryId: string, now: Date, expiresAt: Date, issuedBy: IssuedBy): Promise<IssuedSession>;
  /**
   * The token of an existing session, re-derived (used to replay an idempotent request). With `liveAt`, null unless
   * the session is still live then: a replay never hands out the token of a session revoked or expired since.
   */
  tokenFor(trx: Transaction<DB>, sessionId: string, liveAt?: Date): Promise<IssuedSession | null>;
  /** Expires live sessions (one, or all of an inquiry's); returns how many. */
  expireSessions(trx: Transaction<DB>, target: { inquiryId: string; sessionIds?: readonly string[] }, now: Date, how: 'expired' | 'revoked'): Promise<number>;
  /**
   * Ends these sessions at the vendor before the caller takes its locks, so that the transaction's `expireSessions`
   * makes no remote call for them and the inquiry's row lock is never held across one call per session. Safe outside
   * the transaction: a session once expired stays so (a resume makes a new one), so the effect cannot be doubled, and
   * one the transaction then fails to record is mirrored by the vendor's webhook. Absent for the local engine.
   */
  expireSessionsAhead?(sessionIds: readonly string[]): Promise<void>;
  /** Builds the hosted-flow URL with the session token appended (the seed's "appending a session token to a link"). */
  tokenLinkUrl(inquiryId: string, sessionToken: string): string;
  staticLinkUrl(templateId: string, referenceId: string): string;
  /** The keys of the hosted flow this server serves at /verify and /widget; null when the vendor hosts the flow. */
  readonly hostedFlow: HostedFlowKeys | null;
}

/** What the local hosted flow needs from its provider: checking the session tokens the provider issues. */
export interface HostedFlowKeys {
  /** The session id and inquiry id of a valid, unexpired token; null for anything else. Needs `ready()` first. */
  verifySessionToken(token: string, now: Date): Promise<{ sessionId: string; inquiryId: string } | null>;
  /** The secrets the flow's form tokens are derived from: the current one first, then one being rotated out. */
  formSecrets(): Promise<readonly string[]>;
}

/**
 * A vendor call whose outcome is unknown: a 5xx, a timeout, a network failure, an answer not in the documented
 * shape. The effect may or may not have happened at the vendor, so the action's transaction rolls back (no local
 * record claims success) and the service may run the whole action again with the same idempotency key
 * (services/provider-retries.ts). Where nothing retries it, it is answered as the 503 it is (an AppError
 * SERVICE_UNAVAILABLE: "try again"), never a 500. Refusals (4xx) are plain AppErrors: retrying would not help.
 */
export class ProviderUnavailableError extends AppError {
  constructor(
    readonly provider: 'local' | 'persona',
    readonly operation: string,
    /** The HTTP status, or what stood in for one; never the request. */
    readonly status: number | 'timeout' | 'network' | 'invalid_response',
    message: string,
  ) {
    super('SERVICE_UNAVAILABLE', `${message} Nothing was recorded as done; try again in a minute.`, { provider, providerStatus: status });
  }
}
