import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Countdown } from './RetryAfter';

describe('Countdown', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('counts down to zero and asks again once, also when its timers fire just before the clock reaches their time', () => {
    vi.useFakeTimers();
    const onElapsed = vi.fn();
    render(<Countdown seconds={2} since={Date.now()} onElapsed={onElapsed} />);
    expect(screen.getByRole('timer').textContent).toBe('Try again in 2 s.');
    // From here the clock reads 2 ms behind the timers (setTimeout against Date.now(), as browsers and Node may do):
    // the first tick lands while the countdown still shows 2 s.
    const timersNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => timersNow() - 2);
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(screen.getByRole('timer').textContent).toBe('Try again in 2 s.');
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(screen.getByRole('timer').textContent).toBe('Try again in 1 s.');
    expect(onElapsed).not.toHaveBeenCalled();
    act(() => {
      vi.advanceTimersByTime(1_000);
    });
    expect(screen.getByRole('timer').textContent).toBe('It should be possible again now.');
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(onElapsed).toHaveBeenCalledTimes(1);
  });
});
