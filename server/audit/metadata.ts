/**
 * What may go into an audit event's metadata. The log is kept forever and read by many people, so it must never
 * hold a credential: a session token, a password, a cookie, an API secret. A fingerprint of one is fine
 * (`tokenFingerprint`), and so is a session id.
 */

/** Key names (lower-cased, punctuation removed) that name a credential, or end in a word that does. */
const SECRET_KEY_SUFFIXES = [
  'token',
  'tokens',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'cookie',
  'cookies',
  'apikey',
  'privatekey',
  'authorization',
  'credential',
  'credentials',
] as const;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `sessionToken`, `session_token`, `X-Api-Key`, `password`, `Set-Cookie` → true; `tokenFingerprint`, `sessionId` → false. */
export function isSecretKey(key: string): boolean {
  const normalized = normalizeKey(key);
  return SECRET_KEY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/**
 * A value that is itself a bearer credential, whatever its key: a JWT (the local engine's session tokens), a Bearer
 * header, or a partner API key's secret (`idk_live_…`; its 13-character prefix alone is fine).
 */
const SECRET_VALUE = /^(?:Bearer\s+\S|eyJ[\w-]*\.[\w-]+\.[\w-]*$)|idk_live_[A-Za-z0-9]{20,}/i;
/** A URL that carries a credential, e.g. a link with `session-token=` appended: log the link's id, not the link. */
const SECRET_IN_URL = /[?&#;](?:[\w-]*token|password|secret|api[-_]?key)=/i;

// With the u flag this matches only surrogates that are not part of a pair.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * False for text the database would not store as given: NUL (refused by text and jsonb) and unpaired surrogates
 * (not encodable as UTF-8). Either would change the value on its way in and break the event's hash.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

export const MAX_METADATA_BYTES = 16_384;
const MAX_DEPTH = 8;

export type MetadataProblem = { path: string; message: string };

/** First problem found in a JSON value, or null. Keys are checked at every depth, inside arrays too. */
export function findMetadataProblem(value: unknown, path = 'metadata', depth = 0): MetadataProblem | null {
  if (depth > MAX_DEPTH) return { path, message: `is nested more than ${MAX_DEPTH} levels deep` };
  if (typeof value === 'string') {
    if (!isStorableText(value)) return { path, message: 'contains a NUL character or an unpaired surrogate' };
    if (SECRET_VALUE.test(value)) return { path, message: 'looks like a credential (a JWT or a Bearer header); record a fingerprint instead' };
    if (SECRET_IN_URL.test(value)) return { path, message: 'is a URL carrying a credential (token=, password=, …); record the link id instead' };
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findMetadataProblem(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const at = `${path}.${key}`;
      if (isSecretKey(key)) {
        return { path: at, message: 'names a secret (token, password, secret, cookie, key…); audit metadata may hold a fingerprint, never the secret' };
      }
      if (!isStorableText(key)) return { path: at, message: 'key contains a NUL character or an unpaired surrogate' };
      const problem = findMetadataProblem(item, at, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}
