import { describe, expect, it } from 'vitest';
import type { SyncProgress } from '../../shared/persona-sync.js';
import { formatDuration, logLine, progressLine, summaryLine } from './sync-persona-format.js';

/** `npm run sync:persona`'s words: the terminal's progress bar (counts, rate, ETA), its log lines and its last line. */

const NOW = new Date('2026-12-06T10:00:00Z');

function progress(over: Partial<SyncProgress> = {}): SyncProgress {
  return {
    runId: 'psync_1',
    status: 'running',
    startedBy: 'cli',
    startedAt: new Date(NOW.getTime() - 60_000),
    finishedAt: null,
    resumedFrom: null,
    since: null,
    inquiries: 1_200,
    sessions: 3_401,
    pages: 12,
    errors: 0,
    lastError: null,
    ratePerSecond: 20,
    estimatedFraction: null,
    etaSeconds: null,
    reachedCreatedAt: null,
    waitingUntil: null,
    stale: false,
    ...over,
  };
}

describe('the sync progress bar', () => {
  it('shows a bar, the share done, the counts, the rate and the ETA when the share can be estimated', () => {
    const line = progressLine(progress({ estimatedFraction: 0.25, etaSeconds: 185 }), NOW, 160);
    expect(line).toBe('[######------------------] ≈ 25% 1,200 inquiries · 3,401 sessions · 12 pages · 20.0/s · ETA ≈ 3m 05s (estimate)');
  });

  it('without an estimate: no bar, how far back it has reached, and that the ETA is unknown', () => {
    const line = progressLine(progress({ reachedCreatedAt: new Date('2026-03-01T08:00:00Z') }), NOW);
    expect(line).toBe('1,200 inquiries · 3,401 sessions · 12 pages · 20.0/s · back to 2026-03-01, ETA unknown');
  });

  it("says what it skipped and how long it waits for Persona's rate limit", () => {
    const line = progressLine(progress({ errors: 2, lastError: 'Record not found', waitingUntil: new Date(NOW.getTime() + 42_000), ratePerSecond: null }), NOW);
    expect(line).toBe('1,200 inquiries · 3,401 sessions · 12 pages · –/s · 2 skipped · waiting 42s for Persona');
  });

  it('fits the terminal: a long line ends in an ellipsis within the columns', () => {
    const line = progressLine(progress({ estimatedFraction: 0.5, etaSeconds: 7_300, errors: 1_234_567, waitingUntil: new Date(NOW.getTime() + 3_600_000) }), NOW, 60);
    expect(line).toHaveLength(59);
    expect(line.endsWith('…')).toBe(true);
    expect(line.startsWith('[############------------] ≈ 50% ')).toBe(true);
  });

  it('log lines and the last line say the same facts in sentences', () => {
    expect(logLine(progress({ estimatedFraction: 0.5, etaSeconds: 60 }), NOW)).toBe(
      'Persona sync psync_1: 1,200 inquiries, 3,401 sessions, 12 pages, 20.0/s, ETA ≈ 1m 00s (estimate) (≈ 50% by creation time)',
    );
    expect(summaryLine(progress({ status: 'done', inquiries: 1, sessions: 1, pages: 1 }))).toBe('Persona sync done: 1 inquiry and 1 session in 1 page.');
    expect(summaryLine(progress({ status: 'interrupted' }))).toMatch(/interrupted after 1,200 inquiries .*run npm run sync:persona again to resume/);
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(3 * 3600 + 7 * 60)).toBe('3h 07m');
  });
});
