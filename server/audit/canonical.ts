import { hash } from 'node:crypto';

/**
 * The canonical encoding of an audit event, and the chain hash over it.
 *
 * canonical body — the UTF-8 bytes of the JSON Canonicalization Scheme (RFC 8785) serialisation of this object:
 *
 *   { "action":       string,               e.g. "inquiry.resumed"
 *     "actorDisplay": string | null,
 *     "actorId":      string | null,
 *     "actorType":    "staff" | "partner" | "system",
 *     "ip":           string | null,
 *     "metadata":     object,                {} when there is none
 *     "occurredAt":   string,                ISO-8601 UTC with milliseconds: "2026-11-25T09:30:00.000Z"
 *     "reason":       string | null,
 *     "requestId":    string | null,
 *     "targetId":     string | null,
 *     "targetType":   string | null,
 *     "ticket":       string | null,
 *     "userAgent":    string | null,
 *     "v":            1 }                    version of this encoding
 *
 * i.e. no whitespace; every object's keys (top level and nested in metadata) sorted by UTF-16 code units; strings
 * and numbers exactly as ECMAScript JSON.stringify writes them; absent values are null, never omitted. Any
 * RFC 8785 implementation reproduces it (in Python, `json.dumps(o, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False)` agrees for ordinary keys and integers).
 *
 * chain hash — lower-case hex SHA-256 of the UTF-8 bytes of
 *
 *   prev_hash + "\n" + seq (decimal, no leading zeros) + "\n" + canonical body
 *
 * where prev_hash is the previous event's hash, or GENESIS_HASH (64 zeros) for seq 1.
 *
 * The body leaves out seq and prev_hash on purpose: the writer computes it in Node before anything is locked, and
 * the database adds the two at commit, in the one statement that holds the chain (audit_chain_append() in
 * migrations/0002_audit_log.sql, which must hash exactly as chainHash() below). Everything in the
 * body must survive a round trip through its column unchanged, which is why the service rejects strings with NUL
 * or unpaired surrogates, and why occurred_at carries milliseconds only (timestamptz keeps microseconds, a Date
 * has milliseconds).
 */

export const GENESIS_HASH = '0'.repeat(64);
export const CANONICAL_VERSION = 1;

export const AUDIT_ACTOR_TYPES = ['staff', 'partner', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** Who did it, as an event records it (actorType, actorId, actorDisplay below). */
export interface AuditActor {
  type: AuditActorType;
  /** Staff id, partner API key id, or the job's name for `system`. */
  id: string | null;
  /** The name people recognise (staff email or name, customer name), as it was at the time. */
  display: string | null;
}

/** The event as the chain sees it: exactly the columns covered by the hash, in their application types. */
export interface CanonicalEvent {
  occurredAt: Date;
  actorType: AuditActorType;
  actorId: string | null;
  actorDisplay: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  ticket: string | null;
  metadata: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

const str = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

/**
 * RFC 8785 serialisation of a JSON value (as JSON.parse would produce it). Values JSON cannot carry
 * (undefined, functions, non-finite numbers) are written as JSON.stringify writes them inside arrays (null) and
 * are dropped from objects, so the result always equals the canonical form of JSON.parse(JSON.stringify(value)).
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value !== 'object') return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return out + ']';
  }
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonicalJson(withJson.toJSON());
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort(); // default sort: UTF-16 code units
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
    first = false;
  }
  return out + '}';
}

/** The canonical body (see the module comment). */
export function canonicalEventBody(event: CanonicalEvent): string {
  const metadata = sortedCopy(event.metadata);
  if (metadata === AWKWARD) return writtenOutBody(event);
  // The fast path: one native JSON.stringify over an object whose keys were inserted in sorted order (it writes
  // them in insertion order). Verification spends most of its time here, and this is faster than the written-out
  // form (docs/performance.md, "Why the list is shaped this way").
  return JSON.stringify({
    action: event.action,
    actorDisplay: event.actorDisplay,
    actorId: event.actorId,
    actorType: event.actorType,
    ip: event.ip,
    metadata,
    occurredAt: isoMillis(event.occurredAt),
    reason: event.reason,
    requestId: event.requestId,
    targetId: event.targetId,
    targetType: event.targetType,
    ticket: event.ticket,
    userAgent: event.userAgent,
    v: CANONICAL_VERSION,
  });
}

// Date#toISOString is a good part of the cost of a body; events come in time order, so the text up to the second
// is nearly always the previous event's. Only the plain "YYYY-MM-DDTHH:mm:ss.sssZ" form (years 0–9999) is cached.
let cachedSecond = Number.NaN;
let cachedPrefix = '';

/** Exactly Date#toISOString, faster for runs of nearby instants. */
export function isoMillis(date: Date): string {
  const ms = date.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = date.toISOString();
    if (iso.length !== 24) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  const fraction = ms - second * 1000;
  return cachedPrefix + (fraction < 10 ? '00' : fraction < 100 ? '0' : '') + fraction + 'Z';
}

/** The same body, written out field by field: for metadata whose keys a JS object would not keep in order. */
function writtenOutBody(event: CanonicalEvent): string {
  return (
    '{"action":' + JSON.stringify(event.action) +
    ',"actorDisplay":' + str(event.actorDisplay) +
    ',"actorId":' + str(event.actorId) +
    ',"actorType":' + JSON.stringify(event.actorType) +
    ',"ip":' + str(event.ip) +
    ',"metadata":' + canonicalJson(event.metadata) +
    ',"occurredAt":' + JSON.stringify(event.occurredAt.toISOString()) +
    ',"reason":' + str(event.reason) +
    ',"requestId":' + str(event.requestId) +
    ',"targetId":' + str(event.targetId) +
    ',"targetType":' + str(event.targetType) +
    ',"ticket":' + str(event.ticket) +
    ',"userAgent":' + str(event.userAgent) +
    ',"v":' + CANONICAL_VERSION +
    '}'
  );
}

const AWKWARD = Symbol('awkward keys');
// JS objects enumerate integer-like keys first, in numeric order, whatever the insertion order; and assigning
// "__proto__" sets the prototype. Objects with such keys take the written-out path.
const INTEGER_LIKE = /^(?:0|[1-9][0-9]*)$/;

/** A copy of a parsed JSON value with every object's keys inserted in sorted order, or AWKWARD. */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = sortedCopy(value[i]);
      if (item === AWKWARD) return AWKWARD;
      out[i] = item;
    }
    return out;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return AWKWARD;
  // Default sort compares UTF-16 code units, which is RFC 8785's order.
  const keys = Object.keys(value).sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    if (key === '__proto__' || INTEGER_LIKE.test(key)) return AWKWARD;
    const item = sortedCopy((value as Record<string, unknown>)[key]);
    if (item === AWKWARD) return AWKWARD;
    out[key] = item;
  }
  return out;
}

/** The separator between prev_hash, seq and body in the hashed text; the SQL in repositories/audit.ts uses E'\n'. */
export const HASH_FIELD_SEPARATOR = '\n';

export function chainHash(prevHash: string, seq: number, body: string): string {
  // One-shot crypto.hash (UTF-8 for strings): no Hash object per event, which matters when verifying millions.
  return hash('sha256', prevHash + HASH_FIELD_SEPARATOR + String(seq) + HASH_FIELD_SEPARATOR + body, 'hex');
}
