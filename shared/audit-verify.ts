import { z } from 'zod';

/**
 * `audit.verify()` (DESIGN §7; `audit:export`): the audit chain recomputed from seq 1 to its head, and compared
 * with every checkpoint written outside the database (AUDIT_CHECKPOINT_FILE; docs/security.md#checkpoints).
 */

// Read back from the database as they are: a tampered value must still be reported, not refused.
const Hash = z.string();

export const CheckpointSchema = z.object({
  seq: z.number().int().nonnegative(),
  hash: Hash,
  /** When the running server took it (ISO-8601 UTC, as written in the file). */
  at: z.string(),
});
export type Checkpoint = z.infer<typeof CheckpointSchema>;

export const CHECKPOINT_PROBLEMS = ['hash_differs', 'event_missing', 'beyond_head'] as const;
export type CheckpointProblem = (typeof CHECKPOINT_PROBLEMS)[number];

export const CheckpointMismatchSchema = CheckpointSchema.extend({
  /** hash_differs: rewritten; event_missing: deleted; beyond_head: events removed from the chain's end. */
  problem: z.enum(CHECKPOINT_PROBLEMS),
  /** The hash the database holds for the checkpoint's seq; null when there is no event there. */
  databaseHash: Hash.nullable(),
  /** The highest seq below whose checkpoint agrees (0: none): the changed event lies after it. */
  changedAfterSeq: z.number().int().nonnegative(),
});
export type CheckpointMismatch = z.infer<typeof CheckpointMismatchSchema>;

export const CheckpointComparisonSchema = z.object({
  /** The checkpoint file compared with (the server's AUDIT_CHECKPOINT_FILE). */
  file: z.string(),
  /** False when it does not exist yet (no checkpoint written so far). */
  found: z.boolean(),
  compared: z.number().int().nonnegative(),
  agreed: z.number().int().nonnegative(),
  latest: CheckpointSchema.nullable(),
  /** Lowest seq first, the first 20; mismatchCount counts all. */
  mismatches: z.array(CheckpointMismatchSchema),
  mismatchCount: z.number().int().nonnegative(),
  /** Lines of the file that are not checkpoints. */
  unreadableLines: z.number().int().nonnegative(),
  firstUnreadableLine: z.number().int().positive().nullable(),
});
export type CheckpointComparison = z.infer<typeof CheckpointComparisonSchema>;

export const AuditVerifyOutputSchema = z.object({
  /** The chain holds and agrees with every checkpoint. */
  ok: z.boolean(),
  /** Events proven intact from seq 1 (all of them when ok). */
  checked: z.number().int().nonnegative(),
  /** The chain head recorded when verification started. */
  headSeq: z.number().int().nonnegative(),
  headHash: Hash,
  /** The first seq proven broken (by the chain itself or by a checkpoint); null when ok. */
  firstBrokenSeq: z.number().int().positive().nullable(),
  durationMs: z.number().int().nonnegative(),
  verifiedAt: z.date(),
  /** null: no checkpoint file is configured on the server (AUDIT_CHECKPOINT_FILE). */
  checkpoints: CheckpointComparisonSchema.nullable(),
  /** Checkpoints also go to a webhook (AUDIT_CHECKPOINT_WEBHOOK_URL), which only its owner can compare with. */
  webhookConfigured: z.boolean(),
});
export type AuditVerifyOutput = z.infer<typeof AuditVerifyOutputSchema>;
