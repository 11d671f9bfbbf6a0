import { formatSpan } from '../../../lib/time';
import { actionErrorDetails } from './errors';

/** Under a 429: when trying again will work. */
export function RetryAfter({ error }: { error: unknown }) {
  const seconds = actionErrorDetails(error).retryAfterSeconds;
  if (seconds === undefined) return null;
  return <>Try again in {seconds < 60 ? `${seconds} s` : formatSpan(seconds * 1000)}.</>;
}
