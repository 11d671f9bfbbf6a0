/**
 * The audit explorer's search box (issue 10): `key:value` terms, read into one filter. Pure and free of zod, so the
 * console checks what is typed as it is typed, and the server (`audit.list`) reads the same text with the same rules.
 *
 *   actor:support@demo.test     who did it: a staff email (any case) or an actor id (stf_…, a partner key's id, …)
 *   action:link.created         one action; `action:link.*` (or `action:link`) the whole family
 *   inquiry:inq_…               events about an inquiry: those aimed at it, and those aimed at one of its links
 *   target:link:lnk_…           exactly this target (type:id); a bare id of a known kind is enough (target:lnk_…)
 *   ticket:SUP-1042             this ticket; has:ticket / no:ticket — with or without one
 *   after:2026-11-01            on or after (UTC day, or a time with its zone: 2026-11-01T09:30Z)
 *   before:2026-12-01           before (same forms; the bound itself is not included)
 *
 * Terms are ANDed; each key may appear once. A value with spaces or quotes is quoted (`ticket:"SUP 12"`, `\"` and
 * `\\` inside). A bare inquiry id or email is read as `inquiry:` or `actor:`; any other free word is refused,
 * because free text is not searched (reasons are not indexed, and a word that silently matched nothing would
 * look like an answer).
 *
 * Anything not understood comes back as `{ ok: false, message }` saying what was expected, never as a throw.
 */

import { ONE_LINE_CONTROL } from './text.js';

/** Longest search text accepted. */
export const AUDIT_QUERY_MAX_LENGTH = 1000;

export interface AuditFilter {
  /** A staff email (lower-cased) or an actor id, matched exactly. */
  actor?: string;
  /** A dotted action (`link.created`) or a family (`link.*`). */
  action?: string;
  /** Events about this inquiry. */
  inquiryId?: string;
  /** Events aimed at exactly this target. */
  target?: { type: string; id: string };
  ticket?: string;
  hasTicket?: boolean;
  /** ISO-8601 UTC with milliseconds; the event occurred at or after it. */
  after?: string;
  /** ISO-8601 UTC with milliseconds; the event occurred before it. */
  before?: string;
}

export type AuditQueryResult =
  | { ok: true; filter: AuditFilter }
  /** `at`: where in the text the problem is (a character offset), when it is in the text. */
  | { ok: false; message: string; at: number | null };

/** The keys the search understands, in the order formatAuditQuery writes them. */
export const AUDIT_QUERY_KEYS = ['actor', 'action', 'inquiry', 'target', 'ticket', 'has', 'no', 'after', 'before'] as const;
type Key = (typeof AUDIT_QUERY_KEYS)[number];

/** What the kinds of ids this console issues are targets of (a bare `target:lnk_…` needs no type). */
export const TARGET_TYPE_BY_PREFIX: Readonly<Record<string, string>> = {
  inq: 'inquiry',
  lnk: 'link',
  stf: 'staff',
  itmpl: 'template',
  key: 'api_key',
};

const KEY_LIST = 'actor:, action:, inquiry:, target:, ticket:, has:ticket, no:ticket, after: or before:';
const EXAMPLE = 'e.g. actor:support@demo.test action:link.created after:2026-11-01';

export const AUDIT_INQUIRY_ID_RE = /^inq_[A-Za-z0-9]{1,64}$/;
const EMAIL_RE = /^[^\s@<>()",;:]{1,128}@[^\s@<>()",;:]{1,125}$/;
const ACTOR_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;
const ACTION_RE = /^[a-z_]+(\.[a-z_]+)+$/;
const FAMILY_RE = /^([a-z_]+)(?:\.\*)?$/;
const TARGET_TYPE_RE = /^[a-z_]{1,64}$/;
const TARGET_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/i;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const TICKET_MAX = 200;

/** One `key:value` term (key null: a free word). `at` is where it starts in the text (null: not from text). */
interface Term {
  key: string | null;
  value: string;
  at: number | null;
}

type Problem = { ok: false; message: string; at: number | null };
const problem = (message: string, at: number | null): Problem => ({ ok: false, message, at });

function isSpace(c: string | undefined): boolean {
  return c !== undefined && /\s/u.test(c);
}

/** Reads a quoted value starting at `start` (the opening quote): its text and the index after the closing quote. */
function readQuoted(text: string, start: number, what: string): { value: string; end: number } | Problem {
  let value = '';
  let i = start + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined) return problem(`${what}: unbalanced quote — the value that starts with " at character ${start + 1} has no closing "`, start);
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return problem(`${what}: unbalanced quote — the value that starts with " at character ${start + 1} has no closing "`, start);
      value += next;
      i += 2;
    } else if (c === '"') {
      i += 1;
      break;
    } else {
      value += c;
      i += 1;
    }
  }
  if (i < text.length && !isSpace(text[i])) return problem(`${what}: expected a space after the closing quote at character ${i}`, i);
  return { value, end: i };
}

/** The text as terms, or what is wrong with its shape (quotes, an empty key or value). */
function termsOfText(text: string): Term[] | Problem {
  const terms: Term[] = [];
  let i = 0;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i += 1;
      continue;
    }
    const start = i;
    if (text[i] === '"') {
      const quoted = readQuoted(text, i, 'search');
      if ('ok' in quoted) return quoted;
      terms.push({ key: null, value: quoted.value, at: start });
      i = quoted.end;
      continue;
    }
    while (i < text.length && !isSpace(text[i]) && text[i] !== ':' && text[i] !== '"') i += 1;
    const word = text.slice(start, i);
    if (text[i] === '"') return problem(`"${text.slice(start, i + 1)}…": unexpected quote — quote a whole value, e.g. ticket:"SUP 12"`, i);
    if (text[i] !== ':') {
      terms.push({ key: null, value: word, at: start });
      continue;
    }
    if (word.length === 0) return problem(`expected a key before ":" at character ${start + 1} (${KEY_LIST})`, start);
    const key = word.toLowerCase();
    i += 1; // the colon
    if (text[i] === '"') {
      const quoted = readQuoted(text, i, key);
      if ('ok' in quoted) return quoted;
      terms.push({ key, value: quoted.value, at: start });
      i = quoted.end;
      continue;
    }
    const valueStart = i;
    while (i < text.length && !isSpace(text[i]) && text[i] !== '"') i += 1;
    if (text[i] === '"') return problem(`${key}: unexpected quote inside a value — quote the whole value, e.g. ${key}:"…"`, i);
    const value = text.slice(valueStart, i);
    terms.push({ key, value, at: start });
  }
  return terms;
}

/** A value quoted in a message, cut short when long (never inside a character). */
function shown(value: string): string {
  const chars = Array.from(value);
  return chars.length > 60 ? `"${chars.slice(0, 57).join('')}…"` : `"${value}"`;
}

/** A date (UTC midnight) or a time with its zone, as ISO-8601 UTC with milliseconds; null when it is neither. */
export function readAuditTime(value: string): string | null {
  let ms: number;
  const date = DATE_RE.exec(value);
  const time = date ? null : DATETIME_RE.exec(value);
  const parts = date ?? time;
  if (!parts) return null;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (time) {
    const [hour, minute, second] = [Number(time[4]), Number(time[5]), Number(time[6] ?? '0')];
    if (hour > 23 || minute > 59 || second > 59) return null;
    const millis = Number((time[7] ?? '0').padEnd(3, '0'));
    const zone = (time[8] ?? 'Z').toUpperCase();
    let offsetMinutes = 0;
    if (zone !== 'Z') {
      const [h, m] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
      if (h > 14 || m > 59) return null;
      offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (h * 60 + m);
    }
    ms = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  } else {
    ms = Date.UTC(year, month - 1, day);
  }
  // February 30th and friends roll over: refuse them rather than search another day.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  const result = new Date(ms);
  if (Number.isNaN(result.getTime()) || result.getUTCFullYear() > 9999 || ms < 0) return null;
  return result.toISOString();
}

/** The target a `target:` value names: `type:id`, or an id whose prefix says its type. */
function readTarget(value: string): { type: string; id: string } | null {
  const colon = value.indexOf(':');
  if (colon >= 0) {
    const type = value.slice(0, colon);
    const id = value.slice(colon + 1);
    return TARGET_TYPE_RE.test(type) && TARGET_ID_RE.test(id) ? { type, id } : null;
  }
  const prefix = /^([a-z]+)_/.exec(value)?.[1];
  const type = prefix ? TARGET_TYPE_BY_PREFIX[prefix] : undefined;
  return type && TARGET_ID_RE.test(value) ? { type, id: value } : null;
}

type Found = { [K in Key]?: { value: string; at: number | null } };

/** Reads terms into a filter: each value checked, each key once, and the keys that contradict each other refused. */
function filterOfTerms(terms: Term[]): AuditQueryResult {
  const found: Found = {};
  for (const term of terms) {
    if (LONE_SURROGATE.test(term.value)) return problem(`${term.key ?? 'search'}: contains a character that is not valid text (an unpaired surrogate)`, term.at);
    let key = term.key;
    let value = term.value;
    if (key === null) {
      // A pasted inquiry id or email means what it obviously means; any other free word is refused.
      if (AUDIT_INQUIRY_ID_RE.test(value)) key = 'inquiry';
      else if (EMAIL_RE.test(value)) key = 'actor';
      else {
        return problem(
          `${shown(value)} is not a search term: free text is not searched — use key:value terms (${KEY_LIST}), ${EXAMPLE}`,
          term.at,
        );
      }
    }
    if (!(AUDIT_QUERY_KEYS as readonly string[]).includes(key)) return problem(`unknown key "${key}:" — use ${KEY_LIST}`, term.at);
    if (value.length === 0) return problem(`${key}: expected a value after "${key}:"`, term.at);
    // has:ticket and no:ticket both say whether there is a ticket: one slot, holding which of the two was said.
    if (key === 'has' || key === 'no') {
      if (value.toLowerCase() !== 'ticket') return problem(`${key}: expected ${key}:ticket, got ${key}:${shown(value)}`, term.at);
      value = key;
    }
    const slot = (key === 'no' ? 'has' : key) as Key;
    const earlier = found[slot];
    if (earlier) {
      if (earlier.value === value) continue; // the same term twice asks nothing new
      if (slot === 'has') return problem('has:ticket and no:ticket contradict each other — keep one', term.at);
      return problem(`${key}: given twice — search one ${key} at a time`, term.at);
    }
    found[slot] = { value, at: term.at };
  }

  const filter: AuditFilter = {};
  const actor = found.actor;
  if (actor) {
    if (actor.value.includes('@')) {
      if (!EMAIL_RE.test(actor.value)) return problem(`actor: expected a staff email or an actor id, got ${shown(actor.value)}`, actor.at);
      filter.actor = actor.value.toLowerCase();
    } else {
      if (!ACTOR_ID_RE.test(actor.value)) return problem(`actor: expected a staff email (support@demo.test) or an actor id (stf_…), got ${shown(actor.value)}`, actor.at);
      filter.actor = actor.value;
    }
  }
  const action = found.action;
  if (action) {
    const value = action.value.toLowerCase();
    const family = FAMILY_RE.exec(value)?.[1];
    if (value.length <= 100 && ACTION_RE.test(value)) filter.action = value;
    else if (family && family.length <= 100) filter.action = `${family}.*`;
    else return problem(`action: expected a dotted action like link.created, or a family like link.*, got ${shown(action.value)}`, action.at);
  }
  const inquiry = found.inquiry;
  if (inquiry) {
    if (!AUDIT_INQUIRY_ID_RE.test(inquiry.value)) return problem(`inquiry: expected an inquiry id like inq_…, got ${shown(inquiry.value)}`, inquiry.at);
    filter.inquiryId = inquiry.value;
  }
  const target = found.target;
  if (target) {
    const read = readTarget(target.value);
    if (!read) {
      const prefixes = Object.keys(TARGET_TYPE_BY_PREFIX).map((p) => `${p}_`).join(', ');
      return problem(`target: expected type:id (e.g. link:lnk_…) or an id starting with ${prefixes}, got ${shown(target.value)}`, target.at);
    }
    filter.target = read;
  }
  const ticket = found.ticket;
  if (ticket) {
    if (ticket.value.length > TICKET_MAX) return problem(`ticket: at most ${TICKET_MAX} characters`, ticket.at);
    filter.ticket = ticket.value;
  }
  const has = found.has;
  if (has) {
    if (ticket && has.value === 'no') return problem('no:ticket contradicts ticket:… — an event cannot have this ticket and no ticket', has.at);
    if (ticket) return problem('has:ticket is implied by ticket:… — keep one of them', has.at);
    filter.hasTicket = has.value === 'has';
  }
  for (const bound of ['after', 'before'] as const) {
    const term = found[bound];
    if (!term) continue;
    const time = readAuditTime(term.value);
    if (!time) return problem(`${bound}: expected a date like 2026-11-01 or a time with its zone like 2026-11-01T09:30Z, got ${shown(term.value)}`, term.at);
    filter[bound] = time;
  }
  if (filter.after && filter.before && filter.after >= filter.before) {
    return problem('after: must be earlier than before (after includes its moment, before does not)', found.after?.at ?? null);
  }
  return { ok: true, filter };
}

/** Reads the search box. Never throws: a filter, or a message saying what was expected. */
export function parseAuditQuery(text: string): AuditQueryResult {
  if (typeof text !== 'string') return problem('search: expected text', null);
  if (text.length > AUDIT_QUERY_MAX_LENGTH) return problem(`search: at most ${AUDIT_QUERY_MAX_LENGTH} characters`, AUDIT_QUERY_MAX_LENGTH);
  const control = ONE_LINE_CONTROL.exec(text);
  if (control) return problem('search: must not contain control characters (tabs, line breaks): type the terms on one line', control.index);
  const terms = termsOfText(text);
  if ('ok' in terms) return terms;
  return filterOfTerms(terms);
}

/** A filter as terms, in the order of AUDIT_QUERY_KEYS. */
function termsOfFilter(filter: AuditFilter): Array<{ key: Key; value: string }> {
  const terms: Array<{ key: Key; value: string }> = [];
  if (filter.actor !== undefined) terms.push({ key: 'actor', value: filter.actor });
  if (filter.action !== undefined) terms.push({ key: 'action', value: filter.action });
  if (filter.inquiryId !== undefined) terms.push({ key: 'inquiry', value: filter.inquiryId });
  if (filter.target !== undefined) terms.push({ key: 'target', value: `${filter.target.type}:${filter.target.id}` });
  if (filter.ticket !== undefined) terms.push({ key: 'ticket', value: filter.ticket });
  if (filter.hasTicket !== undefined) terms.push({ key: filter.hasTicket ? 'has' : 'no', value: 'ticket' });
  if (filter.after !== undefined) terms.push({ key: 'after', value: filter.after });
  if (filter.before !== undefined) terms.push({ key: 'before', value: filter.before });
  return terms;
}

/** A value as it is typed: quoted when it holds a space, a quote or a backslash (or is empty). */
function quoted(value: string): string {
  return value.length === 0 || /[\s"\\]/u.test(value) ? `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"` : value;
}

/** A time as it is typed: the day alone when it is UTC midnight. */
function typedTime(iso: string): string {
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** The text that parseAuditQuery reads back into `filter` (the console shows it, and keeps it in the URL). */
export function formatAuditQuery(filter: AuditFilter): string {
  return termsOfFilter(filter)
    .map(({ key, value }) => (key === 'after' || key === 'before' ? `${key}:${typedTime(value)}` : `${key}:${quoted(value)}`))
    .join(' ');
}

/**
 * The search text and filters given field by field (audit.list's structured input), read as one search: every
 * field goes through the same checks as typed text, and a key given both ways with different values is refused.
 */
export function combineAuditQuery(text: string, fields: AuditFilter): AuditQueryResult {
  const typed = parseAuditQuery(text);
  if (!typed.ok) return typed;
  const fromFields = filterOfTerms(termsOfFilter(fields).map((t) => ({ ...t, at: null })));
  if (!fromFields.ok) return fromFields;
  const both = [...termsOfFilter(typed.filter), ...termsOfFilter(fromFields.filter)].map((t) => ({ ...t, at: null }));
  const combined = filterOfTerms(both);
  if (!combined.ok) return { ...combined, message: `${combined.message} (the search text and the filters disagree)` };
  return combined;
}

/** True when the filter narrows nothing. */
export function isEmptyAuditFilter(filter: AuditFilter): boolean {
  return termsOfFilter(filter).length === 0;
}
