import { describe, expect, it } from 'vitest';
import {
  androidSnippet,
  buildHandoffs,
  dartString,
  defaultHostedFlowUrl,
  flutterSnippet,
  hostedLink,
  iosSnippet,
  jsString,
  jsSnippet,
  jsxAttribute,
  kotlinString,
  reactNativeSnippet,
  reactSnippet,
  sdkHost,
  swiftString,
} from './handoffs';

const inquiryId = 'inq_7Hk2bX9pQe';
const sessionToken = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpcXNlXzEifQ.c2lnbmF0dXJl';
const local = { inquiryId, sessionToken, hostedFlowUrl: 'http://localhost:5173/verify' };
const persona = { inquiryId, sessionToken, hostedFlowUrl: 'https://inquiry.withpersona.com/verify' };
/** Quotes of every kind, a backslash, interpolation starters and a line break: what a snippet must not let through. */
const nasty = `a'b"c\\d$e\${f}\\(g)</script>\nh`;

describe('the hand-offs of a resumed inquiry', () => {
  it('offers the hosted link and every SDK, each with the exact inquiry id and session token', () => {
    const handoffs = buildHandoffs(local);
    expect(handoffs.map((h) => h.kind)).toEqual(['hosted', 'js', 'react', 'ios', 'android', 'reactNative', 'flutter']);
    for (const h of handoffs) {
      expect(h.code, h.kind).toContain(inquiryId);
      expect(h.code, h.kind).toContain(sessionToken);
    }
  });

  it('the hosted link carries inquiry-id and session-token as query parameters', () => {
    const url = new URL(hostedLink(local));
    expect(`${url.origin}${url.pathname}`).toBe('http://localhost:5173/verify');
    expect(url.searchParams.get('inquiry-id')).toBe(inquiryId);
    expect(url.searchParams.get('session-token')).toBe(sessionToken);
    // Parameters already on the base survive; ours replace any stale ones.
    const kept = new URL(hostedLink({ ...local, hostedFlowUrl: 'https://verify.example.com/verify?language=de&inquiry-id=old' }));
    expect(kept.searchParams.get('language')).toBe('de');
    expect(kept.searchParams.getAll('inquiry-id')).toEqual([inquiryId]);
    // Odd characters are percent-encoded and read back exactly.
    expect(new URL(hostedLink({ ...local, sessionToken: nasty })).searchParams.get('session-token')).toBe(nasty);
  });

  it('defaults the hosted flow to this origin’s /verify', () => {
    expect(defaultHostedFlowUrl('https://desk.example.com')).toBe('https://desk.example.com/verify');
    expect(defaultHostedFlowUrl('https://desk.example.com/')).toBe('https://desk.example.com/verify');
  });

  it('uses the documented parameter names of each SDK', () => {
    expect(jsSnippet(local)).toContain(`inquiryId: '${inquiryId}',\n  sessionToken: '${sessionToken}',`);
    expect(jsSnippet(local)).toContain('new Persona.Client({');
    expect(jsSnippet(local)).toContain('onReady: () => client.open(),');
    expect(reactSnippet(local)).toContain(`inquiryId="${inquiryId}"\n      sessionToken="${sessionToken}"`);
    expect(reactSnippet(local)).toContain("import Inquiry from 'persona-react';");
    expect(iosSnippet(local)).toContain(`Inquiry.from(inquiryId: "${inquiryId}", delegate: self)\n    .sessionToken("${sessionToken}")\n    .build()\n    .start(from: self)`);
    expect(androidSnippet(local)).toContain(`Inquiry.fromInquiry("${inquiryId}")\n        .sessionToken("${sessionToken}")\n        .build()`);
    expect(androidSnippet(local)).toContain('registerForActivityResult(Inquiry.Contract())');
    expect(reactNativeSnippet(local)).toContain(`Inquiry.fromInquiry('${inquiryId}')\n  .sessionToken('${sessionToken}')\n  .onComplete(`);
    expect(reactNativeSnippet(local)).toMatch(/\.build\(\)\n {2}\.start\(\);$/);
    expect(flutterSnippet(local)).toContain(`InquiryIdConfiguration(\n  inquiryId: '${inquiryId}',\n  sessionToken: '${sessionToken}',\n)`);
  });

  it('points the web SDKs at a flow Persona does not host, in the form the SDK accepts (no scheme)', () => {
    expect(sdkHost(local.hostedFlowUrl)).toBe('localhost:5173');
    expect(sdkHost('https://verify.example.com/verify')).toBe('verify.example.com');
    expect(sdkHost(persona.hostedFlowUrl)).toBeNull();
    expect(jsSnippet(local)).toContain("host: 'localhost:5173',");
    expect(reactSnippet(local)).toContain('host="localhost:5173"');
    expect(jsSnippet(persona)).not.toContain('host:');
    expect(reactSnippet(persona)).not.toContain('host=');
  });

  it('escapes quotes, backslashes and interpolation in every language', () => {
    expect(jsString(nasty)).toBe(`'a\\'b"c\\\\d$e\${f}\\\\(g)\\u003C/script>\\nh'`);
    expect(swiftString(nasty)).toBe(`"a'b\\"c\\\\d$e\${f}\\\\(g)</script>\\nh"`);
    expect(kotlinString(nasty)).toBe(`"a'b\\"c\\\\d\\$e\\\${f}\\\\(g)</script>\\nh"`);
    expect(dartString(nasty)).toBe(`'a\\'b"c\\\\d\\$e\\\${f}\\\\(g)</script>\\nh'`);
    expect(jsxAttribute(inquiryId)).toBe(`"${inquiryId}"`);
    expect(jsxAttribute(nasty)).toBe(`{${jsString(nasty)}}`);

    const input = { ...local, inquiryId: `inq_"x'`, sessionToken: nasty };
    for (const h of buildHandoffs(input)) {
      // No snippet holds the raw value, whose quotes would end its string literal.
      expect(h.code, h.kind).not.toContain(nasty);
    }
    expect(jsSnippet(input)).toContain(`inquiryId: 'inq_"x\\'',`);
    expect(reactSnippet(input)).toContain(`inquiryId={'inq_"x\\''}`);
    expect(iosSnippet(input)).toContain(`Inquiry.from(inquiryId: "inq_\\"x'", delegate: self)`);
    expect(androidSnippet(input)).toContain(`Inquiry.fromInquiry("inq_\\"x'")`);
    expect(reactNativeSnippet(input)).toContain(`Inquiry.fromInquiry('inq_"x\\'')`);
    expect(flutterSnippet(input)).toContain(`inquiryId: 'inq_"x\\'',`);
  });

  it('control characters become escapes, not raw bytes', () => {
    expect(jsString('a\u0001\u2028b')).toBe("'a\\u0001\\u2028b'");
    expect(swiftString('a\u0001b')).toBe('"a\\u{1}b"');
    expect(kotlinString('a\u0001b')).toBe('"a\\u0001b"');
    expect(dartString('a\u0001b')).toBe("'a\\u{1}b'");
  });
});
