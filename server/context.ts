import type { Request, Response } from 'express';
// pino-http augments Express's Request with `id` and `log`, which requestInfo/requestLog read.
import type {} from 'pino-http';
import { cookieSettings, readCookie } from './auth/cookies.js';
import type { StaffPrincipal } from './auth/principal.js';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Logger } from './logger.js';
import { resolveSession } from './services/auth.js';

/** What every procedure may use. Tests build it directly with createContextInner. */
export interface AppDeps {
  database: Database;
  config: Config;
  log: Logger;
  /** Injectable clock so tests can move time; everything time-dependent reads it. */
  now: () => Date;
}

export interface Context extends AppDeps {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** The signed-in member of staff, or null (anonymous). Procedures get it checked by server/trpc.ts. */
  staff: StaffPrincipal | null;
}

export type { StaffPrincipal };

export function createContextInner(deps: AppDeps, request: Partial<Pick<Context, 'requestId' | 'ip' | 'userAgent' | 'staff'>> = {}): Context {
  return {
    ...deps,
    requestId: request.requestId ?? 'internal',
    ip: request.ip ?? null,
    userAgent: request.userAgent ?? null,
    staff: request.staff ?? null,
  };
}

/** The request's log (pino-http's child logger with the request id) when there is one. */
export function requestLog(req: Request, fallback: Logger): Logger {
  return (req as Request & { log?: Logger }).log ?? fallback;
}

/** Request facts shared by tRPC and the /auth routes. */
export function requestInfo(req: Request): Pick<Context, 'requestId' | 'ip' | 'userAgent'> {
  const id: unknown = req.id;
  return {
    requestId: typeof id === 'string' || typeof id === 'number' ? String(id) : 'unknown',
    ip: req.ip ?? null,
    userAgent: req.get('user-agent') ?? null,
  };
}

export function createContextFactory(deps: AppDeps) {
  const cookies = cookieSettings(deps.config.publicUrl);
  return async ({ req }: { req: Request; res: Response }): Promise<Context> => {
    const scoped = { ...deps, log: requestLog(req, deps.log) };
    const secret = readCookie(req, cookies.session);
    const staff = secret ? await resolveSession(scoped, secret) : null;
    return createContextInner(scoped, { ...requestInfo(req), staff });
  };
}
