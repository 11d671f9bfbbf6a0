import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { RequestHandler, Response } from 'express';

export const DEADLINE_MESSAGE =
  'The server took too long to answer. A change you made may still have gone through: look before trying again (a guarded action retried from the same dialog never happens twice).';

/** The answer in tRPC's wire format (superjson), one error per batched procedure, so the console shows the words. */
function trpcBody(path: string, batch: boolean): unknown {
  const procedures = path.replace(/^\/trpc\/?/, '').split(',');
  const error = (procedure: string) => ({
    error: { json: { message: DEADLINE_MESSAGE, code: TRPC_ERROR_CODES_BY_KEY.SERVICE_UNAVAILABLE, data: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503, path: procedure } } },
  });
  return batch ? procedures.map(error) : error(procedures[0] ?? '');
}

/**
 * An overall deadline per request. When it passes before the answer has started, the person gets a 503 at once
 * and whatever the handler writes later is dropped. The handler itself runs on (its statements end by
 * statement_timeout) and may still commit: an action commits or rolls back with its audit event as one
 * transaction, and a guarded action retried with its idempotency key never happens twice. An answer already
 * streaming is left to finish.
 */
export function requestDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    res.locals.deadlineAt = performance.now() + ms;
    const timer = setTimeout(() => {
      if (res.headersSent || res.writableEnded) return;
      req.log.warn({ deadlineMs: ms }, 'request deadline passed');
      res.status(503).setHeader('Retry-After', '1');
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      const body = req.path.startsWith('/trpc/') ? trpcBody(req.path, req.query['batch'] === '1') : { errors: [{ title: DEADLINE_MESSAGE }] };
      res.end(JSON.stringify(body));
      silence(res);
    }, ms);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    next();
  };
}

/** When the request's deadline passes (`performance.now()`'s clock), or null when it has none. */
export function deadlineOf(res: Response | undefined): number | null {
  const at: unknown = res?.locals.deadlineAt;
  return typeof at === 'number' ? at : null;
}

/** The late handler's writes go nowhere instead of throwing "headers already sent". */
function silence(res: Response): void {
  const ignore = function (this: Response) {
    return this;
  };
  res.setHeader = ignore;
  res.writeHead = ignore;
  res.write = () => true;
  res.end = ignore;
  res.status = ignore;
}
