import type { Transaction } from 'kysely';
import type { z } from 'zod';
import { staffActor } from '../auth/principal.js';
import { newId } from '../crypto.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import * as repo from '../repositories/access-report.js';
import * as store from '../repositories/inquiry-store/index.js';
import { writeTogether } from '../repositories/writes.js';
import { BULK_REVOKE_MAX, type AccessFilter, type RevokeMatchingOutput, type RevokePreviewOutput } from '../../shared/access.js';
import type { ReasonSchema } from '../../shared/actions.js';
import { appendAuditEvent } from './audit.js';
import { resolveFilter } from './access-report.js';
import { claim, recordWrite, requestHash, type IdempotencyClaim } from './idempotency.js';
import { findIdempotent } from '../repositories/access.js';
import { withGateShare, withIdempotencyBase } from '../providers/call-context.js';
import { BACKFILL_SHARE } from '../providers/persona/rate-gate.js';
import { withProviderRetries } from './provider-retries.js';
import { sleep } from '../sleep.js';
import { recordProviderFailure } from './refusal-audit.js';
import type { ActionContext } from './inquiry-actions/index.js';

/**
 * Revoking a filtered set of the access report at once (docs/access-report.md, "Bulk revoke"). One row is revoked
 * with the inquiry actions (`links.revoke`, `inquiries.expireSessions`); many are:
 *
 * 1. `revokePreview`: how many rows of the filter revoking would end now — the number the person confirms;
 * 2. `revokeMatching` with the same filter and that count: refused if the set has changed since; otherwise the set
 *    is fixed (what matches now, issued up to now), one `access.bulk_revoked` audit event names the filter and the
 *    count, and the rows are ended in batches of BATCH_SIZE, each its own transaction, through the inquiry store's
 *    writers. The event commits with the first batch, so nothing is revoked without it; each revocation's timeline
 *    entry carries the event's bulk id. The idempotency key makes a repeated request (a double click) answer with
 *    the first one's outcome instead of revoking again.
 */

/** Rows per transaction: locks held briefly, and a row the hosted flow is using waits at most one batch. */
export const BATCH_SIZE = 200;

const ACTION = 'access.bulk_revoked';

/** The filter as the audit event names it: only what was set, dates as ISO text. */
function describeFilter(filter: repo.ReportFilter): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({
      kind: filter.kinds,
      state: filter.states,
      issuer: filter.issuerId,
      issuerType: filter.issuerType,
      inquiryId: filter.inquiryId,
      issuedAfter: filter.issuedAfter?.toISOString() ?? null,
      issuedBefore: filter.issuedBefore?.toISOString() ?? null,
      hasTicket: filter.hasTicket,
    }).filter(([, value]) => value !== null),
  );
}

/** The set a bulk revocation takes: the filter's rows that revoking would end now, issued up to `asOf`. */
function revocable(filter: repo.ReportFilter, asOf: Date): repo.ReportFilter {
  const before = filter.issuedBefore && filter.issuedBefore < asOf ? filter.issuedBefore : asOf;
  return { ...filter, revocableOnly: true, issuedBefore: before };
}

export async function revokePreview(ctx: ActionContext, input: AccessFilter): Promise<RevokePreviewOutput> {
  const { db } = ctx.database;
  const now = ctx.now();
  const { filter, scope } = await resolveFilter(db, ctx.staff, 'access:revoke', input);
  const counts = await repo.reportCounts(db, revocable(filter, now), now, BULK_REVOKE_MAX);
  const count = counts.byKind.reduce((sum, k) => sum + k.count, 0);
  return { count, tooMany: !counts.exact || count > BULK_REVOKE_MAX, max: BULK_REVOKE_MAX, byKind: counts.byKind, scope };
}

type RevokeMatchingInput = AccessFilter & { expectedCount: number; reason: z.infer<typeof ReasonSchema>; idempotencyKey: string };

interface StoredBulk {
  bulkId: string;
  count: number;
  status: RevokeMatchingOutput['status'];
  revoked?: number;
  skipped?: number;
  batches?: number;
  /** When the run last recorded its progress (ISO): a running one silent for STALE_AFTER_MS has stopped. */
  updatedAt?: string;
}

interface BatchOutcome {
  revoked: number;
  skipped: number;
  /** Sessions this batch ended (a session handed out twice is one session, two rows). */
  ended: string[];
}

/**
 * Ends one batch of rows inside `trx`: their inquiries locked first, in id order (every writer of a session or link
 * locks its inquiry first), then each row re-checked under the lock — a row someone else (or the sweep) ended
 * since it was chosen is skipped, never ended twice.
 */
async function revokeBatch(
  ctx: ActionContext,
  trx: Transaction<DB>,
  rows: readonly repo.ReportRow[],
  endedBefore: ReadonlySet<string>,
  now: Date,
  bulkId: string,
  ownOnly: boolean,
): Promise<BatchOutcome> {
  const { provider } = ctx;
  const detail = { bulkId };
  await store.lockInquiryRows(trx, [...new Set(rows.map((r) => r.inquiry_id))]);
  const ended = new Set<string>();
  const endSession = async (inquiryId: string, sessionId: string): Promise<boolean> => {
    if (endedBefore.has(sessionId) || ended.has(sessionId)) return true;
    const count = await provider.expireSessions(trx, { inquiryId, sessionIds: [sessionId] }, now, 'revoked');
    if (count > 0) ended.add(sessionId);
    return count > 0;
  };
  let revoked = 0;
  let skipped = 0;
  for (const row of rows) {
    if (row.link_id) {
      const link = await store.lockLink(trx, row.link_id);
      if (!link || link.revoked_at || (ownOnly && link.issued_by_id !== ctx.staff.id)) {
        skipped += 1;
        continue;
      }
      const codeStillOpens = link.kind === 'one_time' && link.first_used_at === null && !store.linkExpired(link, now);
      const sessionEnded = link.session_id ? await endSession(link.inquiry_id, link.session_id) : false;
      if (!codeStillOpens && !sessionEnded) {
        skipped += 1;
        continue;
      }
      await store.linkRevoked(trx, link, now, ctx.staff.id, detail);
      revoked += 1;
    } else if (row.session_id) {
      const wasOurs = endedBefore.has(row.session_id) || ended.has(row.session_id);
      if (await endSession(row.inquiry_id, row.session_id)) {
        // The session's token links go with it, as when one person expires it.
        if (!wasOurs) await store.sessionsExpiredByStaff(trx, row.inquiry_id, [row.session_id], 1, now, ctx.staff.id, detail);
        revoked += 1;
      } else {
        skipped += 1;
      }
    } else {
      skipped += 1;
    }
  }
  return { revoked, skipped, ended: [...ended] };
}

/**
 * Runs one batch, again if PostgreSQL chose it as a deadlock victim or it failed serialization: the batch re-checks
 * every row under its locks, so running it again is safe.
 */
async function retried<T>(batch: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await batch();
    } catch (error) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : null;
      if (attempt >= attempts || (code !== '40P01' && code !== '40001')) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

/** How long the request itself keeps revoking; what is left then goes on in the background of this process. */
const IN_REQUEST_MS = 8_000;
/** Time the request keeps back from its deadline for answering. */
const ANSWER_MARGIN_MS = 2_000;
/** A background run records its progress at least this often… */
const PROGRESS_EVERY_MS = 2_000;
/** The longest one wait for Persona's rate limit to reset (it names its reset; this bounds a wrong one). */
const MAX_RATE_WAIT_MS = 60_000;
/** …so one silent for this long — longer than any wait, with a batch after it — has stopped (its server went away). */
export const STALE_AFTER_MS = 2 * MAX_RATE_WAIT_MS;

const replayed = (stored: StoredBulk, now: Date): RevokeMatchingOutput => ({
  bulkId: stored.bulkId,
  count: stored.count,
  revoked: stored.revoked ?? null,
  skipped: stored.skipped ?? null,
  batches: stored.batches ?? null,
  status: stored.status === 'running' && stored.updatedAt !== undefined && now.getTime() - Date.parse(stored.updatedAt) > STALE_AFTER_MS ? 'interrupted' : stored.status,
});

/** A run under way: the set fixed by its first transaction, and how far it has come. */
interface Run {
  bulkId: string;
  idem: IdempotencyClaim;
  rows: readonly repo.ReportRow[];
  batchSize: number;
  ownOnly: boolean;
  offset: number;
  ended: Set<string>;
  revoked: number;
  skipped: number;
  batches: number;
}

const progress = (run: Run, status: StoredBulk['status'], now: Date): StoredBulk => ({
  bulkId: run.bulkId,
  count: run.rows.length,
  status,
  revoked: run.revoked,
  skipped: run.skipped,
  batches: run.batches,
  updatedAt: now.toISOString(),
});

function record(ctx: ActionContext, run: Run, status: StoredBulk['status']): Promise<StoredBulk> {
  const stored = progress(run, status, ctx.now());
  return ctx.database.db
    .transaction()
    .execute((trx) => writeTogether(trx, [recordWrite(run.idem, stored)]))
    .then(() => stored);
}

/** How long Persona's rate limit asks to wait, when that is what refused a batch; null for any other error. */
function rateLimitWait(error: unknown): number | null {
  if (!(error instanceof AppError) || error.code !== 'TOO_MANY_REQUESTS') return null;
  const codes = error.details?.refusalCodes;
  if (!Array.isArray(codes) || !codes.includes('provider_rate_limit')) return null;
  const seconds = error.details?.retryAfterSeconds;
  return typeof seconds === 'number' ? seconds * 1000 : 1000;
}

/** Persona failed a batch for good (5xx or timeouts through every attempt): the background may try again, unhurried. */
function providerUnavailable(error: unknown): boolean {
  return error instanceof AppError && error.code === 'SERVICE_UNAVAILABLE' && typeof error.details?.provider === 'string';
}

/**
 * A batch in its own transaction, again if PostgreSQL chose it as a deadlock victim; and again, with the same
 * key (the run's id is its base), if its Persona call failed with an unknown outcome (5xx, timeout) — each failed attempt
 * recorded as provider.call_failed, as any action's is.
 */
function batchRunner(ctx: ActionContext, bulkId: string, reason: string, stop?: AbortSignal) {
  const attempt = { action: 'bulk_revoke', procedure: 'access.revokeMatching', target: { type: 'access_report', id: bulkId }, reason };
  return <T>(batch: () => Promise<T>) =>
    withProviderRetries(ctx, () => retried(batch), (failure, n, retrying) => recordProviderFailure(ctx, attempt, failure, n, retrying), stop);
}

/**
 * Runs the run's batches until it is done, or `until` passes (`performance.now()`'s clock), or it is stopped. In the
 * request (no `signal`), Persona refusing a batch for its rate limit or failing it for good (rolled back: nothing of
 * it was done) hands the rest to the background; there (`signal` stops it), the rate limit is waited out.
 * `onProgress` is called after each batch and before each wait. A vendor's sessions are ended ahead of the batch's
 * transaction (expireSessionsAhead), so the transaction holds its row locks across no call.
 */
async function runBatches(
  ctx: ActionContext,
  run: Run,
  runBatch: ReturnType<typeof batchRunner>,
  options: { until: number | null; signal?: AbortSignal; onProgress?: () => Promise<void>; batchEveryMs?: number },
): Promise<'done' | 'paused'> {
  const { db } = ctx.database;
  let last = Number.NEGATIVE_INFINITY;
  while (run.offset < run.rows.length) {
    if (options.signal?.aborted || (options.until !== null && performance.now() >= options.until)) return 'paused';
    if (options.batchEveryMs !== undefined && options.signal) {
      const wait = last + options.batchEveryMs - performance.now();
      if (wait > 0) await sleep(wait, options.signal);
      if (options.signal.aborted) return 'paused';
      last = performance.now();
    }
    const chunk = run.rows.slice(run.offset, run.offset + run.batchSize);
    const now = ctx.now();
    const ahead = [...new Set(chunk.flatMap((row) => (row.session_id && !run.ended.has(row.session_id) ? [row.session_id] : [])))];
    let outcome: BatchOutcome;
    try {
      outcome = await runBatch(async () => {
        if (ahead.length > 0) await ctx.provider.expireSessionsAhead?.(ahead);
        return db.transaction().execute((trx) => revokeBatch(ctx, trx, chunk, run.ended, now, run.bulkId, run.ownOnly));
      });
    } catch (error) {
      const wait = rateLimitWait(error);
      if (!options.signal) {
        if (wait !== null || providerUnavailable(error)) return 'paused';
        throw error;
      }
      if (wait === null) throw error;
      await options.onProgress?.();
      await sleep(Math.min(wait, MAX_RATE_WAIT_MS), options.signal);
      continue;
    }
    for (const id of outcome.ended) run.ended.add(id);
    run.revoked += outcome.revoked;
    run.skipped += outcome.skipped;
    run.batches += 1;
    run.offset += chunk.length;
    await options.onProgress?.();
  }
  return 'done';
}

/** The runs this process carries on after their requests answered (stopBulkRevocations ends them at shutdown). */
const background = new Set<{ stop: AbortController; done: Promise<void> }>();

/**
 * What is left of a run, in the background of this process: paced to BACKFILL_SHARE of Persona's rate limit (one
 * call a row), each refusal of it waited out and the batch run again, its progress recorded every PROGRESS_EVERY_MS
 * or so for `access.revokeStatus`, and its end — done, failed (the error logged), interrupted (a shutdown) — last.
 */
function continueInBackground(ctx: ActionContext, run: Run, reason: string): void {
  // The request has answered: its deadline no longer bounds the calls.
  const own: ActionContext = { ...ctx, deadlineAt: null };
  const stop = new AbortController();
  let recordedAt = performance.now();
  const onProgress = async () => {
    if (performance.now() - recordedAt < PROGRESS_EVERY_MS) return;
    await record(own, run, 'running');
    recordedAt = performance.now();
  };
  // With Persona, a share of its rate limit (as the backfill takes): agents' actions still find room meanwhile.
  const perMinute = own.provider.name === 'persona' ? own.config.persona?.rateLimitPerMinute : undefined;
  const batchEveryMs = perMinute ? 60_000 / (perMinute * BACKFILL_SHARE) : undefined;
  const done = (async () => {
    try {
      const options = { until: null, signal: stop.signal, onProgress, ...(batchEveryMs === undefined ? {} : { batchEveryMs }) };
      const end = await withGateShare(BACKFILL_SHARE, () => runBatches(own, run, batchRunner(own, run.bulkId, reason, stop.signal), options));
      await record(own, run, end === 'done' ? 'done' : 'interrupted');
      own.log.info({ bulkId: run.bulkId, revoked: run.revoked, skipped: run.skipped, count: run.rows.length, status: end }, 'bulk revocation ended in the background');
    } catch (error) {
      own.log.error({ err: error, bulkId: run.bulkId, revoked: run.revoked }, 'bulk revocation failed in the background');
      await record(own, run, 'failed').catch(() => undefined);
    }
  })();
  const entry = { stop, done };
  background.add(entry);
  void done.finally(() => background.delete(entry));
}

/** Shutdown: background runs stop after their batch in flight and record themselves interrupted. */
export async function stopBulkRevocations(): Promise<void> {
  const running = [...background];
  for (const entry of running) entry.stop.abort();
  await Promise.all(running.map((entry) => entry.done));
}

export async function revokeStatus(ctx: ActionContext, input: { idempotencyKey: string }): Promise<RevokeMatchingOutput> {
  const found = await findIdempotent(ctx.database.db, `${ctx.staff.id}:access.revokeMatching`, input.idempotencyKey);
  const stored = found?.result as StoredBulk | null | undefined;
  if (!found || !stored) throw new AppError('NOT_FOUND', 'No bulk revocation of yours with that key: it never started, or it ended long enough ago to be forgotten.');
  // A record written before runs recorded their progress is as old as its request.
  return replayed({ ...stored, updatedAt: stored.updatedAt ?? found.created_at.toISOString() }, ctx.now());
}

/**
 * The run's id is also the base of its Persona calls' idempotency keys (providers/call-context.ts): a row's retries
 * send the same key, and another run — after one that failed — new ones.
 */
export function revokeMatching(ctx: ActionContext, input: RevokeMatchingInput): Promise<RevokeMatchingOutput> {
  const bulkId = newId('bulk');
  return withIdempotencyBase('access.revokeMatching', bulkId, ctx.now(), () => revokeMatchingAs(ctx, input, bulkId));
}

async function revokeMatchingAs(ctx: ActionContext, input: RevokeMatchingInput, bulkId: string): Promise<RevokeMatchingOutput> {
  const started = performance.now();
  const { db } = ctx.database;
  const { expectedCount, reason, idempotencyKey, ...filterInput } = input;
  const { filter: asAsked, scope } = await resolveFilter(db, ctx.staff, 'access:revoke', filterInput);
  const ownOnly = scope === 'own';
  await ctx.provider.ready();
  const asOf = ctx.now();
  const filter = revocable(asAsked, asOf);
  const idem: IdempotencyClaim = { scope: `${ctx.staff.id}:access.revokeMatching`, key: idempotencyKey, requestHash: requestHash(input) };
  // With Persona each row is its own transaction: a session Persona has expired is never rolled back here with a
  // failed batch (one call per session, paced by its rate limit once the run goes on in the background).
  const batchSize = ctx.provider.name === 'persona' ? 1 : BATCH_SIZE;
  const runBatch = batchRunner(ctx, bulkId, reason);

  // The first transaction: the key claimed before anything else is locked, the set fixed and checked against the
  // count confirmed, the one audit event, and the first batch.
  const first = await runBatch(() =>
    db.transaction().execute(async (trx) => {
      const stored = await claim<StoredBulk>(trx, idem, asOf);
      if (stored) return { replay: replayed(stored, asOf) } as const;
      const rows = await repo.reportPage(trx, filter, asOf, null, BULK_REVOKE_MAX + 1);
      if (rows.length > BULK_REVOKE_MAX) {
        throw new AppError('BAD_REQUEST', `More than ${BULK_REVOKE_MAX} rows match: narrow the filter (a period, a kind, an issuer) and revoke in parts.`);
      }
      if (rows.length !== expectedCount) {
        throw new AppError('CONFLICT', `${rows.length} rows match now, not ${expectedCount}: the set changed since you reviewed it. Review the count and confirm again.`, {
          count: rows.length,
        });
      }
      await appendAuditEvent(trx, {
        actor: staffActor(ctx.staff),
        action: ACTION,
        target: { type: 'access_report', id: bulkId },
        reason,
        metadata: { bulkId, filter: describeFilter(filter), count: rows.length, asOf: asOf.toISOString(), batchSize, scope },
        request: ctx.request,
        occurredAt: asOf,
      });
      const outcome = await revokeBatch(ctx, trx, rows.slice(0, batchSize), new Set(), asOf, bulkId, ownOnly);
      await writeTogether(trx, [recordWrite(idem, { bulkId, count: rows.length, status: 'running', updatedAt: asOf.toISOString() } satisfies StoredBulk)]);
      return { rows, outcome } as const;
    }),
  );
  if ('replay' in first) return first.replay;

  const run: Run = {
    bulkId,
    idem,
    rows: first.rows,
    batchSize,
    ownOnly,
    offset: Math.min(batchSize, first.rows.length),
    ended: new Set(first.outcome.ended),
    revoked: first.outcome.revoked,
    skipped: first.outcome.skipped,
    batches: 1,
  };
  // In the request while it has time (most runs end here), then in the background; Persona's rate limit sends the
  // rest to the background at once, where it is waited out.
  const until = Math.min(started + IN_REQUEST_MS, (ctx.deadlineAt ?? Number.POSITIVE_INFINITY) - ANSWER_MARGIN_MS);
  let end: 'done' | 'paused';
  try {
    end = await runBatches(ctx, run, runBatch, { until });
  } catch (error) {
    // A batch failed for good after the run began (its event and first batch are committed): say so for a repeat
    // of this request, with what was done, instead of leaving it "under way". Best effort — if the database is
    // gone, the error that stopped the run is the one to answer.
    await record(ctx, run, 'failed').catch(() => undefined);
    throw error;
  }
  if (end === 'done') return replayed(await record(ctx, run, 'done'), ctx.now());
  const running = await record(ctx, run, 'running');
  continueInBackground(ctx, run, reason);
  return replayed(running, ctx.now());
}
