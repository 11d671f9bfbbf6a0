import { cleanup, configure } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

// Pages are lazy chunks, and the first import of the DataGrid's chunk takes a few seconds on a busy machine.
configure({ asyncUtilTimeout: 15_000 });

// Testing Library only cleans up automatically when test globals are on; they are not.
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  window.localStorage.clear();
});

// jsdom lacks matchMedia. Answer width queries for a desktop-sized window (1280 px), so pages render their
// wide layout (permanent navigation drawer); everything else (prefers-color-scheme: dark, …) is false.
const TEST_WINDOW_WIDTH = 1280;
function evaluateMedia(query: string): boolean {
  const min = /min-width:\s*([\d.]+)px/.exec(query);
  const max = /max-width:\s*([\d.]+)px/.exec(query);
  if (!min && !max) return false;
  return (!min || TEST_WINDOW_WIDTH >= Number(min[1])) && (!max || TEST_WINDOW_WIDTH <= Number(max[1]));
}
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: evaluateMedia(query),
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    addListener: () => undefined,
    removeListener: () => undefined,
    dispatchEvent: () => false,
  }),
});

if (!('ResizeObserver' in window)) {
  class ResizeObserverStub {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  Object.defineProperty(window, 'ResizeObserver', { writable: true, value: ResizeObserverStub });
}
