import type { SyncProgress } from '../../shared/persona-sync.js';

/** `npm run sync:persona`'s progress, as text: a bar on a terminal, plain lines in a log. Pure, for the tests. */

const number = new Intl.NumberFormat('en-US');

/** `1 session`, `2 sessions`. */
const count = (n: number, one: string, many: string) => `${number.format(n)} ${n === 1 ? one : many}`;

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** The facts of a progress report, in the order a person reads them. */
function facts(p: SyncProgress, now: Date): string[] {
  const parts = [count(p.inquiries, 'inquiry', 'inquiries'), count(p.sessions, 'session', 'sessions'), count(p.pages, 'page', 'pages')];
  parts.push(p.ratePerSecond === null ? '–/s' : `${p.ratePerSecond.toFixed(1)}/s`);
  if (p.status === 'running') {
    if (p.etaSeconds !== null) parts.push(`ETA ≈ ${formatDuration(p.etaSeconds)} (estimate)`);
    else if (p.reachedCreatedAt) parts.push(`back to ${p.reachedCreatedAt.toISOString().slice(0, 10)}, ETA unknown`);
  }
  if (p.errors > 0) parts.push(`${number.format(p.errors)} skipped`);
  if (p.waitingUntil && p.waitingUntil.getTime() > now.getTime()) parts.push(`waiting ${formatDuration((p.waitingUntil.getTime() - now.getTime()) / 1000)} for Persona`);
  return parts;
}

/** One terminal line (redrawn in place): a bar when the share done can be estimated, then the facts. */
export function progressLine(p: SyncProgress, now: Date, columns = 100): string {
  const text = facts(p, now).join(' · ');
  const line = p.estimatedFraction !== null ? `${bar(p.estimatedFraction, 24)} ≈${String(Math.floor(p.estimatedFraction * 100)).padStart(3)}% ${text}` : text;
  return line.length > columns - 1 ? `${line.slice(0, columns - 2)}…` : line;
}

/** A log line (no terminal): one per page. */
export function logLine(p: SyncProgress, now: Date): string {
  const done = p.estimatedFraction !== null && p.status === 'running' ? ` (≈ ${Math.floor(p.estimatedFraction * 100)}% by creation time)` : '';
  return `Persona sync ${p.runId}: ${facts(p, now).join(', ')}${done}`;
}

/** The last line: how the run ended, and what to do next. */
export function summaryLine(p: SyncProgress): string {
  const counts = `${count(p.inquiries, 'inquiry', 'inquiries')} and ${count(p.sessions, 'session', 'sessions')} in ${count(p.pages, 'page', 'pages')}${p.errors > 0 ? `, ${number.format(p.errors)} skipped (last: ${p.lastError ?? 'unknown'})` : ''}`;
  switch (p.status) {
    case 'done':
      return `Persona sync done: ${counts}.`;
    case 'interrupted':
      return `Persona sync interrupted after ${counts}; run npm run sync:persona again to resume where it stopped.`;
    case 'failed':
      return `Persona sync failed after ${counts}: ${p.lastError ?? 'unknown error'}. Run npm run sync:persona again to resume where it stopped.`;
    case 'running':
      return `Persona sync running: ${counts}.`;
  }
}
