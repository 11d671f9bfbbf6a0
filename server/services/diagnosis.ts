import type { InquiryDetail } from '../../shared/inquiries.js';
import { DECISIONED_STATUSES } from '../../shared/statuses.js';

type Finding = InquiryDetail['diagnosis'][number];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function describeDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) return `${Math.max(1, Math.round(abs / MINUTE))} min`;
  if (abs < 2 * DAY) return `${Math.round(abs / HOUR)} h`;
  return `${Math.round(abs / DAY)} d`;
}

/**
 * Why an inquiry might be stuck, in the words a support agent acts on. Derived from the detail only, so it
 * is the same wherever the inquiry is shown.
 */
export function diagnose(
  inquiry: Omit<InquiryDetail, 'diagnosis'>,
  now: Date,
  limits: { sessionCap: number; staleInquiryDays: number } = { sessionCap: 25, staleInquiryDays: 30 },
): Finding[] {
  const findings: Finding[] = [];
  const live = inquiry.sessions.filter((s) => s.state === 'live').length;
  const expiresIn = inquiry.expiresAt.getTime() - now.getTime();

  if (inquiry.successor) {
    findings.push({ severity: 'info', message: `Replaced by ${inquiry.successor.id}: send the end user to the new inquiry.` });
  }
  if ((DECISIONED_STATUSES as readonly string[]).includes(inquiry.status)) {
    findings.push({ severity: 'info', message: 'A decision has been made: access actions no longer apply.' });
  } else if (inquiry.status === 'completed' || inquiry.status === 'failed') {
    findings.push({ severity: 'info', message: `The end user finished the flow (${inquiry.status}); it is waiting for a decision.` });
  } else if (inquiry.status === 'expired') {
    const ago = inquiry.expiredAt ? ` ${describeDuration(now.getTime() - inquiry.expiredAt.getTime())} ago` : '';
    findings.push({
      severity: 'error',
      message: `Expired${ago}. It can still be resumed (with an acknowledgement), which starts a fresh expiry.`,
    });
  } else if (inquiry.status === 'pending' && live === 0 && expiresIn > 0) {
    findings.push({
      severity: 'error',
      message: 'Started, but no live session: the end user cannot get back in without a new session token or a one-time link.',
    });
  } else if (inquiry.status === 'created') {
    findings.push({ severity: 'info', message: 'Not started yet: the inquiry link opens it without a session token.' });
  }

  if ((inquiry.status === 'created' || inquiry.status === 'pending') && expiresIn <= 0) {
    findings.push({ severity: 'error', message: 'Past its expiry; the next expiry sweep will mark it expired.' });
  } else if ((inquiry.status === 'created' || inquiry.status === 'pending') && expiresIn <= HOUR) {
    findings.push({ severity: 'warning', message: `Expires in ${describeDuration(expiresIn)}.` });
  }

  if (inquiry.isOutdated) {
    findings.push({
      severity: 'warning',
      message: `Pinned to v${inquiry.versionNumber}; the template is on v${inquiry.latestVersionNumber} (${inquiry.versionsBehind} behind). Persona recommends recreating on the latest version rather than resuming.`,
    });
  }
  const age = now.getTime() - inquiry.createdAt.getTime();
  if (age > limits.staleInquiryDays * DAY && (inquiry.status === 'pending' || inquiry.status === 'expired' || inquiry.status === 'created')) {
    findings.push({ severity: 'warning', message: `Created ${describeDuration(age)} ago: the end user may be going through an old flow.` });
  }
  if (live >= Math.ceil(limits.sessionCap * 0.8)) {
    findings.push({ severity: 'warning', message: `${live} live sessions: close to the limit of ${limits.sessionCap} per inquiry.` });
  }
  return findings;
}
