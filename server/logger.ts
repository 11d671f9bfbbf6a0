import pino from 'pino';

/**
 * Paths that may carry secrets or personal data. pino replaces them before a line is written, so a careless
 * `log.info({ req })` cannot leak a cookie, a session token or a prefilled email.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  '*.password',
  '*.sessionToken',
  '*.session_token',
  '*.token',
  '*.secret',
  '*.fields',
  '*.email',
];

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
