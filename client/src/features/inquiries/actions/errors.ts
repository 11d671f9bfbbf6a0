import { ACKNOWLEDGEMENTS, type Acknowledgement } from '@shared/actions.js';

/** What the server's errorFormatter puts in `data.details` for the guarded actions (see server/services/inquiry-actions). */
export interface ActionErrorDetails {
  /** 429: when the rate limit that refused the action lets it through again. */
  retryAfterSeconds?: number;
  /** 412: acknowledgements the action needs that the request did not carry. */
  missingAcknowledgements?: Acknowledgement[];
  /** 409 on recreate: someone recreated this inquiry first. */
  successorId?: string;
}

function detailsObject(error: unknown): Record<string, unknown> | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data = (error as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || !('details' in data)) return null;
  const details = (data as { details?: unknown }).details;
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : null;
}

/** The structured part of a refused action, checked field by field: whatever else the server sends is ignored. */
export function actionErrorDetails(error: unknown): ActionErrorDetails {
  const details = detailsObject(error);
  if (!details) return {};
  const result: ActionErrorDetails = {};
  if (typeof details.retryAfterSeconds === 'number') result.retryAfterSeconds = details.retryAfterSeconds;
  if (Array.isArray(details.missingAcknowledgements)) {
    result.missingAcknowledgements = details.missingAcknowledgements.filter((a): a is Acknowledgement => (ACKNOWLEDGEMENTS as readonly unknown[]).includes(a));
  }
  if (typeof details.successorId === 'string') result.successorId = details.successorId;
  return result;
}
