import superjson from 'superjson';

/**
 * The tRPC transformer of the server: superjson on the wire (DESIGN §7), with a faster path for what procedures
 * return. superjson's walker is general (Maps, Sets, classes, shared references) and allocates a path array per
 * value; serialising a page of inquiries that way was a good part of the server's time per list request
 * (docs/performance.md, "Why the list is shaped this way").
 *
 * `serialize` first tries a direct walk that understands exactly what our outputs are made of — plain objects,
 * arrays, strings, finite numbers, booleans, null, undefined and valid Dates — and writes superjson's own format
 * (`{ json, meta: { values: { "path.to.key": ["Date"] }, v: 1 } }`, byte for byte what superjson.serialize
 * writes: test/server/transformer.test.ts compares them). Anything else — another class, a non-finite number, a
 * bigint, a key superjson would escape, the same object reached twice (superjson records referential equalities)
 * — makes it give up and hand the whole value to superjson. Input is always read by superjson.
 */

type Annotations = Record<string, ['Date'] | ['undefined']>;

const GIVE_UP = Symbol('give up');

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype;
}

/** A key superjson writes as is in a path (it escapes "." and "\"), and accepts (it refuses these three). */
function isSimpleKey(key: string): boolean {
  return !key.includes('.') && !key.includes('\\') && key !== '__proto__' && key !== 'constructor' && key !== 'prototype';
}

const NOT_LEAF = Symbol('not a leaf');

/**
 * A string, boolean, finite number or null as JSON (GIVE_UP for another number), NOT_LEAF for anything else: the
 * most common values, written without building their path, which only a value that is annotated or has children needs.
 */
function leaf(value: unknown): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : GIVE_UP;
    case 'undefined':
    case 'object':
    case 'bigint':
    case 'function':
    case 'symbol':
      return NOT_LEAF;
  }
}

/**
 * The JSON-ready copy of `value` — anything leaf() does not write: undefined, an object or array, or what superjson
 * must handle — adding meta paths under `path`; GIVE_UP for anything left to superjson.
 */
function walk(value: unknown, path: string, annotations: Annotations, seen: Set<object>): unknown {
  if (value === undefined) {
    annotations[path] = ['undefined'];
    return null;
  }
  // A bigint, a function or a symbol.
  if (typeof value !== 'object' || value === null) return GIVE_UP;
  const object = value;
  if (seen.has(object)) return GIVE_UP;
  seen.add(object);
  if (object instanceof Date) {
    if (Object.getPrototypeOf(object) !== Date.prototype || Number.isNaN(object.getTime())) return GIVE_UP;
    annotations[path] = ['Date'];
    return object.toISOString();
  }
  const prefix = path === '' ? '' : `${path}.`;
  if (Array.isArray(object)) {
    if (Object.getPrototypeOf(object) !== Array.prototype) return GIVE_UP;
    const out = new Array<unknown>(object.length);
    for (let i = 0; i < object.length; i++) {
      if (!(i in object)) return GIVE_UP; // holes: superjson walks them differently
      let item = leaf(object[i]);
      if (item === NOT_LEAF) item = walk(object[i], prefix + String(i), annotations, seen);
      if (item === GIVE_UP) return GIVE_UP;
      out[i] = item;
    }
    return out;
  }
  if (!isPlainObject(object)) return GIVE_UP;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    if (!isSimpleKey(key)) return GIVE_UP;
    const value = object[key];
    let item = leaf(value);
    if (item === NOT_LEAF) item = walk(value, prefix + key, annotations, seen);
    if (item === GIVE_UP) return GIVE_UP;
    out[key] = item;
  }
  return out;
}

/** superjson.serialize's result for `value`, computed directly when `value` is made of plain data. */
export function serialize(value: unknown): ReturnType<typeof superjson.serialize> {
  // The root itself must be an object or array: superjson annotates a root Date or undefined differently.
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const annotations: Annotations = {};
    const json = walk(value, '', annotations, new Set());
    if (json !== GIVE_UP) {
      for (const _ in annotations) return { json: json as never, meta: { values: annotations, v: 1 } };
      return { json: json as never };
    }
  }
  return superjson.serialize(value);
}

export const transformer = {
  serialize,
  deserialize: (payload: unknown): unknown => superjson.deserialize(payload as Parameters<typeof superjson.deserialize>[0]),
};
