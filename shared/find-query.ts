/**
 * What a support agent pastes into "search anywhere", and how it is read (issue 14). Pure and free of zod, so the
 * console's shell can import it without carrying schemas into the first page load; `inquiries.find`'s schemas are
 * in shared/inquiry-find.ts.
 *
 * In order:
 *   1. an inquiry id (`inq_…`);
 *   2. a link (text with `http(s)://`): a hosted-flow URL (`…/verify?inquiry-id=inq_…`, also with `session-token`,
 *      also Persona's `https://inquiry.withpersona.com/verify?…`), a one-time link (`…/verify?code=…`), a static link
 *      (`?inquiry-template-id=…&reference-id=…`) or any URL with an `inq_…` path segment (this console's or
 *      Persona's dashboard page of an inquiry);
 *   3. an email address (also `mailto:…` and `Name <address>`), matched exactly, ignoring case;
 *   4. a link without a scheme, when it carries one of those parameters or segments (`/verify?inquiry-id=…`,
 *      `withpersona.com/verify?code=…`);
 *   5. anything else: a reference id, matched exactly.
 * A link's session token is never read, and a one-time code is only ever hashed for the lookup: neither is echoed.
 */

import { ONE_LINE_CONTROL } from './text.js';

/** Longest text accepted (a token link with its JWT fits comfortably). */
export const FIND_QUERY_MAX_LENGTH = 2048;
/** Most inquiries one search lists; `more` says there were others (the list's search shows them all). */
export const FIND_LIMIT = 10;
/** The longest reference id an inquiry can have (migrations/0001: `length(reference_id) <= 255`). */
export const REFERENCE_ID_MAX_LENGTH = 255;

/** The same shape as INQUIRY_ID_PATTERN in shared/inquiries.ts (kept apart: that module carries zod). */
export const INQUIRY_ID_RE = /^inq_[A-Za-z0-9]{1,64}$/;
/** A one-time link's code, as the hosted flow accepts it (server/hosted-flow/service.ts). */
export const ONE_TIME_CODE_RE = /^[A-Za-z0-9_-]{16,128}$/;
const TEMPLATE_ID_RE = /^itmpl_[A-Za-z0-9]{1,64}$/;
/** Control characters (NUL, tab, line breaks, DEL, C1): refused in what is typed, and never searched (shared/text.ts). */
export const CONTROL_CHARACTER_RE = ONE_LINE_CONTROL;

const EMAIL_RE = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+$/;
const NAMED_EMAIL_RE = /^[^<>]*<([^\s@<>]+@[^\s@<>]+)>$/;
const SCHEME_RE = /^https?:\/\//i;
/** Recognised without a scheme only when one of these appears. */
const LINK_HINT_RE = /[?&](inquiry-id|inquiryId|code|reference-id)=|\/inq_[A-Za-z0-9]/;
const PATH_INQUIRY_ID_RE = /^inq_[A-Za-z0-9]{1,64}$/;

export const FIND_KINDS = ['inquiryId', 'url', 'oneTimeLink', 'email', 'referenceId'] as const;
export type FindKind = (typeof FIND_KINDS)[number];

/** What a lookup reads: exactly one indexed column (or nothing, for a link that carries nothing usable). */
export type FindTarget =
  | { by: 'id'; inquiryId: string }
  | { by: 'referenceId'; referenceId: string; templateId: string | null }
  | { by: 'email'; email: string }
  | { by: 'oneTimeCode'; code: string }
  | { by: 'nothing' };

export interface ParsedFindQuery {
  kind: FindKind;
  target: FindTarget;
}

/** Why typed text cannot be searched at all; null when it can. The server answers these with a 400. */
export function findQueryProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.length === 0) return 'enter an inquiry id, reference id, email or link';
  if (trimmed.length > FIND_QUERY_MAX_LENGTH) return `must be at most ${FIND_QUERY_MAX_LENGTH} characters`;
  if (CONTROL_CHARACTER_RE.test(trimmed)) return 'must not contain control characters (tabs, line breaks, NUL): paste one id, email or link';
  return null;
}

function usable(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.length > 0 && !CONTROL_CHARACTER_RE.test(value);
}

function parseUrl(text: string): URL | null {
  try {
    if (SCHEME_RE.test(text)) return new URL(text);
    // `/verify?inquiry-id=…`, `?code=…` or `inquiry.withpersona.com/verify?…`: read against a placeholder origin.
    return new URL(/^[/?]/.test(text) ? text : `https://${text}`, 'https://placeholder.invalid');
  } catch {
    return null;
  }
}

function linkTarget(url: URL): FindTarget {
  const params = url.searchParams;
  const inquiryId = params.get('inquiry-id') ?? params.get('inquiryId');
  if (usable(inquiryId) && INQUIRY_ID_RE.test(inquiryId)) return { by: 'id', inquiryId };
  const code = params.get('code');
  if (usable(code) && ONE_TIME_CODE_RE.test(code)) return { by: 'oneTimeCode', code };
  const segment = url.pathname.split('/').find((part) => PATH_INQUIRY_ID_RE.test(part));
  if (segment) return { by: 'id', inquiryId: segment };
  const referenceId = params.get('reference-id');
  if (usable(referenceId) && referenceId.length <= REFERENCE_ID_MAX_LENGTH) {
    const templateId = params.get('inquiry-template-id');
    return { by: 'referenceId', referenceId, templateId: usable(templateId) && TEMPLATE_ID_RE.test(templateId) ? templateId : null };
  }
  return { by: 'nothing' };
}

function emailOf(text: string): string | null {
  const bare = text.replace(/^mailto:/i, '');
  if (EMAIL_RE.test(bare)) return bare;
  const named = NAMED_EMAIL_RE.exec(text)?.[1];
  return named && EMAIL_RE.test(named) ? named : null;
}

/**
 * How `text` is searched. Call it with text that `findQueryProblem` accepts; anything else reads as a reference
 * id. Every value in the target is free of control characters (percent-decoding cannot smuggle a NUL in).
 */
export function parseFindQuery(text: string): ParsedFindQuery {
  const trimmed = text.trim();
  if (INQUIRY_ID_RE.test(trimmed)) return { kind: 'inquiryId', target: { by: 'id', inquiryId: trimmed } };

  const isLink = !/\s/.test(trimmed) && SCHEME_RE.test(trimmed);
  // An address may hold `?`, `=` and `/`: without a scheme, the email reading comes first.
  const email = isLink ? null : emailOf(trimmed);
  if (email) return { kind: 'email', target: { by: 'email', email: email.toLowerCase() } };

  if (isLink || (!/\s/.test(trimmed) && LINK_HINT_RE.test(trimmed))) {
    const url = parseUrl(trimmed);
    if (url) {
      const target = linkTarget(url);
      return { kind: target.by === 'oneTimeCode' ? 'oneTimeLink' : 'url', target };
    }
  }

  return { kind: 'referenceId', target: { by: 'referenceId', referenceId: trimmed, templateId: null } };
}
