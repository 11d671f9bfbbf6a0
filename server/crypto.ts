import { createHash, randomBytes } from 'node:crypto';

/** Ids, secrets and digests: one definition of each for the whole server. */

const ID_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A public, non-secret, Persona-style id: a prefix and `length` random characters (`inq_…`, `lnk_…`, `stf_…`). */
export function newId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return `${prefix}_${out}`;
}

/** A bearer secret (a cookie, a generated key): 256 random bits, URL-safe. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps instead of a bearer secret: a stolen table row cannot be replayed. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A short, stable, non-reversible name for a token: what the audit log and the access report show. */
export function fingerprint(secretValue: string): string {
  return sha256Hex(secretValue).slice(0, 12);
}
