import { createHmac } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { sha256Hex } from '../../crypto.js';

/**
 * Session tokens are HS256 JWTs (as Persona's are): `sid` names the session, `sub` the inquiry, `iat` and `exp`
 * are the session's creation and expiry. The token is a pure function of the session row and the key, so
 * it never needs storing: a replayed request re-derives the same token, and a token is checked without a
 * database read (the hosted flow then looks up the session only to see whether it was revoked).
 *
 * Two keys may be in force while the secret is rotated (docs/security.md#the-session-token-secret): new tokens are
 * signed with the current one and name it in their header (`kid`, a fingerprint of the key, never the key); a
 * token is verified with the key its `kid` names, and one without a `kid` (issued before key ids) with either.
 */
export const TOKEN_AUDIENCE = 'inquiry-desk-verify';
const ISSUER = 'inquiry-desk';
export const MIN_SECRET_LENGTH = 32;

/** The signing keys in force: `previous` is the key being rotated out (null when none). */
export interface TokenKeys {
  current: string;
  previous: string | null;
}

/** A key's public name: 12 characters of an HMAC under the key itself, so it identifies the key and reveals nothing of it. */
export function keyId(secret: string): string {
  return createHmac('sha256', secret).update('inquiry-desk/session-token/key-id/v1').digest('base64url').slice(0, 12);
}

interface SigningKey {
  kid: string;
  secret: string;
  bytes: Uint8Array;
  /** The encoded JWT header naming this key. */
  header: string;
}

function signingKey(secret: string, which: string): SigningKey {
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`The ${which} session token secret must be at least ${MIN_SECRET_LENGTH} characters`);
  const kid = keyId(secret);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid, typ: 'JWT' }), 'utf8').toString('base64url');
  return { kid, secret, bytes: new TextEncoder().encode(secret), header };
}

export interface SessionClaims {
  sessionId: string;
  inquiryId: string;
  createdAt: Date;
  expiresAt: Date;
}

export class SessionTokens {
  private readonly current: SigningKey;
  private readonly previous: SigningKey | null;
  constructor(keys: TokenKeys) {
    this.current = signingKey(keys.current, 'current');
    this.previous = keys.previous && keys.previous !== keys.current ? signingKey(keys.previous, 'previous') : null;
  }

  /** The current key's id: what new tokens carry in their header. */
  get keyId(): string {
    return this.current.kid;
  }

  private keys(): SigningKey[] {
    return this.previous ? [this.current, this.previous] : [this.current];
  }

  /**
   * A one-time link's code: an HMAC of the link id under the current key, so it is never stored (only its SHA-256
   * is, and redeeming looks the code up by that hash, so a code keeps working after its key is rotated out).
   */
  oneTimeCode(linkId: string): string {
    return codeUnder(this.current, linkId);
  }

  /**
   * The code of a link made earlier, rebuilt for a replayed request: under whichever key in force hashes to the
   * stored `codeHash`; null when neither does (the key that made it has been retired).
   */
  oneTimeCodeMatching(linkId: string, codeHash: string): string | null {
    for (const key of this.keys()) {
      const code = codeUnder(key, linkId);
      if (sha256Hex(code) === codeHash) return code;
    }
    return null;
  }

  /** The keys the hosted flow's form tokens derive from: the current one first. */
  secrets(): string[] {
    return this.keys().map((key) => key.secret);
  }

  /**
   * Signs with node:crypto's HMAC directly: the same bytes jose's SignJWT produces for this header and these
   * claims (tokens.test.ts checks), without WebCrypto's per-call key import and thread-pool round trip, which
   * made signing one of the larger costs of a resume. jose still verifies.
   */
  sign(claims: SessionClaims): string {
    const payload = {
      sid: claims.sessionId,
      iss: ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: claims.inquiryId,
      iat: Math.floor(claims.createdAt.getTime() / 1000),
      exp: Math.floor(claims.expiresAt.getTime() / 1000),
    };
    const signingInput = `${this.current.header}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
    return `${signingInput}.${createHmac('sha256', this.current.bytes).update(signingInput).digest('base64url')}`;
  }

  /**
   * The session id and inquiry id of a valid, unexpired token; null for anything else (never throws). The `kid`
   * picks the key; a token without one (issued before key ids) is tried with the current key, then the previous.
   */
  async verify(token: string, now: Date): Promise<{ sessionId: string; inquiryId: string } | null> {
    if (token.length > 2048) return null;
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return null;
    }
    const candidates = kid === undefined ? this.keys() : this.keys().filter((key) => key.kid === kid);
    for (const key of candidates) {
      const claims = await verifyWith(token, key, now);
      if (claims) return claims;
    }
    return null;
  }
}

function codeUnder(key: SigningKey, linkId: string): string {
  return createHmac('sha256', key.bytes).update(`one-time-link:${linkId}`).digest('base64url');
}

async function verifyWith(token: string, key: SigningKey, now: Date): Promise<{ sessionId: string; inquiryId: string } | null> {
  try {
    const { payload } = await jwtVerify(token, key.bytes, {
      issuer: ISSUER,
      audience: TOKEN_AUDIENCE,
      algorithms: ['HS256'],
      currentDate: now,
    });
    if (typeof payload.sid !== 'string' || typeof payload.sub !== 'string') return null;
    return { sessionId: payload.sid, inquiryId: payload.sub };
  } catch (err) {
    if (err instanceof errors.JOSEError) return null;
    throw err;
  }
}
