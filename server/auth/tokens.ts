import { createHash, randomBytes } from 'node:crypto';

/** A bearer secret for a cookie: 256 random bits, URL-safe. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps instead of a bearer secret: a stolen table row cannot be replayed as a cookie. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A public, non-secret id with a prefix, e.g. `stf_3k9…`, `stses_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}
