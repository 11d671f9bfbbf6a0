/**
 * The message that carries a one-time link to an end user: plain words, the company they know, the link, when it
 * expires (in UTC, absolute: the reader's time zone is unknown), and what to do if they did not ask for it.
 */
export interface OneTimeLinkMessageInput {
  companyName: string;
  url: string;
  expiresAt: Date;
}

const UTC_FORMAT = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "Monday, 15 June 2026 at 13:00 UTC". */
export function formatUtc(at: Date): string {
  return `${UTC_FORMAT.format(at)} UTC`;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function oneTimeLinkMessage({ companyName, url, expiresAt }: OneTimeLinkMessageInput): { subject: string; text: string; html: string } {
  const expires = formatUtc(expiresAt);
  const subject = `Continue your identity verification with ${companyName}`;
  const text = [
    'Hello,',
    '',
    `${companyName} sent you this link so that you can continue your identity verification where you left off:`,
    '',
    url,
    '',
    `The link works once and expires on ${expires}. If it has expired, ask ${companyName} for a new one.`,
    '',
    `If you did not expect this message, you can ignore it: nothing happens unless the link is opened. Do not forward it. If you think someone asked for it on your behalf, contact ${companyName}.`,
    '',
    companyName,
    '',
  ].join('\n');
  const company = escapeHtml(companyName);
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.5">',
    '<p>Hello,</p>',
    `<p>${company} sent you this link so that you can continue your identity verification where you left off:</p>`,
    `<p><a href="${escapeHtml(url)}">Continue your verification</a></p>`,
    `<p>The link works once and expires on ${escapeHtml(expires)}. If it has expired, ask ${company} for a new one.</p>`,
    `<p>If you did not expect this message, you can ignore it: nothing happens unless the link is opened. Do not forward it. If you think someone asked for it on your behalf, contact ${company}.</p>`,
    `<p>${company}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
