import { describe, expect, it } from 'vitest';
import { expiryBounds, localDay, nameProblem, parseExpiry, parseRateLimit } from './keyForm';

const NOW = new Date(2026, 10, 25, 14, 30).getTime();

describe('create-key form checks', () => {
  it('needs a name of at most 100 characters', () => {
    expect(nameProblem('  ')).toMatch(/Give the key a name/);
    expect(nameProblem('Production')).toBeNull();
    expect(nameProblem('x'.repeat(101))).toBe('At most 100 characters.');
  });

  it('takes a whole-number rate limit from 1 to 100,000', () => {
    expect(parseRateLimit('300')).toEqual({ value: 300, problem: null });
    for (const bad of ['', '0', '-5', '2.5', '100001', 'abc']) expect(parseRateLimit(bad).value).toBeNull();
  });

  it('takes no expiry, or a day from today on that ends within 730 days', () => {
    expect(parseExpiry('', NOW)).toEqual({ expiresAt: null, problem: null });
    expect(parseExpiry('2026-11-25', NOW).expiresAt).toEqual(new Date(new Date(2026, 10, 26).getTime() - 1));
    expect(parseExpiry('2026-11-24', NOW).problem).toMatch(/must be in the future/);
    expect(parseExpiry('2026-02-31', NOW).problem).toMatch(/Enter a date/);
    const { min, max } = expiryBounds(NOW);
    expect(min).toBe('2026-11-25');
    expect(parseExpiry(max, NOW).problem).toBeNull();
    const afterMax = new Date(NOW);
    afterMax.setDate(afterMax.getDate() + 730);
    expect(parseExpiry(localDay(afterMax), NOW).problem).toMatch(/at most 730 days/);
  });
});
