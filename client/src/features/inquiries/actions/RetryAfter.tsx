import { useEffect, useMemo, useRef, useState } from 'react';
import { actionErrorDetails } from './errors';

/** A wait as an agent reads it: "45 s", "4 min 05 s", "1 h 02 min". The same words under a 429 and beside a disabled action. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * "Try again in 4 min 05 s", counting down each second from what the server said at `since`; at zero it says
 * so and calls `onElapsed` once (the caller asks the server again).
 */
export function Countdown({ seconds, since, onElapsed }: { seconds: number; since: number; onElapsed?: () => void }) {
  const deadline = since + seconds * 1000;
  const [now, setNow] = useState(() => Date.now());
  const left = Math.max(0, Math.ceil((deadline - now) / 1000));
  // Called once on reaching zero, not again when the caller re-renders with a new function.
  const elapsed = useRef(onElapsed);
  elapsed.current = onElapsed;
  // Every tick schedules the next, also one that changed nothing: a timer may fire a little before the clock says its
  // time has come, and a countdown that waited for the shown second to change would then stop where it stood.
  useEffect(() => {
    if (left === 0) {
      elapsed.current?.();
      return;
    }
    const timer = setTimeout(() => setNow(Date.now()), Math.max(50, Math.min(1000, deadline - Date.now())));
    return () => clearTimeout(timer);
  }, [left, now, deadline]);
  return <span role="timer">{left === 0 ? 'It should be possible again now.' : `Try again in ${formatWait(left)}.`}</span>;
}

/** Under a 429: when trying again will work. */
export function RetryAfter({ error }: { error: unknown }) {
  const seconds = actionErrorDetails(error).retryAfterSeconds;
  // Each refusal counts down from when it arrived.
  const since = useMemo(() => (error ? Date.now() : 0), [error]);
  if (seconds === undefined) return null;
  return <Countdown seconds={seconds} since={since} />;
}
