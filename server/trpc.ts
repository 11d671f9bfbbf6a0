import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { AppError } from './errors.js';
import type { Context } from './context.js';

/** Turns zod issues into sentences that name the field, e.g. "limit: must be at most 100". */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'input';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : null;
    const app = error.cause instanceof AppError ? error.cause : null;
    // Never send a stack trace, and never echo an unexpected error's message: it may carry internals.
    const message = zod
      ? `Invalid input — ${describeZodError(zod)}`
      : error.code === 'INTERNAL_SERVER_ERROR'
        ? 'Something went wrong on the server. The request id in the logs identifies it.'
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

/** Maps AppError (thrown by services) to the matching tRPC error. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapAppErrors);
