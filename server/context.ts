import type { Request, Response } from 'express';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Logger } from './logger.js';

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
}

export function createContextInner(deps: AppDeps, request: Partial<Pick<Context, 'requestId' | 'ip' | 'userAgent'>> = {}): Context {
  return {
    ...deps,
    requestId: request.requestId ?? 'internal',
    ip: request.ip ?? null,
    userAgent: request.userAgent ?? null,
  };
}

export function createContextFactory(deps: AppDeps) {
  return ({ req }: { req: Request; res: Response }): Context =>
    createContextInner(
      { ...deps, log: (req as Request & { log?: Logger }).log ?? deps.log },
      {
        requestId: String(req.id ?? 'unknown'),
        ip: req.ip ?? null,
        userAgent: req.get('user-agent') ?? null,
      },
    );
}
