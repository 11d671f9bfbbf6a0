import type { AuditActor } from '../audit/canonical.js';
import { newId } from '../crypto.js';
import type { Database } from '../db/index.js';
import { isConnectionLoss, unavailableMessage } from '../db/faults.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { PersonaError, type PersonaClient } from '../providers/persona/client.js';
import { remoteInquiry, remoteSession, type InquiryResource, type RemoteInquiry, type RemoteSession } from '../providers/persona/wire.js';
import { catalogueRenumbered, catalogueTemplateIds, inquiryMirrored, sessionMirrored } from '../repositories/inquiry-store/index.js';
import * as repo from '../repositories/persona-sync.js';
import type { SyncRunRow } from '../repositories/persona-sync.js';
import { appendAuditEvent, type AuditRequestContext } from './audit.js';
import { describeRun, STALE_AFTER_MS, type SyncProgress } from './persona-sync-progress.js';

export { describeRun, STALE_AFTER_MS, type SyncProgress } from './persona-sync-progress.js';

/**
 * The Persona backfill (docs/persona.md, "Backfill"): walks Persona's inquiry list newest first, 100 a page, and each
 * inquiry's sessions, through the shared rate gate, writing what it reads with the mirror's ordering rule (a listed
 * state older than what a webhook already wrote is ignored), so it is safe beside webhooks. Its cursor and counts are
 * committed after every page, so a run that stops — interrupted, failed, its process killed — is resumed from there
 * by the next. One run at a time, whichever process runs it: `npm run sync:persona`, or the server (an admin's Start,
 * or by itself on an empty database).
 */

export const PAGE_SIZE = 100;
const HEARTBEAT_MS = 15_000;
/** 5xx/timeouts in a row on one request before the run stops as failed (resumable): 1 s, 2 s, 4 s, 8 s, 16 s. */
const UNAVAILABLE_RETRIES = 5;
const UNAVAILABLE_BASE_MS = 1000;
/** 429s in a row on one request before the run stops (each wait honours Persona's reset). */
const RATE_LIMITED_RETRIES = 30;
const MAX_ERROR_LENGTH = 500;

export interface SyncDeps {
  database: Pick<Database, 'db'>;
  now: () => Date;
  log?: Logger;
}

/** Who starts a run: recorded on the run (`started_by`) and in the audit log (`persona.sync_started`). */
export interface SyncStarter {
  /** A staff id, 'cli' or 'server'. */
  startedBy: string;
  actor: AuditActor;
  request?: AuditRequestContext;
  /** Why (a person's start); recorded with the audit event. */
  reason?: string;
}

export interface ClaimOptions {
  /** Start again from the newest inquiry instead of resuming an interrupted or failed run. */
  fresh?: boolean;
  /** Only inquiries created at or after it (a fresh run only; a resumed run keeps its own). */
  since?: Date | null;
  staleAfterMs?: number;
}

/** Thrown by `claimRun` when another run is in progress: the service layer words it for a person. */
export class SyncAlreadyRunning extends Error {
  override readonly name = 'SyncAlreadyRunning';
  constructor(readonly run: SyncRunRow | undefined) {
    super(run ? `A Persona sync is already running (started ${run.started_at.toISOString()} by ${run.started_by}).` : 'A Persona sync is already running.');
  }
}

/**
 * Starts a run, or resumes the last one when it was interrupted or failed (its cursor and counts carried forward),
 * and records `persona.sync_started` in the same transaction. A run whose process stopped beating is marked
 * interrupted first, so it is resumed rather than waited for. Throws SyncAlreadyRunning when one is in progress.
 */
export async function claimRun(deps: SyncDeps, starter: SyncStarter, options: ClaimOptions = {}): Promise<SyncRunRow> {
  const { db } = deps.database;
  const now = deps.now();
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const run = await db.transaction().execute(async (trx) => {
    const stale = await repo.interruptStaleRuns(trx, new Date(now.getTime() - staleAfterMs), now, `No heartbeat for ${Math.round(staleAfterMs / 1000)} s: the process running it stopped.`);
    const latest = await repo.latestRun(trx);
    const resumable = !options.fresh && latest && (latest.status === 'interrupted' || latest.status === 'failed') ? latest : null;
    // What is left is estimated against the oldest inquiry expected: --since, or the oldest already mirrored when a
    // whole walk has been made before (otherwise the database may hold only a recent part: no estimate).
    const since = options.since ?? null;
    const lowerBoundAt = since ?? ((await repo.hasCompletedWalk(trx)) ? await repo.oldestInquiryCreatedAt(trx) : null);
    const inserted = await repo.insertRun(trx, { id: newId('psync'), startedAt: now, startedBy: starter.startedBy, resumedFrom: resumable, since, lowerBoundAt });
    if (!inserted) return null;
    await appendAuditEvent(trx, {
      actor: starter.actor,
      action: 'persona.sync_started',
      target: { type: 'persona_sync', id: inserted.id },
      reason: starter.reason ?? null,
      metadata: {
        resumedFrom: inserted.resumed_from,
        cursor: inserted.cursor,
        since: inserted.since?.toISOString() ?? null,
        carried: { inquiries: inserted.inquiries, sessions: inserted.sessions, pages: inserted.pages },
        ...(stale.length > 0 ? { tookOverStale: stale } : {}),
      },
      ...(starter.request ? { request: starter.request } : {}),
      occurredAt: now,
    });
    return inserted;
  });
  if (!run) throw new SyncAlreadyRunning(await repo.latestRun(db));
  return run;
}

export interface WalkOptions {
  client: PersonaClient;
  onProgress?: (progress: SyncProgress) => void;
  /** Stop after the current page (SIGINT, an admin's stop): the run is interrupted, resumable from its cursor. */
  signal?: AbortSignal;
  /** Stop now (shutdown, a second SIGINT): the current page is abandoned, resumable from the page before. */
  cancel?: AbortSignal;
  /** Waiting (rate limit, back-off); tests pass one that moves their clock. */
  sleep?: (ms: number) => Promise<void>;
  pageSize?: number;
  heartbeatMs?: number;
}

export type SyncOutcome = SyncProgress & { status: 'done' | 'failed' | 'interrupted' };

class Cancelled extends Error {
  override readonly name = 'Cancelled';
}
class RunTakenOver extends Error {
  override readonly name = 'RunTakenOver';
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const clip = (text: string) => (text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text);
const messageOf = (error: unknown) => clip(error instanceof Error ? error.message : String(error));

/** `claimRun` then `walkRun`: the whole backfill, as the CLI runs it. */
export async function runSync(deps: SyncDeps, starter: SyncStarter, options: WalkOptions & ClaimOptions): Promise<SyncOutcome> {
  const run = await claimRun(deps, starter, options);
  return walkRun(deps, run, options);
}

/** One inquiry of a page, as read: what the mirror will be told. */
interface Listed {
  inquiry: RemoteInquiry;
  sessions: RemoteSession[];
}

/**
 * Walks from the run's cursor to the end of Persona's list (or to `since`), a page at a time: the page's inquiries
 * and their sessions are read first (Persona calls never happen inside a database transaction), then each inquiry
 * is mirrored with its sessions in one short transaction, then the cursor and counts move. Never throws for what
 * Persona or the data did: the outcome says how the run ended.
 */
export async function walkRun(deps: SyncDeps, claimed: SyncRunRow, options: WalkOptions): Promise<SyncOutcome> {
  const { db } = deps.database;
  const sleep = options.sleep ?? realSleep;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  let run: SyncRunRow = { ...claimed };
  let waitingUntil: Date | null = null;
  const report = () => options.onProgress?.(describeRun(run, deps.now(), waitingUntil));

  // The run's own stop: a cancel from outside, or losing the run to a takeover (its heartbeat was not seen).
  const halt = new AbortController();
  const onCancel = () => halt.abort();
  options.cancel?.addEventListener('abort', onCancel);
  if (options.cancel?.aborted) halt.abort();
  let takenOver = false;
  const beat = setInterval(() => {
    repo.heartbeat(db, run.id, deps.now()).then(
      (mine) => {
        if (!mine) {
          takenOver = true;
          halt.abort();
        }
      },
      (error: unknown) => deps.log?.warn({ err: messageOf(error), runId: run.id }, 'Persona sync: heartbeat failed'),
    );
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  beat.unref();

  const wait = async (ms: number) => {
    if (halt.signal.aborted) throw new Cancelled();
    waitingUntil = new Date(deps.now().getTime() + ms);
    report();
    let onHalt: () => void = () => undefined;
    try {
      await Promise.race([sleep(ms), new Promise<never>((_, reject) => halt.signal.addEventListener('abort', (onHalt = () => reject(new Cancelled())), { once: true }))]);
    } finally {
      halt.signal.removeEventListener('abort', onHalt);
      waitingUntil = null;
    }
  };

  /** A Persona call, waiting out 429s (Persona's reset) and retrying 5xx/timeouts with back-off; else it throws. */
  const persistently = async <T>(call: () => Promise<T>): Promise<T> => {
    let unavailable = 0;
    let limited = 0;
    for (;;) {
      if (halt.signal.aborted) throw new Cancelled();
      try {
        return await call();
      } catch (error) {
        // Stopped (shutdown, cancel, a takeover) while waiting for the gate or an answer: whatever it threw.
        if (halt.signal.aborted) throw new Cancelled();
        if (!(error instanceof PersonaError)) throw error;
        if (error.kind === 'rate_limited' && limited < RATE_LIMITED_RETRIES) {
          limited += 1;
          await wait(Math.max(error.retryAfterMs ?? 1000, 100));
        } else if (error.kind === 'unavailable' && unavailable < UNAVAILABLE_RETRIES) {
          deps.log?.warn({ operation: error.operation, status: error.status, attempt: unavailable + 1 }, 'Persona sync: Persona unavailable, retrying');
          await wait(UNAVAILABLE_BASE_MS * 2 ** unavailable);
          unavailable += 1;
        } else {
          throw error;
        }
      }
    }
  };

  const finish = async (status: SyncOutcome['status'], lastError: string | null): Promise<SyncOutcome> => {
    clearInterval(beat);
    options.cancel?.removeEventListener('abort', onCancel);
    const now = deps.now();
    if (!takenOver) {
      try {
        await repo.finishRun(db, run.id, { status, now, lastError });
      } catch (error) {
        deps.log?.error({ err: messageOf(error), runId: run.id }, 'Persona sync: could not record the end of the run');
      }
    }
    run = { ...run, status, finished_at: now, ...(status === 'done' ? { cursor: null } : {}), ...(lastError !== null ? { last_error: lastError } : {}) };
    const outcome = { ...describeRun(run, now, null), status };
    options.onProgress?.(outcome);
    deps.log?.info({ runId: run.id, status, inquiries: run.inquiries, sessions: run.sessions, pages: run.pages, errors: run.errors }, 'Persona sync ended');
    return outcome;
  };

  report();
  try {
    for (;;) {
      if (options.signal?.aborted) return await finish('interrupted', null);
      const page = await persistently(() => options.client.listInquiries({ after: run.cursor, size: pageSize }, { signal: halt.signal }));
      const listed: Listed[] = [];
      let errors = 0;
      let lastError: string | null = null;
      let reachedSince = false;
      const failed = (what: string, error: unknown) => {
        errors += 1;
        lastError = clip(`${what}: ${messageOf(error)}`);
        deps.log?.warn({ runId: run.id, error: lastError }, 'Persona sync: skipped');
      };
      for (const resource of page.data) {
        if (halt.signal.aborted) throw new Cancelled();
        if (run.since && new Date(resource.attributes['created-at']).getTime() < run.since.getTime()) {
          reachedSince = true;
          break;
        }
        let inquiry: RemoteInquiry;
        try {
          inquiry = remoteInquiry(resource);
        } catch (error) {
          failed(`inquiry ${resource.id}`, error);
          continue;
        }
        let sessions: RemoteSession[] = [];
        try {
          sessions = await sessionsOf(resource, (after) => persistently(() => options.client.listSessions(resource.id, { after, size: pageSize }, { signal: halt.signal })));
        } catch (error) {
          // A refusal about one inquiry (404: deleted or redacted meanwhile) skips its sessions, not the run.
          if (!(error instanceof PersonaError) || error.kind !== 'refused') throw error;
          failed(`sessions of ${resource.id}`, error);
        }
        listed.push({ inquiry, sessions });
      }

      let mirroredSessions = 0;
      for (const { inquiry, sessions } of listed) {
        if (halt.signal.aborted) throw new Cancelled(); // stopping now: the page is read again by the next run
        try {
          mirroredSessions += await db.transaction().execute(async (trx) => {
            await inquiryMirrored(trx, inquiry, inquiry.updatedAt);
            for (const session of sessions) await sessionMirrored(trx, session, session.updatedAt);
            return sessions.length;
          });
        } catch (error) {
          // The database going away stops the run (resumable); anything about this inquiry's data skips it.
          if (unavailableMessage(error) !== null || isConnectionLoss(error)) throw error;
          failed(`mirroring ${inquiry.id}`, error);
        }
      }

      const created = listed.map((l) => l.inquiry.createdAt.getTime());
      const cursor = reachedSince ? null : page.after;
      const step: repo.PageDone = {
        cursor,
        inquiries: listed.length,
        sessions: mirroredSessions,
        errors,
        lastError,
        newestCreatedAt: created.length > 0 ? new Date(Math.max(...created)) : null,
        oldestCreatedAt: created.length > 0 ? new Date(Math.min(...created)) : null,
        now: deps.now(),
      };
      if (!(await repo.pageDone(db, run.id, step))) throw new RunTakenOver();
      run = {
        ...run,
        cursor,
        pages: run.pages + 1,
        inquiries: run.inquiries + step.inquiries,
        sessions: run.sessions + step.sessions,
        errors: run.errors + step.errors,
        last_error: step.lastError ?? run.last_error,
        newest_created_at: run.newest_created_at ?? step.newestCreatedAt,
        oldest_created_at: step.oldestCreatedAt ?? run.oldest_created_at,
        heartbeat_at: step.now,
      };
      report();
      if (cursor === null) {
        // A walk newest first meets old versions last: number them by their earliest inquiry now that all are in.
        // The walk is complete whatever happens here (its cursor is saved): a failure is the run's last error, and
        // the next run's end renumbers again.
        try {
          for (const templateId of await catalogueTemplateIds(db)) await db.transaction().execute((trx) => catalogueRenumbered(trx, templateId));
        } catch (error) {
          deps.log?.warn({ err: messageOf(error), runId: run.id }, 'Persona sync: versions could not be renumbered');
          return await finish('done', `The walk is complete, but versions could not be renumbered (${messageOf(error)}): run the sync again to retry.`);
        }
        return await finish('done', null);
      }
    }
  } catch (error) {
    if (error instanceof Cancelled) {
      if (takenOver) return finish('interrupted', 'Taken over by another process after a missed heartbeat.');
      return finish('interrupted', null);
    }
    if (error instanceof RunTakenOver) {
      takenOver = true;
      return finish('interrupted', 'Taken over by another process after a missed heartbeat.');
    }
    deps.log?.error({ runId: run.id, err: messageOf(error) }, 'Persona sync failed');
    return finish('failed', messageOf(error));
  }
}

/** An inquiry's sessions: none to ask for when Persona's list already says it has none. */
async function sessionsOf(resource: InquiryResource, page: (after: string | null) => ReturnType<PersonaClient['listSessions']>): Promise<RemoteSession[]> {
  const named = resource.relationships?.sessions?.data;
  if (Array.isArray(named) && named.length === 0) return [];
  const sessions: RemoteSession[] = [];
  let after: string | null = null;
  do {
    const answer = await page(after);
    for (const s of answer.data) sessions.push(remoteSession(s, resource.id));
    after = answer.after;
  } while (after !== null);
  return sessions;
}

/** The latest run (for the status panel and the CLI's first line), or null before the first. */
export async function latestSyncRun(deps: SyncDeps): Promise<SyncRunRow | null> {
  return (await repo.latestRun(deps.database.db)) ?? null;
}

export async function inquiriesMirroredYet(deps: SyncDeps): Promise<boolean> {
  return repo.hasInquiries(deps.database.db);
}

/** A service-level refusal for a run already in progress. */
export function alreadyRunningError(error: SyncAlreadyRunning): AppError {
  return new AppError('CONFLICT', `${error.message} Wait for it to finish; its progress is on the Persona sync page.`, { reason: 'sync_running' });
}
