import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The flow's anti-CSRF token: an HMAC of the session id under a key derived from the session-token secret. It
 * needs nothing stored (no new secret, no row), is the same on every instance, and is useless without the
 * session itself: a page on another site can neither read it nor compute it. While the secret is rotated, a
 * form rendered under the previous one is still accepted.
 */
export class FormTokens {
  private readonly current: Buffer;
  private readonly keys: Buffer[];
  /** The current secret first, then one being rotated out. */
  constructor(tokenSecrets: readonly string[]) {
    const [current, ...previous] = tokenSecrets.map((secret) => createHmac('sha256', secret).update('inquiry-desk/hosted-flow/form-token/v1').digest());
    if (!current) throw new Error('FormTokens needs a secret');
    this.current = current;
    this.keys = [current, ...previous];
  }

  forSession(sessionId: string): string {
    return tokenFor(this.current, sessionId);
  }

  matches(sessionId: string, presented: unknown): boolean {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 100) return false;
    const actual = Buffer.from(presented);
    return this.keys.some((key) => {
      const expected = Buffer.from(tokenFor(key, sessionId));
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    });
  }
}

function tokenFor(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(sessionId).digest('base64url');
}
