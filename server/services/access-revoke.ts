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
import { withProviderRetries } from './provider-retries.js';
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
  status: 'done' | 'running' | 'failed';
  revoked?: number;
  skipped?: number;
  batches?: number;
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
      const codeStillOpens = link.kind === 'one_time' && link.first_used_at === null && link.expires_at > now;
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

const replayed = (stored: StoredBulk): RevokeMatchingOutput => ({
  bulkId: stored.bulkId,
  count: stored.count,
  revoked: stored.revoked ?? null,
  skipped: stored.skipped ?? null,
  batches: stored.batches ?? null,
  status: stored.status,
});

export async function revokeMatching(ctx: ActionContext, input: RevokeMatchingInput): Promise<RevokeMatchingOutput> {
  const { db } = ctx.database;
  const { expectedCount, reason, idempotencyKey, ...filterInput } = input;
  const { filter: asAsked, scope } = await resolveFilter(db, ctx.staff, 'access:revoke', filterInput);
  const ownOnly = scope === 'own';
  await ctx.provider.ready();
  const asOf = ctx.now();
  const filter = revocable(asAsked, asOf);
  const idem: IdempotencyClaim = { scope: `${ctx.staff.id}:access.revokeMatching`, key: idempotencyKey, requestHash: requestHash(input) };
  const bulkId = newId('bulk');
  // With Persona each row is its own transaction: a session Persona has expired is never rolled back here with a
  // failed batch (one call per session; Persona's rate limit may stop a long run, recorded as failed with what it did).
  const batchSize = ctx.provider.name === 'persona' ? 1 : BATCH_SIZE;
  // A batch whose Persona call failed with an unknown outcome (5xx, timeout) rolled back: run again, with the same
  // session-derived key, as any action is — each failed attempt recorded as provider.call_failed.
  const attempt = { action: 'bulk_revoke', procedure: 'access.revokeMatching', target: { type: 'access_report', id: bulkId }, reason };
  const withRetries = <T>(batch: () => Promise<T>) =>
    withProviderRetries(ctx, () => retried(batch), (failure, n, retrying) => recordProviderFailure(ctx, attempt, failure, n, retrying));

  // The first transaction: the key claimed before anything else is locked, the set fixed and checked against the
  // count confirmed, the one audit event, and the first batch.
  const first = await withRetries(() =>
    db.transaction().execute(async (trx) => {
      const stored = await claim<StoredBulk>(trx, idem, asOf);
      if (stored) return { replay: replayed(stored) } as const;
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
      await writeTogether(trx, [recordWrite(idem, { bulkId, count: rows.length, status: 'running' } satisfies StoredBulk)]);
      return { rows, outcome } as const;
    }),
  );
  if ('replay' in first) return first.replay;

  const ended = new Set(first.outcome.ended);
  let { revoked, skipped } = first.outcome;
  let batches = 1;
  try {
    for (let offset = batchSize; offset < first.rows.length; offset += batchSize) {
      const chunk = first.rows.slice(offset, offset + batchSize);
      const now = ctx.now();
      const outcome = await withRetries(() => db.transaction().execute((trx) => revokeBatch(ctx, trx, chunk, ended, now, bulkId, ownOnly)));
      for (const id of outcome.ended) ended.add(id);
      revoked += outcome.revoked;
      skipped += outcome.skipped;
      batches += 1;
    }
  } catch (error) {
    // A batch failed for good after the run began (its event and first batch are committed): say so for a repeat
    // of this request, with what was done, instead of leaving it "under way" until the key expires. Best effort —
    // if the database is gone, the error that stopped the run is the one to answer.
    const failed: StoredBulk = { bulkId, count: first.rows.length, status: 'failed', revoked, skipped, batches };
    await db
      .transaction()
      .execute((trx) => writeTogether(trx, [recordWrite(idem, failed)]))
      .catch(() => undefined);
    throw error;
  }
  const done: StoredBulk = { bulkId, count: first.rows.length, status: 'done', revoked, skipped, batches };
  await db.transaction().execute((trx) => writeTogether(trx, [recordWrite(idem, done)]));
  return replayed(done);
}
