import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUDIT_QUERY_KEYS,
  AUDIT_QUERY_MAX_LENGTH,
  combineAuditQuery,
  formatAuditQuery,
  isEmptyAuditFilter,
  parseAuditQuery,
  readAuditTime,
  type AuditFilter,
  type AuditQueryResult,
} from './audit-query.js';
import { ONE_LINE_CONTROL } from './text.js';

const lower = 'abcdefghijklmnopqrstuvwxyz';
const alnum = `${lower}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;
const word = (chars: string, min: number, max: number) => fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });

const email = fc.tuple(word(`${lower}0123456789._+-`, 1, 20), word(`${lower}0123456789-`, 1, 12), fc.constantFrom('test', 'com', 'example.org')).map(([user, host, tld]) => `${user}@${host}.${tld}`);
const actorId = fc.tuple(fc.constantFrom('stf', 'key', 'inquiry-desk', 'sys'), word(alnum, 1, 24)).map(([prefix, rest]) => `${prefix}_${rest}`);
const actionWord = word(`${lower}_`, 1, 12);
const action = fc.oneof(
  fc.array(actionWord, { minLength: 2, maxLength: 3 }).map((parts) => parts.join('.')),
  actionWord.map((family) => `${family}.*`),
);
const inquiryId = word(alnum, 1, 24).map((s) => `inq_${s}`);
const target = fc.record({ type: word(`${lower}_`, 1, 20), id: fc.tuple(word(alnum, 1, 1), word(`${alnum}_.-`, 0, 30)).map(([a, b]) => a + b) });
/** Anything one line of text may hold: spaces, quotes, backslashes, colons, accents, emoji. */
const ticket = fc
  .string({ unit: fc.oneof(fc.constantFrom(' ', '"', '\\', ':', '*', '-', 'é', '😀', '\u00a0'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 40 })
  .filter((s) => s.length <= 200 && !ONE_LINE_CONTROL.test(s) && !/[\uD800-\uDFFF]/u.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')));
const instant = fc.date({ min: new Date('1970-01-01T00:00:00.000Z'), max: new Date('9999-12-31T00:00:00.000Z'), noInvalidDate: true });
/** Times typed by the minute and UTC days: both forms the formatter writes. */
const time = fc.oneof(instant, instant.map((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))));

const filterArb: fc.Arbitrary<AuditFilter> = fc
  .record(
    {
      actor: fc.oneof(email, actorId),
      action,
      inquiryId,
      target,
      ticketChoice: fc.oneof(ticket.map((t) => ({ ticket: t })), fc.boolean().map((hasTicket) => ({ hasTicket }))),
      times: fc.tuple(fc.option(time, { nil: undefined }), fc.option(time, { nil: undefined })),
    },
    { requiredKeys: [] },
  )
  .map(({ ticketChoice, times, ...rest }) => {
    const filter: AuditFilter = { ...rest, ...ticketChoice };
    const [a, b] = times ?? [undefined, undefined];
    if (a) filter.after = a.toISOString();
    if (b && (!a || b.getTime() > a.getTime())) filter.before = b.toISOString();
    return filter;
  });

/** Text made of the parser's own pieces and of anything at all, so that the tricky paths are often reached. */
const syntaxPiece = fc.oneof(
  fc.constantFrom(...AUDIT_QUERY_KEYS.map((k) => `${k}:`), 'has:ticket', 'no:ticket', 'ACTOR:', ':'),
  fc.constantFrom('"', '\\', ' ', '  ', '*', '.', '@', 'inq_', 'lnk_', 'T', 'Z', '-', '+02:00', '2026-11-01', '2026-02-30', 'link.created', 'support@demo.test'),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const messyText = fc.array(syntaxPiece, { maxLength: 14 }).map((pieces) => pieces.join(''));

function expectWellFormed(result: AuditQueryResult, text: string) {
  if (result.ok) {
    // A filter is one the parser reads back from its own text.
    const again = parseAuditQuery(formatAuditQuery(result.filter));
    expect(again).toEqual({ ok: true, filter: result.filter });
  } else {
    expect(typeof result.message).toBe('string');
    expect(result.message.length).toBeGreaterThan(10);
    if (result.at !== null) {
      expect(result.at).toBeGreaterThanOrEqual(0);
      expect(result.at).toBeLessThanOrEqual(text.length);
    }
  }
}

describe('parseAuditQuery: any input', () => {
  it('never throws: it answers a filter (that reads back the same) or a message', () => {
    fc.assert(
      fc.property(fc.oneof(messyText, fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 60 })), (text) => {
        const result = parseAuditQuery(text);
        expectWellFormed(result, text);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on input that is not even text (a hand-made request)', () => {
    const parseAnything = parseAuditQuery as (value: unknown) => AuditQueryResult;
    for (const value of [undefined, null, 42, {}, ['actor:x']]) {
      expect(parseAnything(value)).toMatchObject({ ok: false });
    }
  });

  it('combining text with fields never throws either', () => {
    fc.assert(
      fc.property(messyText, filterArb, (text, fields) => {
        expectWellFormed(combineAuditQuery(text, fields), text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseAuditQuery: round trip', () => {
  it('filter → text → filter is the identity', () => {
    fc.assert(
      fc.property(filterArb, (filter) => {
        const text = formatAuditQuery(filter);
        expect(parseAuditQuery(text)).toEqual({ ok: true, filter });
      }),
      { numRuns: 2000 },
    );
  });

  it('reads terms in any order, with any spacing, and keys in any case', () => {
    fc.assert(
      fc.property(filterArb, fc.integer(), fc.constantFrom(' ', '   ', '\u00a0', ' \u2003 '), (filter, seed, gap) => {
        const terms = formatAuditQuery(filter).match(/(?:[^\s"]+:)?(?:"(?:[^"\\]|\\.)*"|\S+)/gu) ?? [];
        const shuffled = [...terms].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7));
        const upper = shuffled.map((t) => t.replace(/^[a-z]+:/, (k) => k.toUpperCase()));
        expect(parseAuditQuery(`${gap}${upper.join(gap)}${gap}`)).toEqual({ ok: true, filter });
      }),
      { numRuns: 500 },
    );
  });

  it('fields given apart read as the same search as the text', () => {
    fc.assert(
      fc.property(filterArb, (filter) => {
        expect(combineAuditQuery('', filter)).toEqual({ ok: true, filter });
        expect(combineAuditQuery(formatAuditQuery(filter), filter)).toEqual({ ok: true, filter });
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseAuditQuery: what it reads', () => {
  it('reads the issue’s example', () => {
    expect(parseAuditQuery('actor:support@demo.test action:link.created inquiry:inq_Ab12 after:2026-11-01')).toEqual({
      ok: true,
      filter: { actor: 'support@demo.test', action: 'link.created', inquiryId: 'inq_Ab12', after: '2026-11-01T00:00:00.000Z' },
    });
  });

  it('reads the empty search as no filter', () => {
    expect(parseAuditQuery('   ')).toEqual({ ok: true, filter: {} });
    expect(isEmptyAuditFilter({})).toBe(true);
    expect(formatAuditQuery({})).toBe('');
  });

  it('lower-cases emails and actions, keeps actor ids as they are', () => {
    expect(parseAuditQuery('actor:Support@Demo.TEST action:Link.Created')).toEqual({ ok: true, filter: { actor: 'support@demo.test', action: 'link.created' } });
    expect(parseAuditQuery('actor:stf_AbC')).toEqual({ ok: true, filter: { actor: 'stf_AbC' } });
  });

  it('reads a family of actions as family.*', () => {
    expect(parseAuditQuery('action:policy')).toEqual({ ok: true, filter: { action: 'policy.*' } });
    expect(parseAuditQuery('action:policy.*')).toEqual({ ok: true, filter: { action: 'policy.*' } });
  });

  it('reads a target as type:id, or by a known id prefix', () => {
    expect(parseAuditQuery('target:link:lnk_1')).toEqual({ ok: true, filter: { target: { type: 'link', id: 'lnk_1' } } });
    expect(parseAuditQuery('target:lnk_1')).toEqual({ ok: true, filter: { target: { type: 'link', id: 'lnk_1' } } });
    expect(parseAuditQuery('target:stf_9')).toEqual({ ok: true, filter: { target: { type: 'staff', id: 'stf_9' } } });
  });

  it('reads tickets, quoted values and has:/no:', () => {
    expect(parseAuditQuery('ticket:"SUP 12 \\"urgent\\""')).toEqual({ ok: true, filter: { ticket: 'SUP 12 "urgent"' } });
    expect(parseAuditQuery('has:ticket')).toEqual({ ok: true, filter: { hasTicket: true } });
    expect(parseAuditQuery('no:Ticket')).toEqual({ ok: true, filter: { hasTicket: false } });
    expect(formatAuditQuery({ ticket: 'a b' })).toBe('ticket:"a b"');
  });

  it('reads times with a zone as UTC, days as UTC midnight', () => {
    expect(parseAuditQuery('after:2026-11-01T09:30+02:00 before:2026-11-02')).toEqual({
      ok: true,
      filter: { after: '2026-11-01T07:30:00.000Z', before: '2026-11-02T00:00:00.000Z' },
    });
    expect(readAuditTime('2026-11-01T09:30:15.5Z')).toBe('2026-11-01T09:30:15.500Z');
  });

  it('reads a pasted inquiry id or email as what it is', () => {
    expect(parseAuditQuery('inq_Ab12 compliance@demo.test')).toEqual({ ok: true, filter: { inquiryId: 'inq_Ab12', actor: 'compliance@demo.test' } });
  });

  it('accepts the same term twice', () => {
    expect(parseAuditQuery('action:link.created action:link.created')).toEqual({ ok: true, filter: { action: 'link.created' } });
  });
});

describe('parseAuditQuery: what it refuses, and says why', () => {
  const refused = (text: string) => {
    const result = parseAuditQuery(text);
    if (result.ok) throw new Error(`accepted: ${text}`);
    return result;
  };

  it.each([
    ['colour:red', /unknown key "colour:" — use actor:, action:, inquiry:, target:/],
    ['actor:', /actor: expected a value after "actor:"/],
    [':x', /expected a key before ":"/],
    ['ticket:"SUP 12', /ticket: unbalanced quote .* has no closing "/],
    ['ticket:SU"P', /unexpected quote inside a value/],
    ['ticket:"a"b', /expected a space after the closing quote/],
    ['after:2026-13-01', /after: expected a date like 2026-11-01 or a time with its zone like 2026-11-01T09:30Z, got "2026-13-01"/],
    ['after:2026-02-30', /after: expected a date/],
    ['before:2026-11-01T10:00', /before: expected a date/],
    ['after:2026-11-02 before:2026-11-01', /after: must be earlier than before/],
    ['actor:a@b actor:c@d', /actor: given twice/],
    ['has:ticket no:ticket', /contradict each other/],
    ['ticket:X no:ticket', /no:ticket contradicts ticket/],
    ['has:reason', /has: expected has:ticket/],
    ['inquiry:12', /inquiry: expected an inquiry id like inq_…, got "12"/],
    ['target:thing_1', /target: expected type:id \(e\.g\. link:lnk_…\) or an id starting with inq_, lnk_/],
    ['action:Link-Created', /action: expected a dotted action like link\.created, or a family like link\.\*/],
    ['actor:"two words"', /actor: expected a staff email/],
    ['resume', /"resume" is not a search term: free text is not searched — use key:value terms/],
    ['"lost session"', /"lost session" is not a search term/],
    ['ticket:a\tb', /must not contain control characters/],
  ])('%s', (text, message) => {
    const result = refused(text);
    expect(result.message).toMatch(message);
  });

  it('says where the problem is', () => {
    expect(refused('action:link.created colour:red').at).toBe(20);
    expect(refused('ticket:"open').at).toBe(7);
  });

  it('refuses overlong text', () => {
    expect(refused('x'.repeat(AUDIT_QUERY_MAX_LENGTH + 1)).message).toMatch(/at most 1000 characters/);
  });

  it('refuses fields that contradict the text', () => {
    const result = combineAuditQuery('actor:a@b.test', { actor: 'c@d.test' });
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.message).toMatch(/actor: given twice .*the search text and the filters disagree/);
    expect(combineAuditQuery('', { inquiryId: 'nope' })).toMatchObject({ ok: false, message: expect.stringMatching(/inquiry: expected an inquiry id/) as unknown });
  });
});
