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
  // Staff sign-in (server/auth): cookies and headers wherever they are nested, and every credential by name.
  'req.headers["x-api-key"]',
  '*.headers.cookie',
  '*.headers.authorization',
  '*.headers["set-cookie"]',
  '*.cookie',
  '*.authorization',
  '*.currentPassword',
  '*.newPassword',
  '*.oneTimePassword',
  '*.passwordHash',
  '*.password_hash',
  '*.sessionSecret',
  '*.flowSecret',
  '*.codeVerifier',
  '*.code_verifier',
  '*.accessToken',
  '*.access_token',
  '*.idToken',
  '*.id_token',
  '*.refreshToken',
  '*.refresh_token',
  // `*.x` matches one level down only; the same names at the top of a log object:
  'password',
  'currentPassword',
  'newPassword',
  'oneTimePassword',
  'sessionSecret',
  'sessionToken',
  'token',
  'secret',
  'cookie',
  'authorization',
];

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
