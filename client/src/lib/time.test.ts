import { describe, expect, it } from 'vitest';
import { endOfLocalDay, formatExpiry, formatMinutes, formatRelative, formatSpan, startOfLocalDay } from './time';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('time formatting', () => {
  it('says spans the way people glance at them', () => {
    expect(formatSpan(30_000)).toBe('<1 min');
    expect(formatSpan(12 * MIN)).toBe('12 min');
    expect(formatSpan(5 * HOUR + 10 * MIN)).toBe('5 h');
    expect(formatSpan(36 * HOUR)).toBe('36 h');
    expect(formatSpan(3 * DAY)).toBe('3 d');
    expect(formatSpan(-3 * DAY)).toBe('3 d');
    expect(formatSpan(120 * DAY)).toBe('4 mo');
    expect(formatSpan(800 * DAY)).toBe('2 y');
  });

  it('puts relative times in the past or the future', () => {
    const now = Date.now();
    expect(formatRelative(new Date(now - 3 * DAY), now)).toBe('3 d ago');
    expect(formatRelative(new Date(now + 5 * HOUR), now)).toBe('in 5 h');
    expect(formatRelative(new Date(now - 10_000), now)).toBe('just now');
  });

  it('reads expiry as running or passed', () => {
    const now = Date.now();
    expect(formatExpiry(new Date(now + 5 * HOUR + MIN), now)).toBe('in 5 h');
    expect(formatExpiry(new Date(now - 3 * DAY), now)).toBe('expired 3 d ago');
    expect(formatExpiry(new Date(now), now)).toBe('expired just now');
  });

  it('writes policy intervals as a manager would', () => {
    expect(formatMinutes(1440)).toBe('24 h');
    expect(formatMinutes(60)).toBe('1 h');
    expect(formatMinutes(90)).toBe('1 h 30 min');
    expect(formatMinutes(45)).toBe('45 min');
    expect(formatMinutes(7 * 1440)).toBe('7 d');
    expect(formatMinutes(2 * 1440 + 360)).toBe('2 d 6 h');
  });

  it('turns date-input days into local day boundaries and rejects impossible dates', () => {
    const start = startOfLocalDay('2026-11-25');
    expect(start?.getFullYear()).toBe(2026);
    expect(start?.getMonth()).toBe(10);
    expect(start?.getDate()).toBe(25);
    expect(start?.getHours()).toBe(0);
    const end = endOfLocalDay('2026-11-25');
    expect(end?.getDate()).toBe(25);
    expect(end?.getHours()).toBe(23);
    expect(startOfLocalDay('2026-02-31')).toBeNull();
    expect(startOfLocalDay('yesterday')).toBeNull();
  });
});
