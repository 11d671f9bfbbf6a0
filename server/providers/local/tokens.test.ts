import { createHmac } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../crypto.js';
import { keyId, SessionTokens, TOKEN_AUDIENCE } from './tokens.js';

describe('session tokens', () => {
  const secret = 'a-test-secret-that-is-long-enough-for-hs256-ünïcode';
  const tokens = new SessionTokens({ current: secret, previous: null });
  const claims = { sessionId: 'iqse_abc', inquiryId: 'inq_xyz', createdAt: new Date('2026-03-01T10:00:00.900Z'), expiresAt: new Date('2026-03-02T10:00:00.400Z') };
  const during = new Date('2026-03-01T12:00:00Z');

  /** What jose's SignJWT makes of these claims under `key`, with `header`. */
  const byJose = (key: string, header: { alg: 'HS256'; kid?: string; typ: 'JWT' }) =>
    new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader(header)
      .setIssuer('inquiry-desk')
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(claims.inquiryId)
      .setIssuedAt(Math.floor(claims.createdAt.getTime() / 1000))
      .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
      .sign(new TextEncoder().encode(key));

  it('signs exactly as jose SignJWT does with the key id in the header, so a replay re-derives the same bytes', async () => {
    expect(tokens.sign(claims)).toBe(await byJose(secret, { alg: 'HS256', kid: keyId(secret), typ: 'JWT' }));
    expect(tokens.sign(claims)).toBe(tokens.sign(claims));
  });

  it('names its key by a short id that is not the key and differs per key', () => {
    const header = decodeProtectedHeader(tokens.sign(claims));
    expect(header.kid).toBe(tokens.keyId);
    expect(header.kid).toMatch(/^[\w-]{12}$/);
    expect(secret).not.toContain(String(header.kid));
    expect(keyId(`${secret}-other`)).not.toBe(keyId(secret));
  });

  it('verifies what it signs until expiry, and nothing signed with another secret', async () => {
    const token = tokens.sign(claims);
    expect(await tokens.verify(token, during)).toEqual({ sessionId: 'iqse_abc', inquiryId: 'inq_xyz' });
    expect(await tokens.verify(token, new Date('2026-03-02T10:00:01Z'))).toBeNull();
    expect(await new SessionTokens({ current: `${secret}-other`, previous: null }).verify(token, during)).toBeNull();
  });

  it('still verifies tokens issued before key ids (no kid) with the key they were signed with', async () => {
    const legacy = await byJose(secret, { alg: 'HS256', typ: 'JWT' });
    expect(await tokens.verify(legacy, during)).toEqual({ sessionId: 'iqse_abc', inquiryId: 'inq_xyz' });
    const rotated = new SessionTokens({ current: `${secret}-next`, previous: secret });
    expect(await rotated.verify(legacy, during)).toEqual({ sessionId: 'iqse_abc', inquiryId: 'inq_xyz' });
    expect(await new SessionTokens({ current: `${secret}-next`, previous: null }).verify(legacy, during)).toBeNull();
  });

  it('during a rotation verifies tokens of the previous key by their kid, and signs only with the current one', async () => {
    const old = tokens.sign(claims);
    const rotated = new SessionTokens({ current: `${secret}-next`, previous: secret });
    expect(await rotated.verify(old, during)).toEqual({ sessionId: 'iqse_abc', inquiryId: 'inq_xyz' });
    const fresh = rotated.sign(claims);
    expect(decodeProtectedHeader(fresh).kid).toBe(keyId(`${secret}-next`));
    expect(await tokens.verify(fresh, during)).toBeNull();
    // A kid that names no key in force is refused, even if another key would have matched.
    const [, payload, signature] = old.split('.');
    const forgedHeader = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'unknownkey00', typ: 'JWT' })).toString('base64url');
    expect(await rotated.verify(`${forgedHeader}.${payload}.${signature}`, during)).toBeNull();
  });

  it('derives one-time codes from the current key and rebuilds an older code from the key that made it', () => {
    const code = tokens.oneTimeCode('otl_1');
    expect(code).toBe(createHmac('sha256', secret).update('one-time-link:otl_1').digest('base64url'));
    const rotated = new SessionTokens({ current: `${secret}-next`, previous: secret });
    expect(rotated.oneTimeCode('otl_1')).not.toBe(code);
    expect(rotated.oneTimeCodeMatching('otl_1', sha256Hex(code))).toBe(code);
    expect(new SessionTokens({ current: `${secret}-next`, previous: null }).oneTimeCodeMatching('otl_1', sha256Hex(code))).toBeNull();
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(() => new SessionTokens({ current: 'short', previous: null })).toThrow(/at least 32 characters/);
    expect(() => new SessionTokens({ current: secret, previous: 'short' })).toThrow(/previous session token secret/);
  });
});
