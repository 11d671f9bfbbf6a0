import { staffActor, SYSTEM_ACTOR, type StaffPrincipal } from '../auth/principal.js';
import type { Database } from '../db/index.js';
import type { AppDeps, RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import { createPersonaClient, type PersonaClient } from '../providers/persona/client.js';
import { backfillGate, rateGateFor } from '../providers/persona/rate-gate.js';
import type { SyncStatusOutput } from '../../shared/persona-sync.js';
import { auditRequestContext } from './audit.js';
import {
  alreadyRunningError,
  claimRun,
  describeRun,
  inquiriesMirroredYet,
  latestSyncRun,
  STALE_AFTER_MS,
  SyncAlreadyRunning,
  walkRun,
  type SyncStarter,
} from './persona-sync.js';

/**
 * The backfill inside the running server (the embedded database belongs to one process, so `npm run sync:persona`
 * cannot open it while the server runs): an admin starts it from the console (`persona.startSync`) and watches it
 * (`persona.syncStatus`), and a server whose provider is Persona starts one by itself on an empty database. The walk
 * runs in the background of this process; shutdown cancels it (the run is interrupted, resumable).
 */

/** How long one request may wait for the shared rate gate before the walk waits for Persona's reset itself. */
const SYNC_GATE_WAIT_MS = 10 * 60_000;

interface Job {
  runId: string;
  cancel: AbortController;
  stop: AbortController;
  done: Promise<unknown>;
  waitingUntil: Date | null;
}
const jobs = new WeakMap<Database, Job>();

function personaSettings(deps: Pick<AppDeps, 'config'>) {
  if (deps.config.inquiryProvider !== 'persona' || !deps.config.persona) {
    throw new AppError('PRECONDITION_FAILED', 'The provider is local (INQUIRY_PROVIDER=local): there is no Persona to sync from.', { reason: 'provider_local' });
  }
  return deps.config.persona;
}

/** The backfill's client: the provider's rate gate (shared with its calls), and patient with it. */
export function syncClient(deps: Pick<AppDeps, 'config' | 'database' | 'now' | 'log'>): PersonaClient {
  const persona = personaSettings(deps);
  return createPersonaClient({
    apiUrl: persona.apiUrl,
    apiKey: persona.apiKey,
    version: persona.version,
    timeoutMs: persona.timeoutMs,
    gate: backfillGate(rateGateFor(deps.database, persona.rateLimitPerMinute)),
    now: deps.now,
    log: deps.log,
    maxGateWaitMs: SYNC_GATE_WAIT_MS,
  });
}

/** Claims a run and walks it in the background of this process. */
async function startJob(
  deps: AppDeps,
  starter: SyncStarter,
  options: { fresh?: boolean; client?: PersonaClient; sleep?: (ms: number) => Promise<void>; staleAfterMs?: number },
) {
  const client = options.client ?? syncClient(deps);
  let run;
  try {
    run = await claimRun(deps, starter, { fresh: options.fresh ?? false, ...(options.staleAfterMs !== undefined ? { staleAfterMs: options.staleAfterMs } : {}) });
  } catch (error) {
    if (error instanceof SyncAlreadyRunning) throw alreadyRunningError(error);
    throw error;
  }
  const job: Job = { runId: run.id, cancel: new AbortController(), stop: new AbortController(), done: Promise.resolve(), waitingUntil: null };
  job.done = walkRun(deps, run, {
    client,
    signal: job.stop.signal,
    cancel: job.cancel.signal,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    onProgress: (progress) => {
      job.waitingUntil = progress.waitingUntil;
    },
  })
    .catch((error: unknown) => deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'Persona sync stopped unexpectedly'))
    .finally(() => {
      if (jobs.get(deps.database) === job) jobs.delete(deps.database);
    });
  jobs.set(deps.database, job);
  return run;
}

/** `persona.syncStatus`: the latest run, wherever it runs (this process, another instance, the CLI). */
export async function syncStatus(deps: Pick<AppDeps, 'config' | 'database' | 'now'>): Promise<SyncStatusOutput> {
  personaSettings(deps);
  const run = await latestSyncRun(deps);
  if (!run) return { run: null, resumable: false };
  const job = jobs.get(deps.database);
  const waitingUntil = job && job.runId === run.id ? job.waitingUntil : null;
  return { run: describeRun(run, deps.now(), waitingUntil), resumable: run.status === 'interrupted' || run.status === 'failed' };
}

/** `persona.startSync` (admin): starts or resumes a run here, audited as `persona.sync_started`. */
export async function startSyncAs(ctx: RequestDeps & { staff: StaffPrincipal }, input: { fresh: boolean; reason: string }): Promise<SyncStatusOutput> {
  personaSettings(ctx);
  await startJob(ctx, { startedBy: ctx.staff.id, actor: staffActor(ctx.staff), request: auditRequestContext(ctx), reason: input.reason }, { fresh: input.fresh });
  return syncStatus(ctx);
}

/**
 * At start-up with INQUIRY_PROVIDER=persona: an empty inquiry table means nothing was mirrored yet, so the server
 * starts the backfill (resuming one a previous process left). Returns the run's id, or null when it did not start
 * one (not Persona, inquiries present, or a run already going elsewhere).
 */
export async function startSyncIfEmpty(deps: AppDeps, options: { client?: PersonaClient; sleep?: (ms: number) => Promise<void> } = {}): Promise<string | null> {
  const outcome = await trySyncIfEmpty(deps, options);
  return 'runId' in outcome ? outcome.runId : null;
}

type StartOutcome = { runId: string } | { skipped: 'not_needed' | 'running_elsewhere' };

async function trySyncIfEmpty(deps: AppDeps, options: { client?: PersonaClient; sleep?: (ms: number) => Promise<void> }): Promise<StartOutcome> {
  if (deps.config.inquiryProvider !== 'persona') return { skipped: 'not_needed' };
  if (await inquiriesMirroredYet(deps)) return { skipped: 'not_needed' };
  try {
    // The embedded database is this process's alone (its data-dir lock says so): a run marked running is a crashed
    // process's, however fresh its heartbeat, and is taken over at once rather than waited out.
    const staleAfterMs = deps.database.kind === 'pglite' ? 0 : undefined;
    const run = await startJob(
      deps,
      { startedBy: 'server', actor: { ...SYSTEM_ACTOR, display: 'Inquiry Desk (empty database at start-up)' } },
      { ...options, ...(staleAfterMs !== undefined ? { staleAfterMs } : {}) },
    );
    deps.log.info({ runId: run.id, resumedFrom: run.resumed_from }, 'Persona provider with no inquiries yet: backfill started');
    return { runId: run.id };
  } catch (error) {
    if (error instanceof AppError && error.code === 'CONFLICT') return { skipped: 'running_elsewhere' };
    throw error;
  }
}

/**
 * startSyncIfEmpty at start-up, and again while a run marked running elsewhere keeps it from starting: that run may
 * be a crashed process's (a server restarted soon after a crash, on PostgreSQL, cannot tell), so the server asks
 * again once its heartbeat would be stale (`everyMs`), and takes it over then — or stops asking when inquiries have
 * arrived (the other run is alive and mirroring). Returns a stop for shutdown.
 */
export function startSyncWhenFree(deps: AppDeps, options: { everyMs?: number; client?: PersonaClient } = {}): () => void {
  const everyMs = options.everyMs ?? STALE_AFTER_MS + 5_000;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const attempt = async () => {
    timer = null;
    if (stopped) return;
    try {
      const outcome = await trySyncIfEmpty(deps, options.client ? { client: options.client } : {});
      if (!('skipped' in outcome) || outcome.skipped !== 'running_elsewhere') return;
      deps.log.info({ retryInMs: everyMs }, 'Persona provider with no inquiries yet: a backfill is marked running elsewhere; asking again once its heartbeat would be stale');
    } catch (error) {
      deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'Persona backfill could not start');
      return;
    }
    if (stopped) return;
    timer = setTimeout(() => void attempt(), everyMs);
    timer.unref();
  };
  void attempt();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** For tests: the background walk of this database's job, if one runs here. */
export function syncJobDone(database: Database): Promise<unknown> | null {
  return jobs.get(database)?.done ?? null;
}

/** Shutdown: the run in this process stops now (interrupted, resumable from its last page) and is recorded so. */
export async function stopSyncJobs(database: Database): Promise<void> {
  const job = jobs.get(database);
  if (!job) return;
  job.stop.abort();
  job.cancel.abort();
  await job.done;
}
