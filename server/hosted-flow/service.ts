import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { sha256Hex } from '../crypto.js';
import type { RequestFacts } from '../deps.js';
import type { HostedFlowKeys, InquiryProvider, IssuedBy } from '../providers/types.js';
import { appendAuditEvent, auditRequestContext } from '../services/audit.js';
import { addressOf } from '../auth/throttle.js';
import { maskFields } from '../services/pii.js';
import * as store from '../repositories/inquiry-store/index.js';
import * as templates from '../repositories/templates.js';
import { canTransition, computeExpiresAt, policyInForce } from '../../shared/lifecycle.js';

/**
 * The local engine's end-user side: what happens when someone opens a link to the hosted flow and steps
 * through it. Every function runs in one transaction with the inquiry row locked (SELECT … FOR UPDATE), so
 * two tabs, a double click or two instances cannot start, redeem or complete the same inquiry twice.
 * Answers are values, not exceptions: the router turns a denial into a page a person can act on.
 */
export const ONE_TIME_LINK_GRACE_MS = 5 * 60_000;

export interface FlowEngine {
  db: Kysely<DB>;
  provider: InquiryProvider;
  keys: HostedFlowKeys;
}

export type Denial =
  | 'not_found'
  | 'template_not_found'
  | 'session_expired'
  | 'inquiry_expired'
  | 'link_expired'
  | 'link_revoked'
  | 'link_used'
  | 'already_submitted'
  | 'unavailable'
  | 'session_limit'
  | 'form_invalid'
  | 'credential_required';

export interface FlowInquiry {
  id: string;
  status: string;
  /** The prefilled fields, masked as the console masks them when `masked`. */
  fields: Record<string, unknown>;
  /** The session was started from a bare inquiry id: the visitor proved nothing, so sees no PII in clear. */
  masked: boolean;
  expiresAt: Date;
}

export interface FlowSession {
  id: string;
  token: string;
  expiresAt: Date;
}

export type FlowResult = { ok: true; inquiry: FlowInquiry; session: FlowSession; started: boolean } | { ok: false; denial: Denial };

const END_USER: IssuedBy = { type: 'end_user', id: null, display: null };
const deny = (denial: Denial): FlowResult => ({ ok: false, denial });

/** Runs `work` in a transaction; the session cap (the provider's CONFLICT) rolls everything back and becomes a denial. */
async function inTransaction(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<FlowResult>, onConflict: Denial = 'session_limit'): Promise<FlowResult> {
  try {
    return await db.transaction().execute(work);
  } catch (err) {
    if (err instanceof AppError && err.code === 'CONFLICT') return deny(onConflict);
    throw err;
  }
}

/** Why this inquiry cannot be worked on now, if it cannot. An overdue inquiry counts as expired before the sweeper gets to it. */
function blockedBy(inquiry: store.FlowInquiryRow, now: Date): Denial | null {
  switch (inquiry.status) {
    case 'created':
    case 'pending':
      return inquiry.expires_at <= now ? 'inquiry_expired' : null;
    case 'expired':
      return 'inquiry_expired';
    case 'completed':
    case 'failed':
    case 'approved':
    case 'declined':
    case 'needs_review':
      return 'already_submitted';
    default:
      return 'unavailable'; // a status this version does not know: never guess
  }
}

/** The console's masking (server/services/pii.ts), as `{ name: masked text }`. */
const maskedFields = (fields: Record<string, unknown>): Record<string, string> => Object.fromEntries(maskFields(fields).map((f) => [f.name, f.value]));

const view = (row: store.FlowInquiryRow, patch: Partial<Omit<FlowInquiry, 'fields' | 'masked'>> = {}, masked = false): FlowInquiry => ({
  id: row.id,
  status: row.status,
  fields: masked ? maskedFields(row.fields) : row.fields,
  masked,
  expiresAt: row.expires_at,
  ...patch,
});

/** created → pending: started now, expiring after the policy's after-start interval. */
async function start(trx: Transaction<DB>, inquiry: store.FlowInquiryRow, now: Date): Promise<Date> {
  if (!canTransition(inquiry.status, 'pending')) throw new Error(`cannot start an inquiry in status ${inquiry.status}`);
  const expiresAt = computeExpiresAt(policyInForce(await templates.currentPolicy(trx, inquiry.template_id)), 'start', now);
  await store.inquiryStarted(trx, inquiry.id, now, expiresAt);
  return expiresAt;
}

async function newSession(trx: Transaction<DB>, engine: FlowEngine, inquiryId: string, now: Date, expiresAt: Date): Promise<FlowSession & { firstUse: boolean }> {
  const issued = await engine.provider.createSession(trx, inquiryId, now, expiresAt, END_USER);
  return { id: issued.sessionId, token: issued.sessionToken, expiresAt: issued.expiresAt, firstUse: true };
}

/** Marks a session used; its first use is a timeline event (Persona's inquiry-session.started). */
async function useSession(trx: Transaction<DB>, inquiryId: string, session: { id: string; firstUse: boolean }, now: Date): Promise<void> {
  await store.sessionUsed(trx, { inquiryId, sessionId: session.id, firstUse: session.firstUse }, now);
}

/** A live session of this inquiry by id: not revoked, not expired, and not behind a revoked link. */
async function liveSession(trx: Transaction<DB>, sessionId: string, inquiryId: string, now: Date) {
  const row = await store.findSession(trx, sessionId);
  if (!row || row.inquiry_id !== inquiryId) return null;
  // A revoked token link says so, rather than looking like an ordinary expired session.
  if (await store.hasRevokedLink(trx, row.id)) return 'link_revoked' as const;
  if (row.revoked_at !== null || row.expired_at !== null || row.expires_at <= now) return null;
  return row;
}

/** A token is valid when its signature and expiry check out AND its session row is still live for this inquiry. */
async function sessionFromToken(trx: Transaction<DB>, engine: FlowEngine, inquiryId: string, token: string | null, now: Date) {
  if (!token) return null;
  const claims = await engine.keys.verifySessionToken(token, now);
  if (!claims || claims.inquiryId !== inquiryId) return null;
  const row = await liveSession(trx, claims.sessionId, inquiryId, now);
  if (row === 'link_revoked') return row;
  return row ? { id: row.id, token, expiresAt: row.expires_at, firstUse: row.started_at === null } : null;
}

/** Where a visit came from, for the record a bare-id start leaves. */
export interface FlowVisit {
  via: '/verify' | '/widget';
  request: RequestFacts;
}

export interface OpenOptions {
  /** The token came with the link itself, so a token link's use is counted. */
  countLinkUse: boolean;
  /** HOSTED_FLOW_REQUIRE_CREDENTIAL=on: a created inquiry does not open from its bare id. */
  requireCredential?: boolean;
  visit?: FlowVisit;
}

const BARE_ID_ACTOR = { type: 'system', id: 'hosted-flow', display: 'Hosted flow (link without a code or session)' } as const;

/**
 * A created inquiry started from its bare id (no one-time code, no valid session token): anyone who can read the
 * id could have done it, and it takes the inquiry's start. Recorded on its timeline (when, from which address)
 * and in the audit log, and the session it got is marked so that it only ever sees the prefilled details masked.
 */
async function recordBareIdStart(trx: Transaction<DB>, inquiryId: string, sessionId: string, now: Date, visit: FlowVisit | undefined): Promise<void> {
  const address = addressOf(visit?.request.ip ?? null);
  const via = visit?.via ?? '/verify';
  await store.inquiryStartedFromBareId(trx, inquiryId, now, { sessionId, address, via });
  await appendAuditEvent(trx, {
    actor: BARE_ID_ACTOR,
    action: 'inquiry.started_from_bare_id',
    target: { type: 'inquiry', id: inquiryId },
    metadata: { sessionId, via, address },
    ...(visit ? { request: auditRequestContext(visit.request) } : {}),
    occurredAt: now,
  });
}

/**
 * Opening `?inquiry-id=…`: a created inquiry opens for anyone with the link (and is started, with a new end-user
 * session) — from a bare id only with the prefilled details masked, and not at all with `requireCredential`; a
 * pending one needs a live session token.
 */
export function openInquiry(engine: FlowEngine, inquiryId: string, token: string | null, now: Date, options: OpenOptions): Promise<FlowResult> {
  return inTransaction(engine.db, async (trx) => {
    const inquiry = await store.lockInquiry(trx, inquiryId);
    if (!inquiry) return deny('not_found');
    const blocked = blockedBy(inquiry, now);
    if (blocked) return deny(blocked);
    if (inquiry.status === 'created') {
      // A session token for this inquiry (from a resume) is a credential; anything else is a bare id.
      const presented = await sessionFromToken(trx, engine, inquiry.id, token, now);
      const bare = presented === null || presented === 'link_revoked';
      if (bare && options.requireCredential) return deny('credential_required');
      const expiresAt = await start(trx, inquiry, now);
      const session = await newSession(trx, engine, inquiry.id, now, expiresAt);
      await useSession(trx, inquiry.id, session, now);
      if (bare) await recordBareIdStart(trx, inquiry.id, session.id, now, options.visit);
      return { ok: true, inquiry: view(inquiry, { status: 'pending', expiresAt }, bare), session, started: true };
    }
    const session = await sessionFromToken(trx, engine, inquiry.id, token, now);
    if (session === 'link_revoked') return deny('link_revoked');
    if (!session) return deny('session_expired');
    await useSession(trx, inquiry.id, session, now);
    if (options.countLinkUse) await store.tokenLinkUsed(trx, session.id, now);
    return { ok: true, inquiry: view(inquiry, {}, await store.isBareIdSession(trx, inquiry.id, session.id)), session, started: false };
  });
}

/**
 * Redeeming a one-time link's code: single use, with a grace period after the first use (a reload, a mail
 * client's preview) in which it opens again and hands back the same session while that is still live.
 */
export async function redeemOneTimeCode(engine: FlowEngine, code: string, now: Date): Promise<FlowResult> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(code)) return deny('not_found');
  const found = await store.findOneTimeLink(engine.db, sha256Hex(code));
  if (!found) return deny('not_found');
  return inTransaction(engine.db, async (trx) => {
    // Lock order as everywhere: the inquiry, then its link.
    const inquiry = await store.lockInquiry(trx, found.inquiry_id);
    const link = await store.lockOneTimeLink(trx, found.id);
    if (!inquiry || !link) return deny('not_found');
    if (link.revoked_at) return deny('link_revoked');
    if (store.linkExpired(link, now)) return deny('link_expired');
    const blocked = blockedBy(inquiry, now);
    if (blocked) return deny(blocked);
    if (link.first_used_at && now.getTime() - link.first_used_at.getTime() > ONE_TIME_LINK_GRACE_MS) return deny('link_used');

    let expiresAt = inquiry.expires_at;
    const started = inquiry.status === 'created';
    if (started) expiresAt = await start(trx, inquiry, now);
    const live = link.session_id ? await liveSession(trx, link.session_id, inquiry.id, now) : null;
    const reusable = live === 'link_revoked' ? null : live;
    const reissued = reusable ? await engine.provider.tokenFor(trx, reusable.id) : null;
    const session =
      reusable && reissued
        ? { id: reusable.id, token: reissued.sessionToken, expiresAt: reusable.expires_at, firstUse: reusable.started_at === null }
        : await newSession(trx, engine, inquiry.id, now, expiresAt);
    await store.oneTimeLinkUsed(trx, link.id, session.id, now);
    await useSession(trx, inquiry.id, session, now);
    return { ok: true, inquiry: view(inquiry, started ? { status: 'pending', expiresAt } : {}), session, started };
  });
}

export interface StaticLinkInput {
  templateId: string;
  referenceId: string | null;
  fields: Record<string, string>;
}

/** A static link (`inquiry-template-id` + `reference-id`): a new just-in-time inquiry each time, started at once. */
export async function openStaticLink(engine: FlowEngine, input: StaticLinkInput, now: Date): Promise<FlowResult> {
  const template = await templates.latestVersion(engine.db, input.templateId);
  if (!template?.latest_version_id) return deny('template_not_found');
  return inTransaction(
    engine.db,
    async (trx) => {
      const created = await engine.provider.createInquiry(
        trx,
        { templateId: template.id, referenceId: input.referenceId, customerId: null, accountId: null, fields: input.fields, predecessorId: null, kind: 'just_in_time' },
        now,
      );
      const inquiry = await store.lockInquiry(trx, created.id);
      if (!inquiry) throw new Error('the inquiry just created is missing');
      const expiresAt = await start(trx, inquiry, now);
      const session = await newSession(trx, engine, inquiry.id, now, expiresAt);
      await useSession(trx, inquiry.id, session, now);
      return { ok: true, inquiry: view(inquiry, { status: 'pending', expiresAt }), session, started: true };
    },
    // createInquiry's CONFLICT: the template lost its published version in between.
    'template_not_found',
  );
}

/**
 * A step of the flow, posted from its form: `confirm` moves on to the submit page; `submit` completes the
 * inquiry (pending → completed) exactly once. Needs the live session and the session's form token.
 */
export function takeStep(
  engine: FlowEngine,
  step: 'confirm' | 'submit',
  input: { inquiryId: string; token: string | null; formTokenMatches: (sessionId: string) => boolean },
  now: Date,
): Promise<FlowResult> {
  return inTransaction(engine.db, async (trx) => {
    const inquiry = await store.lockInquiry(trx, input.inquiryId);
    if (!inquiry) return deny('not_found');
    const blocked = blockedBy(inquiry, now);
    if (blocked) return deny(blocked);
    const session = inquiry.status === 'pending' ? await sessionFromToken(trx, engine, inquiry.id, input.token, now) : null;
    if (session === 'link_revoked') return deny('link_revoked');
    if (!session) return deny('session_expired');
    if (!input.formTokenMatches(session.id)) return deny('form_invalid');
    await useSession(trx, inquiry.id, session, now);
    const masked = await store.isBareIdSession(trx, inquiry.id, session.id);
    if (step === 'confirm') return { ok: true, inquiry: view(inquiry, {}, masked), session, started: false };

    if (!canTransition(inquiry.status, 'completed')) return deny('unavailable');
    await store.inquiryCompleted(trx, inquiry.id, now, session.id);
    return { ok: true, inquiry: view(inquiry, { status: 'completed' }, masked), session, started: false };
  });
}
