import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalEventBody, canonicalJson, chainHash, GENESIS_HASH, isoMillis } from '../../server/audit/canonical.js';
import { findMetadataProblem, isSecretKey } from '../../server/audit/metadata.js';
import { AppError } from '../../server/errors.js';
import { prepareAuditEvent, type AuditEventInput } from '../../server/services/audit.js';

const base: AuditEventInput = {
  actor: { type: 'staff', id: 'stf_1', display: 'support@demo.test' },
  action: 'inquiry.resumed',
  target: { type: 'inquiry', id: 'inq_abc' },
  reason: 'User closed the tab',
  occurredAt: new Date('2026-11-25T09:30:00.123Z'),
};

describe('canonical encoding', () => {
  it('sorts keys at every depth, writes no whitespace and numbers as JSON.stringify does', () => {
    expect(canonicalJson({ b: 1, a: [3, { z: true, y: null }], c: 'é\n"' })).toBe('{"a":[3,{"y":null,"z":true}],"b":1,"c":"é\\n\\""}');
    expect(canonicalJson({ n: [1e21, 0.1, -0, 5e-324, 1.5, 100] })).toBe('{"n":[1e+21,0.1,0,5e-324,1.5,100]}');
    // UTF-16 code-unit order (RFC 8785): upper case before lower case, "é" after "z".
    expect(canonicalJson({ é: 1, z: 2, Z: 3, a: 4 })).toBe('{"Z":3,"a":4,"z":2,"é":1}');
    expect(canonicalJson({ skip: undefined, d: new Date('2026-01-01T00:00:00Z') })).toBe('{"d":"2026-01-01T00:00:00.000Z"}');
  });

  it('fixes the event body: every field present, absent ones null, keys sorted, milliseconds in UTC', () => {
    const { body, event } = prepareAuditEvent({ ...base, metadata: { sessionId: 'iqse_1', tokenFingerprint: 'ab12' } });
    expect(body).toBe(
      '{"action":"inquiry.resumed","actorDisplay":"support@demo.test","actorId":"stf_1","actorType":"staff","ip":null,' +
        '"metadata":{"sessionId":"iqse_1","tokenFingerprint":"ab12"},"occurredAt":"2026-11-25T09:30:00.123Z",' +
        '"reason":"User closed the tab","requestId":null,"targetId":"inq_abc","targetType":"inquiry","ticket":null,' +
        '"userAgent":null,"v":1}',
    );
    expect(canonicalEventBody(event)).toBe(body);
    // The body is itself canonical JSON of what it encodes.
    expect(canonicalJson(JSON.parse(body))).toBe(body);
  });

  it('writes the same body whatever the metadata keys, including ones JS objects reorder', () => {
    const event = prepareAuditEvent(base).event;
    for (const metadata of [
      {},
      { b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } },
      { '10': 'ten', '9': 'nine', a: 'a' }, // integer-like keys: an object would enumerate "9" before "10"
      { nested: { '2': true, '01': false } },
      JSON.parse('{"__proto__":{"x":1},"z":0}') as Record<string, unknown>,
    ]) {
      const body = canonicalEventBody({ ...event, metadata });
      const reference = canonicalJson({ ...JSON.parse(body), metadata });
      expect(body).toBe(reference);
    }
    expect(canonicalJson({ '10': 1, '9': 2, a: 3 })).toBe('{"10":1,"9":2,"a":3}');
  });

  it('formats instants exactly as Date#toISOString, cached or not', () => {
    const instants = [0, 1, 999, 1000, 1764063000123, 1764063000999, 1764063001000, 1764063000005, 1764063000050, -1, -1001, 253402300799999, 946684800000];
    for (const ms of [...instants, ...instants.reverse(), 1764063000123, 1764063000124]) {
      expect(isoMillis(new Date(ms))).toBe(new Date(ms).toISOString());
    }
    expect(isoMillis(new Date(253402300800000))).toBe('+010000-01-01T00:00:00.000Z');
  });

  it('hashes prev_hash, seq and body joined by newlines, as SHA-256 hex', () => {
    const body = '{"v":1}';
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n1\n${body}`).digest('hex');
    expect(chainHash(GENESIS_HASH, 1, body)).toBe(expected);
    expect(chainHash(GENESIS_HASH, 2, body)).not.toBe(expected);
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});

describe('audit event validation', () => {
  const rejects = (input: AuditEventInput, message: RegExp) => {
    let caught: unknown;
    try {
      prepareAuditEvent(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('BAD_REQUEST');
    expect((caught as AppError).message).toMatch(message);
  };

  it('accepts dotted lower-case actions and refuses anything else', () => {
    for (const action of ['inquiry.resumed', 'auth.login_failed', 'audit.exported', 'a.b.c']) {
      expect(() => prepareAuditEvent({ ...base, action })).not.toThrow();
    }
    for (const action of ['inquiry', 'Inquiry.Resumed', 'inquiry.', '.resumed', 'inquiry resumed', 'inquiry.re-sumed', `a.${'b'.repeat(100)}`]) {
      rejects({ ...base, action }, /action/);
    }
  });

  it('refuses over-long fields and text the database would alter, and trims an over-long user agent', () => {
    rejects({ ...base, reason: 'x'.repeat(2001) }, /reason/);
    rejects({ ...base, ticket: 't'.repeat(201) }, /ticket/);
    rejects({ ...base, reason: 'nul \u0000 inside' }, /reason: contains a NUL/);
    rejects({ ...base, reason: 'lone \uD800 surrogate' }, /unpaired surrogate/);
    rejects({ ...base, actor: { type: 'robot' as 'system', id: null, display: null } }, /actor\.type/);
    rejects({ ...base, occurredAt: new Date(Number.NaN) }, /occurredAt/);
    const { event } = prepareAuditEvent({ ...base, request: { userAgent: 'M'.repeat(600), ip: '::1', requestId: 'req-1' } });
    expect(event.userAgent).toHaveLength(512);
  });

  it('refuses metadata that names a secret, at any depth and in any case', () => {
    for (const metadata of [
      { sessionToken: 'eyJ…' },
      { SESSION_TOKEN: 'x' },
      { token: 'x' },
      { nested: { Password: 'x' } },
      { list: [{ ok: 1 }, { 'set-cookie': 'sid=1' }] },
      { apiKey: 'x' },
      { clientSecret: 'x' },
    ]) {
      rejects({ ...base, metadata }, /names a secret/);
    }
    rejects({ ...base, metadata: { value: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' } }, /looks like a credential/);
    rejects({ ...base, metadata: { header: 'Bearer abc.def' } }, /looks like a credential/);
    rejects({ ...base, metadata: { note: 'pasted idk_live_AbCdEfGhJkMnPqRsTuVwXyZ23456789abcdefghij by mistake' } }, /looks like a credential/);
    expect(() => prepareAuditEvent({ ...base, metadata: { apiKeyPrefix: 'idk_live_AbCd' } })).not.toThrow();
    rejects({ ...base, metadata: { url: 'https://desk.test/verify?inquiry-id=inq_1&session-token=abc' } }, /URL carrying a credential/);
    // A fingerprint, a session id and an API key's id are what the log should hold.
    expect(() => prepareAuditEvent({ ...base, metadata: { tokenFingerprint: 'sha256:ab12', sessionId: 'iqse_1', apiKeyId: 'key_1' } })).not.toThrow();
    expect(isSecretKey('tokenFingerprint')).toBe(false);
    expect(isSecretKey('X-Api-Key')).toBe(true);
    expect(findMetadataProblem({ a: { b: { c: 'fine' } } })).toBeNull();
  });

  it('refuses metadata that is not JSON or too large', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    rejects({ ...base, metadata: cyclic }, /metadata is not JSON/);
    rejects({ ...base, metadata: { blob: 'x'.repeat(20_000) } }, /larger than/);
  });
});
