import { performance } from 'node:perf_hooks';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import type { RequestFacts } from '../deps.js';
import { AppError } from '../errors.js';
import { AUDIT_ACTOR_TYPES, canonicalEventBody, canonicalJson, type AuditActor, type CanonicalEvent } from '../audit/canonical.js';
import { findMetadataProblem, isStorableText, MAX_METADATA_BYTES } from '../audit/metadata.js';
import * as repo from '../repositories/audit.js';
import type { Write } from '../repositories/writes.js';
import { auditAppendDuration } from '../metrics/index.js';

export { verifyAuditChain, type AuditVerification, type VerifyOptions } from '../audit/verify.js';

export const AUDIT_ACTION_PATTERN = /^[a-z_]+(\.[a-z_]+)+$/;

/** Where the request came from; createContext fills these for every request. */
export interface AuditRequestContext {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface AuditEventInput {
  actor: AuditActor;
  /** Dotted, lower case: `inquiry.resumed`, `link.created`, `auth.login_failed`. */
  action: string;
  target?: { type: string; id: string } | null;
  reason?: string | null;
  ticket?: string | null;
  /** Facts about the action: a token fingerprint, a session id, before/after. Never a secret (rejected). */
  metadata?: Record<string, unknown>;
  request?: AuditRequestContext;
  /** When it happened; defaults to now. Pass the service's injectable clock (`deps.now()`). */
  occurredAt?: Date;
}

const storable = (max: number) =>
  z.string().max(max).refine(isStorableText, { message: 'contains a NUL character or an unpaired surrogate' });
/** Request headers are the client's to choose: cut an over-long one rather than fail the action it records. */
const truncated = (max: number) =>
  z
    .string()
    .transform((s) => (s.length > max ? s.slice(0, max).replace(/[\uD800-\uDBFF]$/, '') : s))
    .pipe(storable(max));

const MIN_TIME = Date.UTC(2000, 0, 1);
const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999); // toISOString's plain four-digit-year range

const AuditEventInputSchema = z.object({
  actor: z.object({
    type: z.enum(AUDIT_ACTOR_TYPES),
    id: storable(200).min(1).nullable(),
    display: storable(200).nullable(),
  }),
  action: z.string().max(100).regex(AUDIT_ACTION_PATTERN, 'must be dotted lower-case words, e.g. inquiry.resumed'),
  target: z.object({ type: storable(64).min(1), id: storable(200).min(1) }).nullish(),
  reason: storable(2000).nullish(),
  ticket: storable(200).nullish(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  request: z
    .object({
      ip: truncated(100).nullish(),
      userAgent: truncated(512).nullish(),
      requestId: truncated(200).nullish(),
    })
    .optional(),
  occurredAt: z
    .date()
    .refine((d) => d.getTime() >= MIN_TIME && d.getTime() <= MAX_TIME, { message: 'must be between 2000 and 9999' })
    .optional(),
});

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('BAD_REQUEST', `Invalid audit event — ${message}`, details);
}

/**
 * Validates an event and fixes its canonical form: everything that can be done before the chain lock is taken.
 * Pure; exported for tests and for callers that want to check an event early.
 */
export function prepareAuditEvent(input: AuditEventInput, now: () => Date = () => new Date()): { event: CanonicalEvent; body: string; metadataJson: string } {
  const parsed = AuditEventInputSchema.safeParse(input);
  if (!parsed.success) {
    const message = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'event'}: ${i.message}`).join('; ');
    throw invalid(message);
  }
  const e = parsed.data;

  // Through JSON once, so the metadata is exactly what jsonb will store and hand back (Dates become strings,
  // undefined members disappear), and is written in its canonical form.
  let plain: Record<string, unknown> = {};
  try {
    if (e.metadata !== undefined) plain = JSON.parse(JSON.stringify(e.metadata)) as Record<string, unknown>;
  } catch (error) {
    throw invalid(`metadata is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const problem = findMetadataProblem(plain);
  if (problem) throw invalid(`${problem.path} ${problem.message}`, { path: problem.path });
  const metadataJson = canonicalJson(plain);
  if (Buffer.byteLength(metadataJson, 'utf8') > MAX_METADATA_BYTES) throw invalid(`metadata is larger than ${MAX_METADATA_BYTES} bytes`);

  const event: CanonicalEvent = {
    occurredAt: e.occurredAt ?? now(),
    actorType: e.actor.type,
    actorId: e.actor.id,
    actorDisplay: e.actor.display,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    reason: e.reason ?? null,
    ticket: e.ticket ?? null,
    metadata: plain,
    ip: e.request?.ip ?? null,
    userAgent: e.request?.userAgent ?? null,
    requestId: e.request?.requestId ?? null,
  };
  return { event, body: canonicalEventBody(event), metadataJson };
}

/**
 * Appends an audit event inside the caller's transaction, so that the action and its event commit or roll back
 * together (DESIGN §4): no action without its event, no event without its action.
 *
 * The event joins the chain when the transaction COMMITs: a deferred trigger then locks the chain head, takes
 * the next seq and computes the hash (migrations/0002_audit_log.sql). So the head is held only for that final
 * statement and the commit's WAL flush, wherever in the transaction this is called, and a slow step after it
 * does not stall other writers. Appending last is still good practice (nothing is staged for an action that
 * then fails validation). Consequences: seq and hash are not known inside the transaction, and the event is not
 * in audit_events until commit; several appends in one transaction get consecutive seqs in call order; a
 * failure to chain surfaces as a failed COMMIT, which rolls the action back too.
 *
 * Run audited transactions under READ COMMITTED (the default). Under REPEATABLE READ or SERIALIZABLE a
 * concurrent append makes the COMMIT fail with a serialization error, and the caller must retry the transaction.
 *
 * Validation and canonical encoding happen here, before anything is locked. Throws AppError('BAD_REQUEST') when
 * the event is invalid: a malformed action, an over-long field, or metadata that names a secret (`token`,
 * `sessionToken`, `password`, `secret`, `cookie`, … at any depth) or holds a bearer credential.
 */
export async function appendAuditEvent(trx: Transaction<DB>, input: AuditEventInput): Promise<void> {
  const started = performance.now();
  await stagedEventWrite(input).execute(trx);
  auditAppendDuration.observe({ mode: 'statement' }, (performance.now() - started) / 1000);
}

/**
 * appendAuditEvent as a write, for a service that runs its last writes as one statement (repositories/writes.ts):
 * validated and encoded now (throws as appendAuditEvent does), staged when the caller runs it in its transaction.
 */
export function auditEventWrite(input: AuditEventInput): Write {
  const started = performance.now();
  const write = stagedEventWrite(input);
  auditAppendDuration.observe({ mode: 'batched' }, (performance.now() - started) / 1000);
  return write;
}

function stagedEventWrite(input: AuditEventInput): Write {
  const { event, body, metadataJson } = prepareAuditEvent(input);
  return repo.pendingEventWrite(
    {
      occurredAt: event.occurredAt.toISOString(),
      actorType: event.actorType,
      actorId: event.actorId,
      actorDisplay: event.actorDisplay,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      reason: event.reason,
      ticket: event.ticket,
      metadataJson,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
    },
    body,
  );
}

/** The request part of an event, from where the request came from (a context or a route's request facts). */
export function auditRequestContext(request: RequestFacts): AuditRequestContext {
  return { ip: request.ip, userAgent: request.userAgent, requestId: request.requestId };
}
