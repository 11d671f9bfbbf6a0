import { useSyncExternalStore } from 'react';

/** How often relative times ("5 min ago") refresh. One shared timer for the whole page. */
const TICK_MS = 30_000;

let current = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void) {
  listeners.add(listener);
  if (timer === undefined) {
    current = Date.now();
    timer = setInterval(() => {
      current = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

function getSnapshot() {
  // With nobody subscribed the timer is off: refresh on read, but keep the value stable for a second so
  // React's consistency check sees the same snapshot twice.
  if (timer === undefined && Date.now() - current > 1000) current = Date.now();
  return current;
}

/** The current time in ms, re-rendering subscribers every 30 s. */
export function useNow(): number {
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
