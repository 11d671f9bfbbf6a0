import { useEffect, useRef, useState } from 'react';

/**
 * `value` once it has stayed the same for `delayMs` (compared by `key`, so a new object with the same content
 * does not restart the wait). For requests that follow typing: one request per pause, not per keystroke.
 */
export function useDebouncedValue<T>(value: T, delayMs: number, key: string = JSON.stringify(value)): T {
  const [settled, setSettled] = useState<{ key: string; value: T }>({ key, value });
  const latest = useRef(value);
  useEffect(() => {
    latest.current = value;
  });
  useEffect(() => {
    if (key === settled.key) return;
    const timer = setTimeout(() => setSettled({ key, value: latest.current }), delayMs);
    return () => clearTimeout(timer);
  }, [key, delayMs, settled.key]);
  return settled.value;
}
