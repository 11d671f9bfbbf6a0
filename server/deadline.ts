import type { RequestHandler, Response } from 'express';

export const DEADLINE_MESSAGE = 'The server took too long to answer. Nothing you could see was lost: try again in a moment.';

/**
 * An overall deadline per request. When it passes before the answer has started, the person gets a 503 at once
 * and whatever the handler writes later is dropped (its database statements end by statement_timeout; an action
 * still commits or rolls back as one transaction). An answer already streaming is left to finish.
 */
export function requestDeadline(ms: number): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent || res.writableEnded) return;
      req.log.warn({ deadlineMs: ms }, 'request deadline passed');
      res.status(503).setHeader('Retry-After', '1');
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify({ errors: [{ title: DEADLINE_MESSAGE }] }));
      silence(res);
    }, ms);
    timer.unref();
    res.on('close', () => clearTimeout(timer));
    next();
  };
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
