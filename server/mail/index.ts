import { randomBytes } from 'node:crypto';
import type { MailConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Outgoing mail, over the SMTP server SMTP_URL names (plain `smtp://`, upgraded with STARTTLS when the server
 * offers it, or `smtps://`). One connection per message: emailing a one-time link is rare, and a connection
 * that is not kept open cannot go stale between sends. The caller sends inside its transaction, after writing
 * what it records about the message, so a refused or failed send leaves nothing behind.
 */

/** How long each step may take (connecting, the server's greeting, any silence on the socket): the request waits. */
const TIMEOUT_MS = 5_000;
/**
 * The whole send, at most: it runs inside the action's transaction (a failed send must leave nothing behind), so it
 * stays well under the request deadline and the idle-transaction limit (docs/operations.md).
 */
const SEND_DEADLINE_MS = 12_000;

/** Plain SMTP without TLS only to a server on this machine (tests, a local relay); anywhere else TLS is required. */
export function requiresTls(smtpUrl: string): boolean {
  const { protocol, hostname } = new URL(smtpUrl);
  return protocol === 'smtp:' && !['localhost', '127.0.0.1', '[::1]'].includes(hostname);
}

export const NO_MAIL_SERVER = 'No mail server is configured (SMTP_URL); create the link and copy it instead.';

export interface OutgoingMessage {
  /** One address, already checked (singleAddress); never logged. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Chosen by the sender before sending, so that it can be recorded in the same transaction. */
  messageId: string;
}

/** A single plain address (no display name, no list): what a prefilled email must be before mail goes to it. */
const SINGLE_ADDRESS = /^[^\s@,;:<>()[\]"\\]+@[^\s@,;:<>()[\]"\\]+\.[^\s@,;:<>()[\]"\\]+$/;
export function singleAddress(value: unknown): string | null {
  const raw: unknown = typeof value === 'object' && value !== null && 'value' in value ? value.value : value;
  if (typeof raw !== 'string') return null;
  const address = raw.trim();
  return address.length <= 254 && SINGLE_ADDRESS.test(address) ? address : null;
}

/** A Message-ID in the sender's domain: `<lnk_….random@example.com>`. */
export function newMessageId(config: MailConfig, name: string): string {
  const domain = /@([^\s<>@]+)>?$/.exec(config.from)?.[1] ?? 'localhost';
  return `<${name}.${randomBytes(8).toString('hex')}@${domain}>`;
}

/** What a failed send may tell the log: the SMTP step and codes, never the server's text (it may quote the address). */
function describeFailure(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) return { error: typeof error };
  const e = error as { code?: unknown; responseCode?: unknown; command?: unknown; name?: unknown };
  return { name: e.name, code: e.code, responseCode: e.responseCode, command: e.command };
}

/**
 * Sends one message, or throws a retryable AppError that says what to do (nothing was sent, or the server did
 * not confirm it). The address and the server's answer stay out of the log and the error.
 */
export async function sendMail(config: MailConfig, log: Logger, message: OutgoingMessage): Promise<void> {
  if (!config.smtpUrl) throw new AppError('PRECONDITION_FAILED', NO_MAIL_SERVER, { emailUnavailable: 'no_mail_server' });
  // smtp:// upgrades with STARTTLS; requireTLS refuses a server (or a man in the middle) that does not offer it,
  // which would otherwise see the credentials and the link in clear.
  // Loaded on the first send: most instances never mail, and nodemailer is about 5 MB resident.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    url: config.smtpUrl,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    requireTLS: requiresTls(config.smtpUrl),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const sent = transport.sendMail({
      from: config.from,
      to: { name: '', address: message.to },
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: message.messageId,
    });
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('send deadline passed'), { code: 'ETIMEDOUT' })), SEND_DEADLINE_MS);
    });
    await Promise.race([sent, deadline]);
  } catch (error) {
    log.warn({ mail: describeFailure(error), messageId: message.messageId }, 'sending mail failed');
    const rejected = typeof error === 'object' && error !== null && 'responseCode' in error && typeof error.responseCode === 'number' && error.responseCode >= 500;
    throw new AppError(
      'SERVICE_UNAVAILABLE',
      rejected
        ? 'The mail server refused the message, so nothing was sent and no link was created. Try again later, or create the link and copy it instead.'
        : 'The mail server could not be reached or did not answer in time, so no link was created. Try again, or create the link and copy it instead.',
      { retryable: true },
    );
  } finally {
    clearTimeout(timer);
    transport.close();
  }
}
