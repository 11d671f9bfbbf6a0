import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Persona's webhook signature (../shared/PERSONA.md): `Persona-Signature: t=<unix seconds>,v1=<hex>` where the hex is
 * HMAC-SHA256(secret, "<t>." + raw body bytes). During a secret rotation Persona sends two pairs, space-separated,
 * the new one first. A delivery is genuine when any pair matches any configured secret and its timestamp is within
 * the tolerance of now.
 */
export function signatureHex(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header Persona would send for this body (the fake Persona API and the tests sign with it). */
export function signatureHeader(secrets: readonly string[], timestamp: number, rawBody: Buffer | string): string {
  return secrets.map((secret) => `t=${timestamp},v1=${signatureHex(secret, timestamp, rawBody)}`).join(' ');
}

export interface SignaturePair {
  timestamp: number;
  v1: string;
}

/** The `t=…,v1=…` pairs of a header; malformed pairs are dropped (an empty list means nothing to check). */
export function parseSignatureHeader(header: string | undefined): SignaturePair[] {
  if (!header) return [];
  const pairs: SignaturePair[] = [];
  for (const chunk of header.trim().split(/\s+/)) {
    let timestamp: number | null = null;
    const v1s: string[] = [];
    for (const part of chunk.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const key = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
      if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1s.push(value.toLowerCase());
    }
    if (timestamp !== null) for (const v1 of v1s) pairs.push({ timestamp, v1 });
  }
  return pairs;
}

/** The most `t=…,v1=…` pairs a header may carry (Persona sends two at most, during a secret rotation). */
export const MAX_PAIRS = 4;

export type SignatureVerdict = { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'mismatch' | 'stale' };

/**
 * Checks a delivery against every configured secret with a constant-time compare. A pair that matches but whose
 * timestamp is further than `toleranceSeconds` from now is refused as stale (a replay of an old delivery).
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secrets: readonly string[],
  now: Date,
  toleranceSeconds: number,
): SignatureVerdict {
  // Persona sends one pair, two during a rotation: a header with more is not checked pair by pair (each costs an HMAC
  // of the whole body per secret, a way to burn this server's CPU without knowing any secret).
  const pairs = parseSignatureHeader(header);
  if (pairs.length === 0) return { ok: false, reason: 'missing' };
  if (pairs.length > MAX_PAIRS) return { ok: false, reason: 'mismatch' };
  // Stale before anything is computed; a genuine but stale delivery is told apart only in the log's reason.
  const fresh = pairs.filter((pair) => Math.abs(now.getTime() / 1000 - pair.timestamp) <= toleranceSeconds);
  if (fresh.length === 0) return { ok: false, reason: 'stale' };
  const expected = new Map<string, Buffer>();
  for (const pair of fresh) {
    const given = Buffer.from(pair.v1, 'hex');
    for (const [i, secret] of secrets.entries()) {
      const cacheKey = `${i}:${pair.timestamp}`;
      let mac = expected.get(cacheKey);
      if (!mac) {
        mac = Buffer.from(signatureHex(secret, pair.timestamp, rawBody), 'hex');
        expected.set(cacheKey, mac);
      }
      if (given.length === mac.length && timingSafeEqual(given, mac)) return { ok: true, timestamp: pair.timestamp };
    }
  }
  return { ok: false, reason: 'mismatch' };
}
