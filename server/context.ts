import type { Request, Response } from 'express';
// pino-http augments Express's Request with `id` and `log`, which requestInfo/requestLog read.
import type {} from 'pino-http';
import { cookieSettings, readCookie } from './auth/cookies.js';
import type { StaffPrincipal } from './auth/principal.js';
import type { AppDeps, Context, RequestFacts } from './deps.js';
import type { Logger } from './logger.js';
import { deadlineOf } from './deadline.js';
import { resolveStaffSession } from './services/auth/staff-sessions.js';

/**
 * How a request's context is built. The types live in server/deps.ts (a leaf that server modules import); they
 * are re-exported here for tests, which build contexts with createContextInner.
 */
export type { AppDeps, Context, StaffPrincipal };

export function createContextInner(deps: AppDeps, request: Partial<RequestFacts & Pick<Context, 'staff'>> = {}): Context {
  return {
    ...deps,
    requestId: request.requestId ?? 'internal',
    ip: request.ip ?? null,
    userAgent: request.userAgent ?? null,
    deadlineAt: request.deadlineAt ?? null,
    staff: request.staff ?? null,
  };
}

/** The request's log (pino-http's child logger with the request id) when there is one. */
export function requestLog(req: Request, fallback: Logger): Logger {
  return (req as Request & { log?: Logger }).log ?? fallback;
}

/** Request facts shared by tRPC and the /auth routes. */
export function requestInfo(req: Request): RequestFacts {
  const id: unknown = req.id;
  return {
    requestId: typeof id === 'string' || typeof id === 'number' ? String(id) : 'unknown',
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
    deadlineAt: deadlineOf(req.res),
  };
}

export function createContextFactory(deps: AppDeps) {
  const cookies = cookieSettings(deps.config.publicUrl);
  return async ({ req }: { req: Request; res: Response }): Promise<Context> => {
    const scoped = { ...deps, log: requestLog(req, deps.log) };
    const secret = readCookie(req, cookies.staffSession);
    const staff = secret ? await resolveStaffSession(scoped, secret) : null;
    return createContextInner(scoped, { ...requestInfo(req), staff });
  };
}
