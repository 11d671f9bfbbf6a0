/**
 * The only error services throw on purpose. One errorFormatter (server/trpc.ts) and one Express handler
 * (server/app.ts) map it to tRPC codes and HTTP statuses, so no layer below the routers knows about either.
 */
export type AppErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS'
  /** Something this server depends on (the mail server) failed: nothing was done, and trying again may work. */
  | 'SERVICE_UNAVAILABLE';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Safe, structured detail for the client (never secrets). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  TOO_MANY_REQUESTS: 429,
  SERVICE_UNAVAILABLE: 503,
};
