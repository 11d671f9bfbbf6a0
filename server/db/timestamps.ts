import pg from 'pg';

const TIMESTAMPTZ_OID = 1184;
const fallback = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date | number | null;

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);
const isDigit = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/**
 * `timestamptz` as PostgreSQL writes it in text (ISO DateStyle: `2026-12-04 20:55:25.571234+00`, an offset of
 * `±HH`, `±HH:MM` or `±HH:MM:SS`) → Date, without the regular expressions of node-postgres's parser, which were
 * the largest single cost of decoding a list page (docs/performance.md, "A leaner request path"). Anything else —
 * years before 1000 or after 9999, BC, infinity — goes to node-postgres's own parser. Sub-millisecond digits are
 * dropped, as a Date cannot hold them.
 */
export function parseTimestamptz(s: string): Date | number | null {
  const n = s.length;
  if (n < 22 || s[4] !== '-' || s[7] !== '-' || s[10] !== ' ' || s[13] !== ':' || s[16] !== ':' || s.charCodeAt(n - 1) === 67 /* C: … BC */) return fallback(s);
  for (let i = 0; i < 19; i++) if (i !== 4 && i !== 7 && i !== 10 && i !== 13 && i !== 16 && !isDigit(s, i)) return fallback(s);
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  if (year < 1000) return fallback(s);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    i += 1;
    let scale = 100;
    while (i < n && isDigit(s, i)) {
      ms += digit(s, i) * scale;
      scale /= 10;
      i += 1;
    }
    ms = Math.floor(ms);
  }
  const c = s.charCodeAt(i);
  const sign = c === 43 /* + */ ? 1 : c === 45 /* - */ ? -1 : 0;
  if (sign === 0 || i + 3 > n || !isDigit(s, i + 1) || !isDigit(s, i + 2)) return fallback(s);
  let offset = two(s, i + 1) * 3600;
  i += 3;
  for (let unit = 60; unit >= 1 && i < n; unit /= 60) {
    if (s.charCodeAt(i) !== 58 /* : */ || i + 3 > n || !isDigit(s, i + 1) || !isDigit(s, i + 2)) return fallback(s);
    offset += two(s, i + 1) * unit;
    i += 3;
  }
  if (i !== n) return fallback(s);
  const utc = Date.UTC(year, two(s, 5) - 1, two(s, 8), two(s, 11), two(s, 14), two(s, 17), ms);
  return new Date(utc - sign * offset * 1000);
}

export const TIMESTAMPTZ_TYPE_OID = TIMESTAMPTZ_OID;
