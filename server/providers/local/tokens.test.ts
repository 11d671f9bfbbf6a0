import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SessionTokens, TOKEN_AUDIENCE } from './tokens.js';

describe('session tokens', () => {
  const secret = 'a-test-secret-that-is-long-enough-for-hs256-ünïcode';
  const tokens = new SessionTokens(secret);
  const claims = { sessionId: 'iqse_abc', inquiryId: 'inq_xyz', createdAt: new Date('2026-03-01T10:00:00.900Z'), expiresAt: new Date('2026-03-02T10:00:00.400Z') };

  it('signs exactly as jose SignJWT did, so tokens issued before and replays after are the same bytes', async () => {
    const byJose = await new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('inquiry-desk')
      .setAudience(TOKEN_AUDIENCE)
      .setSubject(claims.inquiryId)
      .setIssuedAt(Math.floor(claims.createdAt.getTime() / 1000))
      .setExpirationTime(Math.floor(claims.expiresAt.getTime() / 1000))
      .sign(new TextEncoder().encode(secret));
    expect(tokens.sign(claims)).toBe(byJose);
  });

  it('verifies what it signs until expiry, and nothing signed with another secret', async () => {
    const token = tokens.sign(claims);
    expect(await tokens.verify(token, new Date('2026-03-01T12:00:00Z'))).toEqual({ sessionId: 'iqse_abc', inquiryId: 'inq_xyz' });
    expect(await tokens.verify(token, new Date('2026-03-02T10:00:01Z'))).toBeNull();
    expect(await new SessionTokens(`${secret}-other`).verify(token, new Date('2026-03-01T12:00:00Z'))).toBeNull();
  });
});
