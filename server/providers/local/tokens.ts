import { createHmac, randomBytes } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import type { Executor } from '../../repositories/executor.js';
import { storedSecret } from '../../repositories/secrets.js';

/**
 * Session tokens are HS256 JWTs (as Persona's are): `sid` names the session, `sub` the inquiry, `iat` and `exp`
 * are the session's creation and expiry. The token is a pure function of the session row and the secret, so
 * it never needs storing: a replayed request re-derives the same token, and a token is checked without a
 * database read (the hosted flow then looks up the session only to see whether it was revoked).
 */
export const TOKEN_AUDIENCE = 'inquiry-desk-verify';
const ISSUER = 'inquiry-desk';
const HS256_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' }), 'utf8').toString('base64url');

export interface SessionClaims {
  sessionId: string;
  inquiryId: string;
  createdAt: Date;
  expiresAt: Date;
}

export class SessionTokens {
  private readonly key: Uint8Array;
  private readonly secret: string;
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('The session token secret must be at least 32 characters');
    this.secret = secret;
    this.key = new TextEncoder().encode(secret);
  }

  /**
   * A one-time link's code: an HMAC of the link id, so it is never stored (only its SHA-256 is, for lookup)
   * and a replayed request can rebuild the same URL.
   */
  oneTimeCode(linkId: string): string {
    return createHmac('sha256', this.secret).update(`one-time-link:${linkId}`).digest('base64url');
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
    const signingInput = `${HS256_HEADER}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
    return `${signingInput}.${createHmac('sha256', this.key).update(signingInput).digest('base64url')}`;
  }

  /** The session id and inquiry id of a valid, unexpired token; null for anything else (never throws). */
  async verify(token: string, now: Date): Promise<{ sessionId: string; inquiryId: string } | null> {
    if (token.length > 2048) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, {
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
}

/**
 * The signing secret: SESSION_TOKEN_SECRET when set (required for real multi-instance deployments), otherwise
 * generated once and kept in the database so that every instance and every restart agrees on it.
 */
export async function loadTokenSecret(db: Executor, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  return storedSecret(db, 'session_token_secret', randomBytes(48).toString('base64url'));
}
