import type { DurationBucket } from '@shared/templates.js';
import { formatMinutes } from '../../../lib/time';

/** Duration histograms (the server's buckets) as the charts, their tables and their text alternatives read them. */

const number = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

export function formatCount(count: number): string {
  return number.format(count);
}

export function formatShare(share: number): string {
  return percent.format(share);
}

function minutesText(minutes: number): string {
  return minutes === 0 ? '0 min' : formatMinutes(minutes);
}

/** "< 1 h", "1 h – 6 h", "≥ 30 d". */
export function bucketLabel(bucket: DurationBucket): string {
  if (bucket.toMinutes === null) return `≥ ${minutesText(bucket.fromMinutes)}`;
  if (bucket.fromMinutes === 0) return `< ${minutesText(bucket.toMinutes)}`;
  return `${minutesText(bucket.fromMinutes)} – ${minutesText(bucket.toMinutes)}`;
}

/** The bucket a duration falls in ([from, to)), or -1 when there are none. */
export function bucketIndexOf(buckets: readonly DurationBucket[], minutes: number): number {
  if (buckets.length === 0) return -1;
  const index = buckets.findIndex((b) => minutes >= b.fromMinutes && (b.toMinutes === null || minutes < b.toMinutes));
  if (index >= 0) return index;
  return minutes < (buckets[0]?.fromMinutes ?? 0) ? 0 : buckets.length - 1;
}

/**
 * Where a duration sits on a bar chart of the buckets, in bar widths from the left edge of the first bar's slot:
 * bucket i spans [i, i + 1), and a duration inside it is placed in proportion. The open last bucket puts it at
 * its left edge. Null when there are no buckets.
 */
export function cutoffPosition(buckets: readonly DurationBucket[], minutes: number): number | null {
  const index = bucketIndexOf(buckets, minutes);
  const bucket = buckets[index];
  if (!bucket) return null;
  if (minutes <= bucket.fromMinutes || bucket.toMinutes === null) return index;
  const fraction = (minutes - bucket.fromMinutes) / (bucket.toMinutes - bucket.fromMinutes);
  return index + Math.min(1, Math.max(0, fraction));
}

export function totalOf(buckets: readonly DurationBucket[]): number {
  return buckets.reduce((sum, b) => sum + b.count, 0);
}

/**
 * How many took longer than a cut-off, from the buckets alone: at least those in buckets wholly past it, at
 * most those plus the bucket it falls inside. Exact when the two agree (a cut-off on a bucket boundary).
 */
export function beyondCutoff(buckets: readonly DurationBucket[], minutes: number): { atLeast: number; atMost: number } {
  let atLeast = 0;
  let straddling = 0;
  for (const b of buckets) {
    if (b.fromMinutes >= minutes) atLeast += b.count;
    else if (b.toMinutes === null || b.toMinutes > minutes) straddling += b.count;
  }
  return { atLeast, atMost: atLeast + straddling };
}

/** The most populated bucket, for a one-line summary. */
export function busiestBucket(buckets: readonly DurationBucket[]): DurationBucket | null {
  let best: DurationBucket | null = null;
  for (const b of buckets) if (b.count > 0 && (!best || b.count > best.count)) best = b;
  return best;
}

export interface Cutoff {
  minutes: number;
  /** "current" is the policy in force; "proposed" the one being typed in the editor. */
  kind: 'current' | 'proposed';
}

export function cutoffName(cutoff: Cutoff): string {
  return `${cutoff.kind === 'current' ? 'Current' : 'Proposed'} cut-off ${formatMinutes(cutoff.minutes)}`;
}

/** The text alternative of a duration histogram: how many, where most fall, and how many lie past each cut-off. */
export function summarizeDurations(
  buckets: readonly DurationBucket[],
  what: string,
  cutoffs: readonly Cutoff[],
  mostly: (range: string) => string = (range) => `Most took ${range}`,
): string {
  const total = totalOf(buckets);
  if (total === 0) return `No ${what}.`;
  const parts = [`${formatCount(total)} ${what}.`];
  const busiest = busiestBucket(buckets);
  if (busiest) parts.push(`${mostly(bucketLabel(busiest))} (${formatCount(busiest.count)}).`);
  for (const cutoff of cutoffs) {
    const { atLeast, atMost } = beyondCutoff(buckets, cutoff.minutes);
    const counted =
      atLeast === atMost
        ? `${formatCount(atLeast)} (${formatShare(atLeast / total)})`
        : `between ${formatCount(atLeast)} and ${formatCount(atMost)} (${formatShare(atLeast / total)} – ${formatShare(atMost / total)})`;
    parts.push(`${cutoffName(cutoff)}: ${counted} took longer.`);
  }
  return parts.join(' ');
}
