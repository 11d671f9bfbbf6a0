import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONTROL_CHARACTER_RE,
  FIND_QUERY_MAX_LENGTH,
  findQueryProblem,
  INQUIRY_ID_RE,
  parseFindQuery,
  REFERENCE_ID_MAX_LENGTH,
  type FindTarget,
} from './find-query.js';
import { INQUIRY_ID_PATTERN } from './inquiries.js';

const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 1, maxLength: 24 });
const inquiryId = alnum.map((s) => `inq_${s}`);
/** What the local engine's one-time codes look like (an HMAC in base64url), and any other code the hosted flow takes. */
const oneTimeCode = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_'), minLength: 16, maxLength: 64 });
const origin = fc.constantFrom(
  'http://localhost:3000',
  'https://desk.example.com',
  'https://inquiry.withpersona.com',
  'https://withpersona.com',
  'http://127.0.0.1:41234',
);
const sessionToken = fc.string({ minLength: 10, maxLength: 200 }).map((s) => `eyJ${Buffer.from(s).toString('base64url')}`);

function valuesOf(target: FindTarget): string[] {
  return Object.values(target).filter((v): v is string => typeof v === 'string');
}

describe('parseFindQuery', () => {
  it('reads an inquiry id as one, whatever surrounds it in whitespace', () => {
    fc.assert(
      fc.property(inquiryId, fc.constantFrom('', ' ', '  \t', '\n'), (id, pad) => {
        expect(parseFindQuery(`${pad}${id}${pad}`)).toEqual({ kind: 'inquiryId', target: { by: 'id', inquiryId: id } });
      }),
    );
  });

  it('reads a pasted hosted-flow URL (ours or Persona’s, with or without a session token) as its inquiry id, and never keeps the token', () => {
    fc.assert(
      fc.property(origin, inquiryId, fc.option(sessionToken, { nil: undefined }), fc.boolean(), (base, id, token, camel) => {
        const url = new URL(`${base}/verify`);
        url.searchParams.set(camel ? 'inquiryId' : 'inquiry-id', id);
        if (token) url.searchParams.set('session-token', token);
        const parsed = parseFindQuery(url.toString());
        expect(parsed).toEqual({ kind: 'url', target: { by: 'id', inquiryId: id } });
        if (token) expect(JSON.stringify(parsed)).not.toContain(token);
      }),
    );
  });

  it('reads a link without a scheme when it carries an inquiry id or a code', () => {
    expect(parseFindQuery('/verify?inquiry-id=inq_abc123')).toEqual({ kind: 'url', target: { by: 'id', inquiryId: 'inq_abc123' } });
    expect(parseFindQuery('inquiry.withpersona.com/verify?inquiry-id=inq_abc123')).toEqual({ kind: 'url', target: { by: 'id', inquiryId: 'inq_abc123' } });
    expect(parseFindQuery('withpersona.com/verify?code=abcdefghijklmnop1234').kind).toBe('oneTimeLink');
  });

  it('reads an inquiry page’s address (this console’s or a dashboard’s) by its inq_ path segment', () => {
    expect(parseFindQuery('http://localhost:3000/inquiries/inq_Ab12')).toEqual({ kind: 'url', target: { by: 'id', inquiryId: 'inq_Ab12' } });
    expect(parseFindQuery('https://app.withpersona.com/dashboard/inquiries/inq_Zz9?tab=sessions')).toEqual({ kind: 'url', target: { by: 'id', inquiryId: 'inq_Zz9' } });
  });

  it('reads a static link by its reference id (and template), and a link with nothing to search by as such', () => {
    expect(parseFindQuery('http://localhost:3000/verify?inquiry-template-id=itmpl_K1&reference-id=user-42')).toEqual({
      kind: 'url',
      target: { by: 'referenceId', referenceId: 'user-42', templateId: 'itmpl_K1' },
    });
    expect(parseFindQuery('https://example.com/help?topic=verify')).toEqual({ kind: 'url', target: { by: 'nothing' } });
  });

  it('reads a one-time link as its code (the server hashes it, never echoes it)', () => {
    fc.assert(
      fc.property(origin, oneTimeCode, (base, code) => {
        expect(parseFindQuery(`${base}/verify?code=${code}`)).toEqual({ kind: 'oneTimeLink', target: { by: 'oneTimeCode', code } });
      }),
    );
  });

  it('reads an email address exactly, lower-cased, also as mailto: or "Name <address>"', () => {
    fc.assert(
      fc.property(fc.emailAddress(), (email) => {
        expect(parseFindQuery(email)).toEqual({ kind: 'email', target: { by: 'email', email: email.toLowerCase() } });
      }),
    );
    expect(parseFindQuery('Ada.Lovelace@Example.COM').target).toEqual({ by: 'email', email: 'ada.lovelace@example.com' });
    expect(parseFindQuery('mailto:ada@example.com').target).toEqual({ by: 'email', email: 'ada@example.com' });
    expect(parseFindQuery('Ada Lovelace <Ada@Example.com>').target).toEqual({ by: 'email', email: 'ada@example.com' });
  });

  it('reads anything else as a reference id, exactly as typed (trimmed)', () => {
    expect(parseFindQuery('  user-42 ')).toEqual({ kind: 'referenceId', target: { by: 'referenceId', referenceId: 'user-42', templateId: null } });
    expect(parseFindQuery('crm 1234 / acme')).toEqual({ kind: 'referenceId', target: { by: 'referenceId', referenceId: 'crm 1234 / acme', templateId: null } });
    expect(parseFindQuery('inq_').kind).toBe('referenceId');
  });

  it('never searches a control character, even one percent-encoded in a link', () => {
    for (const text of ['https://x.test/verify?reference-id=abc%00', 'https://x.test/verify?inquiry-id=inq_a%00', 'https://x.test/verify?code=abcdefghijklmnopqr%0A']) {
      expect(parseFindQuery(text).target).toEqual({ by: 'nothing' });
    }
  });

  it('for any text it accepts: never throws, searches no control character, no over-long reference, and its kind agrees with its target', () => {
    const anyText = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.tuple(origin, fc.string({ unit: 'binary', maxLength: 300 })).map(([base, raw]) => `${base}/verify?reference-id=${encodeURIComponent(raw)}&code=${encodeURIComponent(raw)}`),
    );
    fc.assert(
      fc.property(anyText, (text) => {
        if (findQueryProblem(text) !== null) return;
        const { kind, target } = parseFindQuery(text);
        for (const value of valuesOf(target)) {
          expect(CONTROL_CHARACTER_RE.test(value)).toBe(false);
          expect(value.length).toBeLessThanOrEqual(FIND_QUERY_MAX_LENGTH);
        }
        if (target.by === 'referenceId' && kind === 'url') expect(target.referenceId.length).toBeLessThanOrEqual(REFERENCE_ID_MAX_LENGTH);
        expect(kind === 'oneTimeLink').toBe(target.by === 'oneTimeCode');
        if (kind === 'inquiryId') expect(target).toEqual({ by: 'id', inquiryId: text.trim() });
      }),
      { numRuns: 500 },
    );
  });
});

describe('findQueryProblem', () => {
  it('refuses empty text, text past the limit and any control character, without repeating the text', () => {
    expect(findQueryProblem('   ')).toMatch(/enter an inquiry id/);
    expect(findQueryProblem('x'.repeat(FIND_QUERY_MAX_LENGTH + 1))).toMatch(/at most 2048/);
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f), fc.string({ maxLength: 20 }), (a, c, b) => {
        const text = `x${a}${String.fromCharCode(c)}${b}x`;
        const problem = findQueryProblem(text);
        expect(problem).toMatch(/control characters/);
        expect(problem).not.toContain(text);
      }),
    );
    expect(findQueryProblem('https://localhost:3000/verify?inquiry-id=inq_abc')).toBeNull();
  });

  it('keeps the inquiry id pattern in step with shared/inquiries.ts', () => {
    expect(INQUIRY_ID_RE.source).toBe(INQUIRY_ID_PATTERN.source);
  });
});
