import { performance } from 'node:perf_hooks';
import { initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { transformer } from './transformer.js';
import { ZodError, type z } from 'zod';
import { AppError } from './errors.js';
import { unavailableMessage } from './db/faults.js';
import type { Context } from './deps.js';
import { hasPermission, type Permission } from '../shared/permissions.js';
import { findControlCharacter } from '../shared/text.js';
import { countGuardedAction, GUARDED_PROCEDURES, refusalReason } from './metrics/index.js';
import { auditRequestContext } from './services/audit.js';
import { isSensitivePermission, recordAccessDenied } from './services/refusal-audit.js';

/** The most procedures one HTTP request may batch (app.ts; the client's batch link sends no more). */
export const MAX_BATCH_SIZE = 10;

/**
 * A zod schema as a procedure's input or output parser, parsed synchronously. tRPC runs a zod schema with
 * `parseAsync`, which zod 4 takes through its general path; `parse` runs the object parser it compiles once per
 * schema, about 8× faster (a page of 50 access report rows: 193 against 25 µs). For the paged lists, whose output is
 * a page of rows on every request (docs/performance.md, "The report's own connections and synchronous parsing"). Only for schemas without
 * async refinements or transforms: those throw here. The types are the schema's, input and output, as with the
 * schema itself.
 */
export function syncParser<S extends z.ZodType>(schema: S): { _input: z.input<S>; _output: z.output<S>; parse: (value: unknown) => z.output<S> } {
  return {
    _input: undefined as unknown as z.input<S>,
    _output: undefined as unknown as z.output<S>,
    parse: (value) => schema.parse(value),
  };
}

/** tRPC's own message when a batch is larger. */
const BATCH_TOO_LARGE = 'Batch call exceeds maximum size';

/** Turns zod issues into sentences that name the field, e.g. "limit: must be at most 100". */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * What a procedure declares about who may call it. Every procedure declares exactly one of these through the
 * factory it is built from; test/server/permissions-matrix.test.ts walks every procedure against every role.
 */
export interface ProcedureMeta {
  /** The permission (shared/permissions.ts) the caller's role must hold. */
  permission?: Permission;
  /** Any signed-in member of staff (their own account). */
  authenticated?: true;
  /** Anyone, signed in or not. Kept to a short reviewed list (the permissions matrix test names it). */
  public?: true;
  /** Callable while a one-time password still has to be replaced (sign-in state, change password). */
  allowedBeforePasswordChange?: true;
}

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  transformer,
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    const app = error.cause instanceof AppError ? error.cause : null;
    // Never send a stack trace, and never echo an unexpected error's message: it may carry internals.
    // An error of our own (or of zod) is worded for the person; anything else that caused it (a JSON or superjson
    // parse failure: "Maximum call stack size exceeded", "Invalid flags supplied to RegExp constructor") is not,
    // and is logged instead (app.ts onError).
    const foreignCause = error.cause !== undefined && !zod && !app;
    const message = zod
      ? `Invalid input — ${describeZodError(zod)}`
      : error.code === 'INTERNAL_SERVER_ERROR'
        ? 'Something went wrong on the server. The request id in the logs identifies it.'
        : error.message === BATCH_TOO_LARGE
          ? `A request may carry at most ${MAX_BATCH_SIZE} procedures: send the rest in another request.`
          : foreignCause
            ? 'The request could not be read: its input is malformed.'
            : error.message;
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message,
      data: {
        ...data,
        fieldErrors: zod ? zod.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })) : null,
        details: app?.details ?? null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/** Maps AppError (thrown by services) to the matching tRPC error, and a lost database connection to a 503. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  // A lost database connection or a statement over its time limit is not the caller's fault, nor a bug: 503, try again.
  const unavailable = result.ok ? null : unavailableMessage(result.error.cause);
  if (unavailable) {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: unavailable, cause: new AppError('SERVICE_UNAVAILABLE', unavailable, { retryable: true }) });
  }
  return result;
});

function forbidden(message: string, details: Record<string, unknown>): TRPCError {
  return new TRPCError({ code: 'FORBIDDEN', message, cause: new AppError('FORBIDDEN', message, details) });
}

/**
 * Deny by default: a procedure is callable only as its meta says. It reads the final meta of the procedure, so
 * the permission that is checked is always the one the procedure declares.
 */
const enforceAccess = t.middleware(({ ctx, meta, next }) => {
  if (meta?.public && !meta.permission) return next();
  const staff = ctx.staff;
  if (!staff) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  if (staff.mustChangePassword && !meta?.allowedBeforePasswordChange) {
    throw forbidden('Choose a new password before continuing: you signed in with a one-time password.', { reason: 'password_change_required' });
  }
  if (meta?.permission) {
    if (!hasPermission(staff.role, meta.permission)) {
      throw forbidden(`Your role (${staff.role}) does not have the permission '${meta.permission}'.`, { missingPermission: meta.permission });
    }
    return next();
  }
  if (meta?.authenticated) return next();
  throw forbidden('This procedure declares no permission, so nobody may call it.', { reason: 'undeclared_permission' });
});

/**
 * A 403 on a procedure that needs a sensitive permission (SENSITIVE_PERMISSIONS) leaves an `access.denied` event,
 * whether enforceAccess refused the role or the service refused the permission's scope (support revoking what
 * someone else issued), so a probing insider leaves a trail (services/refusal-audit.ts; flood-bounded there).
 * Outside enforceAccess, so it sees both; the answer is the same 403 either way.
 */
const auditDenials = t.middleware(async ({ ctx, meta, path, getRawInput, next }) => {
  const result = await next();
  const permission = meta?.permission;
  if (result.ok || !ctx.staff || !permission || !isSensitivePermission(permission)) return result;
  const cause = result.error.cause;
  if (!(cause instanceof AppError) || cause.code !== 'FORBIDDEN' || cause.details?.reason === 'password_change_required') return result;
  const rawInput = await getRawInput().catch(() => undefined);
  await recordAccessDenied({ ...ctx, staff: ctx.staff, request: auditRequestContext(ctx) }, { procedure: path, permission, error: cause, rawInput });
  return result;
});

/** Narrows ctx.staff for procedures that run only for a signed-in person (enforceAccess has checked). */
const withStaff = t.middleware(({ ctx, next }) => {
  if (!ctx.staff) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  return next({ ctx: { staff: ctx.staff } });
});

/**
 * No text input may carry a control character (shared/text.ts): refused with a 400 naming the field, before any
 * procedure sees it — PostgreSQL would answer a NUL with an error, and the rest hide in logs and exports.
 */
const refuseControlCharacters = t.middleware(async ({ getRawInput, next }) => {
  const finding = findControlCharacter(await getRawInput());
  if (finding) {
    const message = `${finding.path}: must not contain control characters (found ${finding.codePoint}); remove it and try again.`;
    throw new TRPCError({ code: 'BAD_REQUEST', message, cause: new AppError('BAD_REQUEST', message, { field: finding.path }) });
  }
  return next();
});

/**
 * Times every procedure call (each call of a batch) and counts its errors by final tRPC code, and the guarded
 * actions' outcomes (server/metrics). Outermost, so it sees the code the caller gets.
 */
const measure = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const { metrics } = ctx;
  metrics.procedureDuration.observe({ procedure: path, type }, (performance.now() - started) / 1000);
  if (!result.ok) metrics.procedureErrors.inc({ procedure: path, code: result.error.code });
  const action = GUARDED_PROCEDURES.get(path);
  if (action) {
    const status = result.ok ? 200 : getHTTPStatusCodeFromError(result.error);
    countGuardedAction(metrics, action, status < 400 ? 'ok' : status < 500 ? 'refused' : 'error', result.ok ? undefined : refusalReason(result.error.code));
  }
  return result;
});

const guardedProcedure = t.procedure.use(measure).use(mapAppErrors).use(auditDenials).use(enforceAccess).use(refuseControlCharacters);

/** Anyone may call it, signed in or not. Only for sign-in state (auth.me, auth.signInOptions). */
export const publicProcedure = guardedProcedure.meta({ public: true });

/** Any signed-in member of staff; anonymous callers get UNAUTHORIZED. `ctx.staff` is set. */
export const authedProcedure = guardedProcedure.meta({ authenticated: true }).use(withStaff);

/** A signed-in member of staff whose role holds `permission` (FORBIDDEN naming it otherwise). */
export function permissionProcedure(permission: Permission) {
  return authedProcedure.meta({ permission });
}
