/**
 * Ready-to-paste hand-offs for a resumed inquiry: the same two values (inquiry id and session token) in the shape
 * each Persona integration documents — `inquiry-id`/`session-token` in hosted-flow URLs, `inquiryId`/`sessionToken`
 * in the SDKs. Pure functions of their input: nothing here stores the token.
 */

export type HandoffKind = 'hosted' | 'js' | 'react' | 'ios' | 'android' | 'reactNative' | 'flutter';

export interface HandoffInput {
  inquiryId: string;
  sessionToken: string;
  /** The hosted flow's base URL (`…/verify`). The embedded SDKs frame `<its origin>/widget`. */
  hostedFlowUrl: string;
}

export interface Handoff {
  kind: HandoffKind;
  /** The tab's name. */
  label: string;
  /** The package or platform it is for, shown under the snippet. */
  platform: string;
  code: string;
}

/** Persona's own hosted flow: the SDKs reach it without a `host` option. */
const PERSONA_HOSTED_ORIGIN = 'https://inquiry.withpersona.com';

/** `${origin}/verify`, the hosted flow this server serves, when the client knows no other base. */
export function defaultHostedFlowUrl(origin: string): string {
  return `${origin.replace(/\/$/, '')}/verify`;
}

// ── String literals, one escaper per language ──────────────────────────────────────────────────────────────────

const hex4 = (c: string) => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');

/** Escapes `\`, the quote, line breaks and other control characters; `extra` adds language-specific escapes. */
function literal(value: string, quote: '"' | "'", control: (c: string) => string, extra: Record<string, string> = {}): string {
  let out = '';
  for (const c of value) {
    if (c === '\\') out += '\\\\';
    else if (c === quote) out += `\\${quote}`;
    else if (c in extra) out += extra[c];
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c < ' ' || c === '\u2028' || c === '\u2029' || c === '\u007f') out += control(c);
    else out += c;
  }
  return `${quote}${out}${quote}`;
}

/** A single-quoted JavaScript string (also safe inside an HTML <script>: `<` is escaped). */
export const jsString = (value: string) => literal(value, "'", (c) => `\\u${hex4(c)}`, { '<': '\\u003C' });
/** A Swift string literal (`\(` cannot start an interpolation once `\` is escaped). */
export const swiftString = (value: string) => literal(value, '"', (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
/** A Kotlin string literal (`$` would start a template). */
export const kotlinString = (value: string) => literal(value, '"', (c) => `\\u${hex4(c)}`, { $: '\\$' });
/** A single-quoted Dart string (`$` would start an interpolation). */
export const dartString = (value: string) => literal(value, "'", (c) => `\\u{${c.charCodeAt(0).toString(16)}}`, { $: '\\$' });
/** A JSX attribute value: a plain `"…"` when nothing needs escaping (JSX attributes have no escapes), else `{'…'}`. */
export const jsxAttribute = (value: string) => (/^[\w.\-~+/=:]*$/.test(value) ? `"${value}"` : `{${jsString(value)}}`);

// ── The hand-offs ──────────────────────────────────────────────────────────────────────────────────────────────

/** The hosted flow with the inquiry and its session token as query parameters. */
export function hostedLink({ inquiryId, sessionToken, hostedFlowUrl }: HandoffInput): string {
  const url = new URL(hostedFlowUrl);
  url.searchParams.set('inquiry-id', inquiryId);
  url.searchParams.set('session-token', sessionToken);
  return url.toString();
}

/**
 * The `host` option the web SDKs need to reach a flow that Persona does not host: the SDK takes a bare
 * `host[:port]` and prefixes `https://` (or `http://` for `localhost`). Null for Persona's own flow.
 */
export function sdkHost(hostedFlowUrl: string): string | null {
  const url = new URL(hostedFlowUrl);
  return url.origin === PERSONA_HOSTED_ORIGIN ? null : url.host;
}

/** The embedded flow with the `persona` package (`new Persona.Client`), opened as soon as it is ready. */
export function jsSnippet(input: HandoffInput): string {
  const host = sdkHost(input.hostedFlowUrl);
  return [
    "import Persona from 'persona';",
    '',
    'const client = new Persona.Client({',
    ...(host ? [`  host: ${jsString(host)},`] : []),
    `  inquiryId: ${jsString(input.inquiryId)},`,
    `  sessionToken: ${jsString(input.sessionToken)},`,
    '  onReady: () => client.open(),',
    '  onComplete: ({ inquiryId, status, fields }) => {',
    '    // The end user finished: tell your backend, which confirms the status with the API.',
    '    console.log(`Inquiry ${inquiryId} finished: ${status}`);',
    '  },',
    '  onCancel: ({ inquiryId, sessionToken }) => console.log(`Inquiry ${inquiryId} left unfinished`),',
    '  onError: (error) => console.error(error),',
    '});',
  ].join('\n');
}

/** The inline React component from `persona-react`. */
export function reactSnippet(input: HandoffInput): string {
  const host = sdkHost(input.hostedFlowUrl);
  return [
    "import Inquiry from 'persona-react';",
    '',
    'export function Verification() {',
    '  return (',
    '    <Inquiry',
    ...(host ? [`      host=${jsxAttribute(host)}`] : []),
    `      inquiryId=${jsxAttribute(input.inquiryId)}`,
    `      sessionToken=${jsxAttribute(input.sessionToken)}`,
    '      onComplete={({ inquiryId, status, fields }) => {',
    '        console.log(`Inquiry ${inquiryId} finished: ${status}`);',
    '      }}',
    '    />',
    '  );',
    '}',
  ].join('\n');
}

/** The iOS SDK (Persona2), started from a view controller that is its InquiryDelegate. */
export function iosSnippet({ inquiryId, sessionToken }: HandoffInput): string {
  return [
    'import Persona2',
    '',
    '// In a UIViewController that conforms to InquiryDelegate:',
    `Inquiry.from(inquiryId: ${swiftString(inquiryId)}, delegate: self)`,
    `    .sessionToken(${swiftString(sessionToken)})`,
    '    .build()',
    '    .start(from: self)',
  ].join('\n');
}

/** The Android SDK, launched through an ActivityResultLauncher. */
export function androidSnippet({ inquiryId, sessionToken }: HandoffInput): string {
  return [
    'import com.withpersona.sdk2.inquiry.Inquiry',
    'import com.withpersona.sdk2.inquiry.InquiryResponse',
    '',
    '// In your Activity or Fragment:',
    'private val getInquiryResult = registerForActivityResult(Inquiry.Contract()) { result ->',
    '    when (result) {',
    '        is InquiryResponse.Complete -> { /* result.inquiryId, result.status */ }',
    '        is InquiryResponse.Cancel -> { /* result.inquiryId, result.sessionToken */ }',
    '        is InquiryResponse.Error -> { /* result.debugMessage */ }',
    '    }',
    '}',
    '',
    'fun startVerification() {',
    `    val inquiry = Inquiry.fromInquiry(${kotlinString(inquiryId)})`,
    `        .sessionToken(${kotlinString(sessionToken)})`,
    '        .build()',
    '    getInquiryResult.launch(inquiry)',
    '}',
  ].join('\n');
}

/** The React Native SDK's builder. */
export function reactNativeSnippet({ inquiryId, sessionToken }: HandoffInput): string {
  return [
    "import { Inquiry } from 'react-native-persona';",
    '',
    `Inquiry.fromInquiry(${jsString(inquiryId)})`,
    `  .sessionToken(${jsString(sessionToken)})`,
    '  .onComplete((inquiryId, status, fields) => {',
    '    console.log(`Inquiry ${inquiryId} finished: ${status}`);',
    '  })',
    '  .onCanceled((inquiryId, sessionToken) => console.log(`Inquiry ${inquiryId} left unfinished`))',
    '  .onError((error) => console.error(error))',
    '  .build()',
    '  .start();',
  ].join('\n');
}

/** The Flutter plugin (`persona_flutter`): an inquiry-id configuration, then start. */
export function flutterSnippet({ inquiryId, sessionToken }: HandoffInput): string {
  return [
    "import 'package:persona_flutter/persona_flutter.dart';",
    '',
    'final InquiryConfiguration configuration = InquiryIdConfiguration(',
    `  inquiryId: ${dartString(inquiryId)},`,
    `  sessionToken: ${dartString(sessionToken)},`,
    ');',
    '',
    'PersonaInquiry.init(configuration: configuration);',
    "PersonaInquiry.onComplete.listen((event) => print('Inquiry ${event.inquiryId} finished: ${event.status}'));",
    'PersonaInquiry.start();',
  ].join('\n');
}

/** Every hand-off, in the order the result offers them. */
export function buildHandoffs(input: HandoffInput): Handoff[] {
  return [
    { kind: 'hosted', label: 'Hosted link', platform: 'Hosted flow URL (inquiry-id, session-token)', code: hostedLink(input) },
    { kind: 'js', label: 'JavaScript', platform: 'Embedded flow, npm package persona', code: jsSnippet(input) },
    { kind: 'react', label: 'React', platform: 'Inline flow, npm package persona-react', code: reactSnippet(input) },
    { kind: 'ios', label: 'iOS', platform: 'Swift, Persona2 SDK', code: iosSnippet(input) },
    { kind: 'android', label: 'Android', platform: 'Kotlin, Persona Android SDK', code: androidSnippet(input) },
    { kind: 'reactNative', label: 'React Native', platform: 'npm package react-native-persona', code: reactNativeSnippet(input) },
    { kind: 'flutter', label: 'Flutter', platform: 'Dart, pub package persona_flutter', code: flutterSnippet(input) },
  ];
}
