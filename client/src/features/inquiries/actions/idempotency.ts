import { useState } from 'react';

/**
 * A key for one dialog session (shared/actions.ts IdempotencyKeySchema: 8–128 of [A-Za-z0-9_-]). Retries and
 * double clicks send the same key, so the server does the work once and answers the repeat with the same result.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID().replaceAll('-', '');
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** One key for as long as the component (the dialog) is mounted. */
export function useIdempotencyKey(): string {
  const [key] = useState(newIdempotencyKey);
  return key;
}
