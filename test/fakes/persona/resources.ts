/**
 * FAKE — how the fake Persona API writes its resources, errors and pages (kebab-case, API version 2023-01-05 as
 * ../shared/PERSONA.md describes it). Written from public documentation; not Persona's code.
 */
import type { FakeInquiryState, FakeSessionState } from './types.js';

export interface ApiErrorObject {
  title: string;
  details?: string;
  source?: { pointer?: string; parameter?: string };
}

/** An answer the fake gives instead of a success: `{ errors: [error] }` with this status. */
export class FakeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiErrorObject,
  ) {
    super(`${status} ${error.title}${error.details ? `: ${error.details}` : ''}`);
  }
}

export const notFound = (details?: string) => new FakeApiError(404, details ? { title: 'Record not found', details } : { title: 'Record not found' });
export const conflict = (details: string) => new FakeApiError(409, { title: 'Conflict', details });
export const invalid = (pointer: string, details: string) => new FakeApiError(422, { title: 'Unprocessable Entity', details, source: { pointer } });
export const badParameter = (parameter: string, details: string) => new FakeApiError(400, { title: 'Bad Request', details, source: { parameter } });

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function inquiryResource(inq: FakeInquiryState) {
  return {
    type: 'inquiry' as const,
    id: inq.id,
    attributes: {
      status: inq.status,
      'reference-id': inq.referenceId,
      note: null,
      tags: [],
      'created-at': inq.createdAt.toISOString(),
      'updated-at': iso(inq.updatedAt),
      'started-at': iso(inq.startedAt),
      'completed-at': iso(inq.completedAt),
      'failed-at': iso(inq.failedAt),
      'decisioned-at': iso(inq.decisionedAt),
      'expired-at': iso(inq.expiredAt),
      'expires-at': iso(inq.expiresAt),
      'redacted-at': null,
      fields: Object.fromEntries(Object.entries(inq.fields).map(([name, f]) => [name, { type: f.type, value: f.value }])),
    },
    relationships: {
      account: { data: inq.accountId ? { type: 'account', id: inq.accountId } : null },
      'inquiry-template': { data: { type: 'inquiry-template', id: inq.templateId } },
      'inquiry-template-version': { data: { type: 'inquiry-template-version', id: inq.versionId } },
      sessions: { data: inq.sessionIds.map((id) => ({ type: 'inquiry-session', id })) },
    },
  };
}

export function sessionResource(s: FakeSessionState) {
  return {
    type: 'inquiry-session' as const,
    id: s.id,
    attributes: {
      status: s.status,
      'created-at': s.createdAt.toISOString(),
      'started-at': iso(s.startedAt),
      'expired-at': iso(s.expiredAt),
      'ip-address': null,
      'user-agent': null,
    },
    relationships: {
      inquiry: { data: { type: 'inquiry', id: s.inquiryId } },
      device: { data: null },
    },
  };
}

/** Persona's list order: newest first, ties by id descending. */
export function newestFirst(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export interface Page<T> {
  items: T[];
  links: { prev: string | null; next: string | null };
}

/**
 * One page of `sorted` (newest first, every record) keeping those that `match`: `page[size]` 1–100 (default 10),
 * `page[after]` / `page[before]` name a record of the collection (filtered out or not) to start after / end before.
 * The links repeat every other query parameter.
 */
export function pageOf<T extends { id: string; createdAt: Date }>(
  basePath: string,
  query: URLSearchParams,
  sorted: readonly T[],
  byId: (id: string) => T | undefined,
  match: (item: T) => boolean,
): Page<T> {
  const sizeParam = query.get('page[size]');
  const size = sizeParam === null ? 10 : Number(sizeParam);
  if (!Number.isInteger(size) || size < 1 || size > 100) throw badParameter('page[size]', 'page[size] must be an integer from 1 to 100.');
  const cursor = (name: 'page[after]' | 'page[before]') => {
    const id = query.get(name);
    if (id === null || id === '') return null;
    const item = byId(id);
    if (!item) throw badParameter(name, `${name} names no record.`);
    return item;
  };
  const after = cursor('page[after]');
  const before = cursor('page[before]');
  const matching = sorted.filter(match);
  let start = 0;
  let end = Math.min(size, matching.length);
  if (after) {
    start = matching.findIndex((item) => newestFirst(item, after) > 0);
    if (start < 0) start = matching.length;
    end = Math.min(start + size, matching.length);
  } else if (before) {
    end = matching.findIndex((item) => newestFirst(item, before) >= 0);
    if (end < 0) end = matching.length;
    start = Math.max(0, end - size);
  }
  const items = matching.slice(start, end);
  const rest = [...query.entries()].filter(([k]) => k !== 'page[after]' && k !== 'page[before]' && k !== 'page[size]');
  const link = (name: 'page[after]' | 'page[before]', id: string) =>
    `${basePath}?${new URLSearchParams([[name, id], ['page[size]', String(size)], ...rest]).toString()}`;
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    links: {
      prev: start > 0 && first ? link('page[before]', first.id) : null,
      next: end < matching.length && last ? link('page[after]', last.id) : null,
    },
  };
}

export type Inflection = 'kebab' | 'camel' | 'snake';

export function inflectionOf(header: string | null): Inflection {
  const h = header?.trim().toLowerCase();
  return h === 'camel' || h === 'lower_camel' ? 'camel' : h === 'snake' ? 'snake' : 'kebab';
}

export function toKebab(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/_/g, '-').toLowerCase();
}

function fromKebab(key: string, to: Inflection): string {
  if (to === 'snake') return key.replace(/-/g, '_');
  if (to === 'camel') return key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return key;
}

/**
 * A body's keys in the inflection asked for. The names inside `fields` are the customer's own and are kept as
 * they are (whether Persona inflects them too is not something PERSONA.md says).
 */
export function inflect(value: unknown, to: Inflection, keepKeys = false): unknown {
  if (to === 'kebab') return value;
  if (Array.isArray(value)) return value.map((v) => inflect(v, to));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [keepKeys ? k : fromKebab(k, to), inflect(v, to, !keepKeys && k === 'fields')]),
  );
}

/** The request's `data.attributes` and `meta` keys in kebab case, whatever inflection the client wrote. */
export function kebabKeys(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [toKebab(k), v]));
}
