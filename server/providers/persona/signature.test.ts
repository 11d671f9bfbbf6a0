import { describe, expect, it } from 'vitest';
import { parseSignatureHeader, signatureHeader, signatureHex, verifySignature } from './signature.js';

// The known-answer vector in ../shared/PERSONA.md (computed from the documented scheme, not published by Persona).
const SECRET = 'wbhsec_fake_secret';
const T = 1709686052;
const BODY = '{"data":{"type":"event","id":"evt_ABC123"}}';
const V1 = '890347d334e614e8957d04420388d2f19f59822a91dc2950b36d1c7f6adaaeed';
const AT_T = new Date(T * 1000);

describe('Persona webhook signatures', () => {
  it('matches the known-answer vector', () => {
    expect(signatureHex(SECRET, T, BODY)).toBe(V1);
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(BODY), [SECRET], AT_T, 300)).toEqual({ ok: true, timestamp: T });
  });

  it('refuses a changed body, a wrong secret, a missing or malformed header', () => {
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(`${BODY} `), [SECRET], AT_T, 300)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(BODY), ['wbhsec_other'], AT_T, 300)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(undefined, Buffer.from(BODY), [SECRET], AT_T, 300)).toEqual({ ok: false, reason: 'missing' });
    expect(verifySignature('v1=zz,t=abc', Buffer.from(BODY), [SECRET], AT_T, 300)).toEqual({ ok: false, reason: 'missing' });
    // The timestamp is signed too: moving it breaks the signature.
    expect(verifySignature(`t=${T + 1},v1=${V1}`, Buffer.from(BODY), [SECRET], AT_T, 300)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a genuine delivery older or newer than the tolerance', () => {
    const late = new Date((T + 301) * 1000);
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(BODY), [SECRET], late, 300)).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(BODY), [SECRET], new Date((T + 300) * 1000), 300).ok).toBe(true);
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(BODY), [SECRET], new Date((T - 301) * 1000), 300)).toEqual({ ok: false, reason: 'stale' });
  });

  it('accepts either pair during a rotation, and either configured secret', () => {
    const header = signatureHeader(['wbhsec_new', SECRET], T, BODY);
    expect(parseSignatureHeader(header)).toHaveLength(2);
    expect(verifySignature(header, Buffer.from(BODY), [SECRET], AT_T, 300).ok).toBe(true);
    expect(verifySignature(header, Buffer.from(BODY), ['wbhsec_new'], AT_T, 300).ok).toBe(true);
    expect(verifySignature(`t=${T},v1=${V1}`, Buffer.from(BODY), ['wbhsec_new', SECRET], AT_T, 300).ok).toBe(true);
    expect(verifySignature(header, Buffer.from(BODY), ['wbhsec_third'], AT_T, 300).ok).toBe(false);
  });

  it('checks at most a few pairs: a header stuffed with pairs is refused before any is computed', () => {
    const forged = Array.from({ length: 4 }, (_, i) => `t=${T},v1=${String(i).repeat(64)}`).join(' ');
    expect(verifySignature(`${forged} t=${T},v1=${V1}`, Buffer.from(BODY), [SECRET], AT_T, 300)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature(`${forged.split(' ').slice(0, 3).join(' ')} t=${T},v1=${V1}`, Buffer.from(BODY), [SECRET], AT_T, 300).ok).toBe(true);
  });
});
