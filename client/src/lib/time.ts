const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A span as people say it at a glance: "12 min", "5 h", "3 d", "4 mo", "2 y". Hours run up to 48 so that
 * "36 h" stays exact where it matters most (expiry windows are usually a day or two).
 */
export function formatSpan(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return '<1 min';
  if (abs < HOUR) return `${Math.floor(abs / MINUTE)} min`;
  if (abs < 2 * DAY) return `${Math.floor(abs / HOUR)} h`;
  if (abs < 60 * DAY) return `${Math.floor(abs / DAY)} d`;
  if (abs < 730 * DAY) return `${Math.floor(abs / (30 * DAY))} mo`;
  return `${Math.floor(abs / (365 * DAY))} y`;
}

/** "5 h ago", "in 5 h", or "just now" within a minute either way. */
export function formatRelative(date: Date, now: number): string {
  const diff = date.getTime() - now;
  if (Math.abs(diff) < MINUTE) return 'just now';
  return diff > 0 ? `in ${formatSpan(diff)}` : `${formatSpan(diff)} ago`;
}

const absoluteFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'long' });
const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/** The full timestamp in the viewer's time zone, with the zone named: "Nov 25, 2026, 9:44:12 PM GMT+1". */
export function formatAbsolute(date: Date): string {
  return absoluteFormat.format(date);
}

export function formatDay(date: Date): string {
  return dayFormat.format(date);
}

/** Expiry as a support agent reads it: "in 5 h" while it runs, "expired 3 d ago" once it has passed. */
export function formatExpiry(expiresAt: Date, now: number): string {
  const diff = expiresAt.getTime() - now;
  if (diff > 0) return diff < MINUTE ? 'in <1 min' : `in ${formatSpan(diff)}`;
  return -diff < MINUTE ? 'expired just now' : `expired ${formatSpan(diff)} ago`;
}

/** A policy interval: "24 h", "7 d", "1 h 30 min", "45 min". */
export function formatMinutes(minutes: number): string {
  if (minutes >= 2 * 24 * 60 && minutes % (24 * 60) === 0) return `${minutes / (24 * 60)} d`;
  if (minutes >= 2 * 24 * 60 && minutes % 60 === 0) {
    const days = Math.floor(minutes / (24 * 60));
    return `${days} d ${(minutes - days * 24 * 60) / 60} h`;
  }
  if (minutes % 60 === 0) return `${minutes / 60} h`;
  if (minutes > 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${minutes} min`;
}

/** A local calendar day (from an <input type="date">, "2026-11-25") as the Date of its first instant. */
export function startOfLocalDay(day: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) || date.getDate() !== Number(match[3]) ? null : date;
}

/** The last instant of a local calendar day. */
export function endOfLocalDay(day: string): Date | null {
  const start = startOfLocalDay(day);
  if (!start) return null;
  const next = new Date(start);
  next.setDate(next.getDate() + 1);
  return new Date(next.getTime() - 1);
}
