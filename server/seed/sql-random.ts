/**
 * SQL expression builders for deterministic, set-based randomness. Every random value is a hash of (a row
 * key, a stream number, the seed), so the same seed gives the same world on PostgreSQL and on PGlite, in any
 * row order, without a per-row round trip. `hashint8extended` is PostgreSQL's portable 64-bit integer hash
 * (the one hash partitioning relies on); slices of its bits make uniform doubles in [0, 1).
 *
 * Streams of hashint8extended's seed argument, per world seed S: S*1000 + 0..99 draws, + 100.. fingerprints,
 * + 500.. ids.
 */

/** Hash streams of the ids, kept apart from the uniform draws' streams. */
export const ID_STREAMS = { inquiry: 0, user: 1, session: 2 } as const;
type IdStream = (typeof ID_STREAMS)[keyof typeof ID_STREAMS];

export class SqlRandom {
  constructor(private readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) throw new Error(`seed must be an integer in 0..${2 ** 31 - 1}`);
  }

  /** A 64-bit hash of `key` (an int8 SQL expression) in one of 100 streams (0..99). */
  hash(key: string, stream: number): string {
    return `hashint8extended((${key})::int8, ${this.seed * 1000 + stream}::int8)`;
  }

  /** Uniform in [0, 1) from `key` and a stream: the hash's low 53 bits. */
  u(key: string, stream: number): string {
    return `((${this.hash(key, stream)} & 9007199254740991)::float8 / 9007199254740992.0)`;
  }

  /**
   * `prefix_` + `length` (≤ 32) letters and digits, unique per (stream, key) and seed: the base64 of 24 hash
   * bytes with + and / swapped for letters. (sha256 or md5 per row is slower: docs/performance.md, "Why the list is
   * shaped this way".)
   */
  id(prefix: string, stream: IdStream, key: string, length = 24): string {
    const bytes = [0, 1, 2].map((i) => `int8send(hashint8extended((${key})::int8, ${this.seed * 1000 + 500 + stream * 10 + i}::int8))`).join(' || ');
    return `'${prefix}_' || substr(replace(replace(encode(${bytes}, 'base64'), '+', 'Z'), '/', 'q'), 1, ${length})`;
  }

  /** A token fingerprint as the console shows them: `sha256:` and 16 hex digits. */
  fingerprint(stream: number, key: string): string {
    return `'sha256:' || lpad(to_hex(hashint8extended((${key})::int8, ${this.seed * 1000 + 100 + stream}::int8)), 16, '0')`;
  }
}

export const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;
export const sqlTime = (value: Date) => `'${value.toISOString()}'::timestamptz`;
export const sqlNumbers = (values: readonly number[]) => `array[${values.map((v) => String(v)).join(',')}]::float8[]`;
export const sqlTexts = (values: readonly string[]) => `array[${values.map(sqlText).join(',')}]::text[]`;

/** A log-normal draw (median, sigma) from two uniforms, via Box–Muller; rounded to whole units and clamped. */
export function logNormal(ua: string, ub: string, median: string | number, sigma: string | number, min: number, max: number): string {
  const z = `(sqrt(-2.0 * ln(1.0 - ${ua})) * cos(2.0 * pi() * ${ub}))`;
  return `least(greatest(round((${median}) * exp((${sigma}) * ${z})), ${min}), ${max})`;
}

/**
 * Hands out uniform draws packed into 64-bit hash columns (`prefix0`, `prefix1`, …): four 16-bit draws or two
 * 32-bit draws per hash, so a row pays for a few hashes rather than one per draw. 16 bits suffice for
 * probabilities; times use 32. Build every expression first, then put `columns()` in the query where `key` is
 * in scope and refer to the draws downstream.
 */
export class Draws {
  private units = 0;

  constructor(
    private readonly rnd: SqlRandom,
    private readonly prefix: string,
    private readonly key: string,
    private readonly firstStream: number,
  ) {}

  private slice(unit: number, width: 16 | 32): string {
    const column = `${this.prefix}${unit >> 2}`;
    return `(((${column} >> ${(unit & 3) * 16}) & ${2 ** width - 1})::float8 / ${2 ** width}.0)`;
  }

  u16(): string {
    return this.slice(this.units++, 16);
  }

  u32(): string {
    if (this.units % 2 === 1) this.units++;
    const unit = this.units;
    this.units += 2;
    return this.slice(unit, 32);
  }

  /** The hash columns the draws handed out so far need. */
  names(): string[] {
    return Array.from({ length: Math.max(1, Math.ceil(this.units / 4)) }, (_, i) => `${this.prefix}${i}`);
  }

  /** `hash as prefixN, …`, to select where `key` is in scope. */
  columns(): string {
    return this.names()
      .map((name, i) => `${this.rnd.hash(this.key, this.firstStream + i)} as ${name}`)
      .join(', ');
  }
}

/** `expr` seconds as an interval (expr is a whole number, so timestamp arithmetic stays exact). */
export const seconds = (expr: string) => `((${expr}) * interval '1 second')`;
