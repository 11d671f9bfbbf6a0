import { MAX_KEY_LIFETIME_DAYS, MAX_KEY_RATE_LIMIT } from '@shared/partner.js';
import { endOfLocalDay } from '../../lib/time';

/** The create-key form's checks, in the words the fields show. The server checks again (shared/partner.ts). */

export const KEY_NAME_MAX_LENGTH = 100;

export function nameProblem(name: string): string | null {
  const length = name.trim().length;
  if (length === 0) return 'Give the key a name, e.g. where it is used.';
  if (length > KEY_NAME_MAX_LENGTH) return `At most ${KEY_NAME_MAX_LENGTH} characters.`;
  return null;
}

const number = new Intl.NumberFormat();

/** The rate limit typed into a number field, or why it is not one. */
export function parseRateLimit(text: string): { value: number; problem: null } | { value: null; problem: string } {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < 1 || value > MAX_KEY_RATE_LIMIT) {
    return { value: null, problem: `A whole number from 1 to ${number.format(MAX_KEY_RATE_LIMIT)}.` };
  }
  return { value, problem: null };
}

/** A local calendar day as a date input holds it: "2026-11-25". */
export function localDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The days the expiry input offers: today, up to the last day whose end is within the longest lifetime. */
export function expiryBounds(now: number): { min: string; max: string } {
  const last = new Date(now);
  last.setDate(last.getDate() + MAX_KEY_LIFETIME_DAYS - 1);
  return { min: localDay(new Date(now)), max: localDay(last) };
}

/**
 * The expiry day chosen (the key works until the end of that local day), or null for none: the key lasts until
 * it is revoked.
 */
export function parseExpiry(day: string, now: number): { expiresAt: Date | null; problem: null } | { expiresAt: null; problem: string } {
  if (day === '') return { expiresAt: null, problem: null };
  const expiresAt = endOfLocalDay(day);
  if (!expiresAt) return { expiresAt: null, problem: 'Enter a date, or leave it empty for no expiry.' };
  if (expiresAt.getTime() <= now) return { expiresAt: null, problem: 'Choose today or a later day: the expiry must be in the future.' };
  if (expiresAt.getTime() > now + MAX_KEY_LIFETIME_DAYS * 86_400_000) {
    return { expiresAt: null, problem: `A key may last at most ${MAX_KEY_LIFETIME_DAYS} days; leave it empty for no expiry.` };
  }
  return { expiresAt, problem: null };
}
