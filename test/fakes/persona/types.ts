/**
 * FAKE — the public types of an in-process fake of Persona's REST API, written from Persona's public documentation
 * and ../shared/PERSONA.md. It is not Persona and was never checked against Persona; see index.ts.
 */

export interface FakePersonaOptions {
  /** The one API key the fake accepts (`Authorization: Bearer <key>`). */
  apiKey?: string;
  /** Requests a fixed 60 s window allows before answering 429. */
  rateLimitPerMinute?: number;
  /** The fake's clock (timestamps, expiry, the rate window, idempotency records' 24 h). */
  now?: () => Date;
  /** Where one-time links point (`?code=…` is added). */
  hostedFlowUrl?: string;
  /** Where webhook events are POSTed, signed with these secrets (new first during a rotation). */
  webhook?: { url: string; secrets: string[] };
  /** Live sessions an inquiry may have at once. */
  sessionCap?: number;
  /** The port to listen on (127.0.0.1); 0, the default, picks a free one. */
  port?: number;
}

export interface TemplateOptions {
  /** itmplv_… ids, oldest first: the last is the latest published version. One is made up when none is given. */
  versionIds?: string[];
  afterCreateSeconds?: number;
  afterResumeSeconds?: number;
  /** Null (Persona's "blank"): the after-create interval applies from the start. */
  afterStartSeconds?: number | null;
}

export interface SeedSession {
  id?: string;
  status?: string;
  createdAt: Date;
  startedAt?: Date | null;
  expiredAt?: Date | null;
  /** Defaults to the inquiry's expires-at (or created-at + 24 h). */
  expiresAt?: Date;
}

/** An inquiry put into the fake as it is: no event, no effect. An unknown template is added on the way. */
export interface SeedInquiry {
  id: string;
  templateId: string;
  versionId?: string;
  status: string;
  referenceId?: string | null;
  accountId?: string | null;
  /** Plain values or `{ type, value }`. */
  fields?: Record<string, unknown>;
  createdAt: Date;
  updatedAt?: Date;
  startedAt?: Date | null;
  completedAt?: Date | null;
  failedAt?: Date | null;
  decisionedAt?: Date | null;
  expiredAt?: Date | null;
  expiresAt?: Date | null;
  afterStartSeconds?: number | null;
  afterResumeSeconds?: number;
  sessions?: SeedSession[];
}

export interface FakeOneTimeLink {
  code: string;
  url: string;
  shortUrl: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface FakeInquiryState {
  id: string;
  templateId: string;
  versionId: string;
  status: string;
  referenceId: string | null;
  accountId: string | null;
  fields: Record<string, { type: string; value: unknown }>;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  failedAt: Date | null;
  decisionedAt: Date | null;
  expiredAt: Date | null;
  expiresAt: Date | null;
  afterStartSeconds: number | null;
  afterResumeSeconds: number;
  /** Oldest first. */
  sessionIds: string[];
  oneTimeLinks: FakeOneTimeLink[];
}

export interface FakeSessionState {
  id: string;
  inquiryId: string;
  /** new | active | expired | canceled */
  status: string;
  createdAt: Date;
  startedAt: Date | null;
  expiredAt: Date | null;
  /** The inquiry's expires-at when the session was made (whole seconds, as the token's exp). */
  expiresAt: Date;
}

export type FakeOperation = 'create' | 'resume' | 'expire' | 'one_time_link' | 'session_expire';

/** Something an API call changed or handed out. A replayed idempotent request adds none. */
export interface FakeEffect {
  operation: FakeOperation;
  inquiryId: string;
  sessionId?: string;
  idempotencyKey?: string;
}

export interface FakeRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Path and query as sent. */
  url: string;
  /** 0 while unanswered, or when the client went away before the answer. */
  status: number;
  idempotencyKey: string | null;
  personaVersion: string | null;
  keyInflection: string | null;
  authorized: boolean;
  replayed: boolean;
}

export interface FakeEvent {
  id: string;
  name: string;
  createdAt: Date;
  /** The webhook body, `{ data: { type: 'event', id, attributes: { name, created-at, payload: { data } } } }`. */
  body: unknown;
  /** The exact bytes POSTed (and signed) on every attempt. */
  raw: string;
  attemptsMade: number;
  firstAttemptedAt: Date | null;
  deliveredAt: Date | null;
}

export interface DeliverOptions {
  /** Send every pending event twice. */
  duplicate?: boolean;
  order?: 'as-made' | 'reversed' | 'shuffled';
  /** The shuffle's seed (deterministic). */
  seed?: number;
  /** Sign with these instead of the configured secrets. */
  secrets?: string[];
  /** The signature's `t` (unix seconds) instead of the fake's clock. */
  timestamp?: number;
  /** Deliver only these events (default: every pending one). */
  eventIds?: string[];
}
