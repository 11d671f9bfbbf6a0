import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

/**
 * The partner API as a partner's code would call it: openapi-fetch typed by test/partner-api/schema.d.ts, which
 * `npm run api:client` generates from the served OpenAPI document (and a test checks it still matches).
 */
export function partnerClient(baseUrl: string, key: string | null, headers: Record<string, string> = {}) {
  return createClient<paths>({ baseUrl, headers: { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...headers } });
}

export type PartnerClient = ReturnType<typeof partnerClient>;
