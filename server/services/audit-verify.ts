import { CheckpointFileError, verifyAuditLog, type AuditLogVerification } from '../audit/checkpoints.js';
import { staffActor, type StaffPrincipal } from '../auth/principal.js';
import type { Database } from '../db/index.js';
import type { RequestDeps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuditVerifyOutput } from '../../shared/audit-verify.js';
import { appendAuditEvent, auditRequestContext } from './audit.js';
import { takeAuditRead } from './audit-reads.js';

type ActorContext = RequestDeps & { staff: StaffPrincipal };

/** Worker threads one verification may use on PostgreSQL: the rest of the machine keeps serving requests. */
const SERVER_VERIFY_WORKERS = 2;

// One verification per database at a time in this process: requests that arrive while one runs share its answer
// (each is still audited), so repeated clicks cannot stack full scans of the log.
const running = new WeakMap<Database, Promise<AuditLogVerification>>();

function sharedVerification(ctx: ActorContext): Promise<AuditLogVerification> {
  const { database, config } = ctx;
  const inProgress = running.get(database);
  if (inProgress) return inProgress;
  const run = verifyAuditLog(database.db, {
    checkpointFile: config.auditCheckpoints.file,
    // On PostgreSQL long chains are checked in worker threads, which keeps this process's event loop free.
    ...(database.kind === 'postgres' && config.databaseUrl ? { databaseUrl: config.databaseUrl, workers: SERVER_VERIFY_WORKERS } : {}),
  }).finally(() => running.delete(database));
  running.set(database, run);
  return run;
}

/**
 * `audit.verify()`: the chain recomputed and compared with every checkpoint (server/audit/checkpoints.ts), then
 * recorded as `audit.verified` with its outcome — who checked the log, and what they were shown.
 */
export async function verifyAuditLogAs(ctx: ActorContext): Promise<AuditVerifyOutput> {
  // A verification is a recorded read of the log: counted (and refused past the bound) before the scan starts.
  await ctx.database.db.transaction().execute((trx) => takeAuditRead(trx, ctx.staff.id, ctx.now()));
  const result = await sharedVerification(ctx).catch((error: unknown) => {
    if (error instanceof CheckpointFileError) throw new AppError('SERVICE_UNAVAILABLE', `${error.message} Ask an administrator to fix its permissions.`);
    throw error;
  });
  const verifiedAt = ctx.now();
  const checkpoints = result.checkpoints;
  await ctx.database.db.transaction().execute((trx) =>
    appendAuditEvent(trx, {
      actor: staffActor(ctx.staff),
      action: 'audit.verified',
      target: null,
      metadata: {
        ok: result.ok,
        checked: result.checked,
        headSeq: result.headSeq,
        headHash: result.headHash,
        firstBrokenSeq: result.firstBrokenSeq,
        durationMs: result.durationMs,
        checkpoints: checkpoints ? { compared: checkpoints.compared, agreed: checkpoints.agreed, mismatches: checkpoints.mismatchCount, found: checkpoints.found } : null,
      },
      request: auditRequestContext(ctx),
      occurredAt: verifiedAt,
    }),
  );
  return {
    ok: result.ok,
    checked: result.checked,
    headSeq: result.headSeq,
    headHash: result.headHash,
    firstBrokenSeq: result.firstBrokenSeq,
    durationMs: result.durationMs,
    verifiedAt,
    checkpoints,
    webhookConfigured: ctx.config.auditCheckpoints.webhookUrl !== null,
  };
}
