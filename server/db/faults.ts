/**
 * Errors that mean the database connection went away (a failover, a restart, an administrator's
 * pg_terminate_backend, a network cut) rather than that the request was wrong: the request is answered 503,
 * retryable, and the pool replaces the connection.
 */
const CONNECTION_LOST_SQLSTATES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
]);

const CONNECTION_LOST_MESSAGES = /Connection terminated|not queryable|Client was closed|timeout exceeded when trying to connect|ECONNRESET|ECONNREFUSED|EPIPE/i;

/** Whether `error` (or anything in its cause chain) is a lost or unobtainable database connection. */
export function isConnectionLoss(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== 'object') return false;
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (CONNECTION_LOST_SQLSTATES.has(code) || code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE')) return true;
    if (typeof message === 'string' && CONNECTION_LOST_MESSAGES.test(message)) return true;
    current = cause;
  }
  return false;
}

/** What the person is told: nothing was done, and trying again shortly will work. */
export const CONNECTION_LOST_MESSAGE = 'The database was unavailable for a moment and nothing was changed: try again.';

/** PostgreSQL cancelled the statement: statement_timeout (or idle_in_transaction_session_timeout) expired. */
export function isStatementTimeout(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (code === '57014' || code === '25P03') return true;
    current = cause;
  }
  return false;
}

export const STATEMENT_TIMEOUT_MESSAGE = 'The database took too long to answer and nothing was changed: try again in a moment.';

/** For a database failure that is nobody's mistake and may pass (a lost connection, a timeout): what to tell the person; else null. */
export function unavailableMessage(error: unknown): string | null {
  if (isConnectionLoss(error)) return CONNECTION_LOST_MESSAGE;
  if (isStatementTimeout(error)) return STATEMENT_TIMEOUT_MESSAGE;
  return null;
}
