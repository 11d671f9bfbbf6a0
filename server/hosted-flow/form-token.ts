import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The flow's anti-CSRF token: an HMAC of the session id under a key derived from the session-token secret. It
 * needs nothing stored (no new secret, no row), is the same on every instance, and is useless without the
 * session itself: a page on another site can neither read it nor compute it.
 */
export class FormTokens {
  private readonly key: Buffer;
  constructor(tokenSecret: string) {
    this.key = createHmac('sha256', tokenSecret).update('inquiry-desk/hosted-flow/form-token/v1').digest();
  }

  forSession(sessionId: string): string {
    return createHmac('sha256', this.key).update(sessionId).digest('base64url');
  }

  matches(sessionId: string, presented: unknown): boolean {
    if (typeof presented !== 'string' || presented.length === 0 || presented.length > 100) return false;
    const expected = Buffer.from(this.forSession(sessionId));
    const actual = Buffer.from(presented);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
