import { z } from 'zod';
import { ReasonSchema } from './actions.js';

/**
 * The Persona backfill's progress (`persona.syncStatus`, `persona.startSync`; `npm run sync:persona`;
 * docs/persona.md, "Backfill"). Persona's list has no total, so what is left is an estimate: how far back the
 * walk has come in creation time, against the oldest inquiry expected — null when nothing says how far back it goes.
 */

export const SYNC_RUN_STATUSES = ['running', 'done', 'failed', 'interrupted'] as const;
export const SyncRunStatusSchema = z.enum(SYNC_RUN_STATUSES);
export type SyncRunStatus = z.infer<typeof SyncRunStatusSchema>;

export const SyncProgressSchema = z.object({
  runId: z.string(),
  status: SyncRunStatusSchema,
  /** A staff id, 'cli' or 'server'. */
  startedBy: z.string(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  /** The run this one resumed (its counts are included below). */
  resumedFrom: z.string().nullable(),
  /** Only inquiries created at or after it; null: all. */
  since: z.date().nullable(),
  inquiries: z.number().int().nonnegative(),
  sessions: z.number().int().nonnegative(),
  pages: z.number().int().nonnegative(),
  /** Inquiries or sessions skipped (unreadable, refused); last error says the latest. */
  errors: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  /** Inquiries per second in this run (not the runs it resumed); null before the first page. */
  ratePerSecond: z.number().nonnegative().nullable(),
  /** Estimated share of the walk done, 0–1; null when there is no lower bound to estimate against. */
  estimatedFraction: z.number().min(0).max(1).nullable(),
  /** Estimated seconds left at the current rate; null when not estimable (or not running). */
  etaSeconds: z.number().nonnegative().nullable(),
  /** The oldest creation time reached so far (pages go newest first). */
  reachedCreatedAt: z.date().nullable(),
  /** Waiting for Persona's rate limit or after an error, until then (only known to the process running it). */
  waitingUntil: z.date().nullable(),
  /** A running run whose heartbeat stopped: its process is gone, and the next start takes it over. */
  stale: z.boolean(),
});
export type SyncProgress = z.infer<typeof SyncProgressSchema>;

export const SyncStatusOutputSchema = z.object({
  /** The latest run, or null before the first. */
  run: SyncProgressSchema.nullable(),
  /** A start now would continue the latest run from its cursor (interrupted or failed). */
  resumable: z.boolean(),
});
export type SyncStatusOutput = z.infer<typeof SyncStatusOutputSchema>;

export const StartSyncInputSchema = z
  .object({
    /** Start again from the newest inquiry instead of resuming an interrupted or failed run. */
    fresh: z.boolean().default(false),
    /** Why, recorded with `persona.sync_started`. */
    reason: ReasonSchema,
  })
  .strict();
export type StartSyncInput = z.input<typeof StartSyncInputSchema>;
