import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz, TIMESTAMPTZ_TYPE_OID } from '../../server/db/timestamps.js';

/** node-postgres's own timestamptz parser (postgres-date), which parseTimestamptz replaces. */
const parsePostgresDate = pg.types.getTypeParser(TIMESTAMPTZ_TYPE_OID, 'text') as (text: string) => Date | number | null;

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** A timestamptz in PostgreSQL's ISO DateStyle text at a given UTC offset (seconds east of UTC). */
function pgText(ms: number, micros: number, offsetSeconds: number, fractionDigits: number): string {
  const local = new Date(ms + offsetSeconds * 1000);
  const fraction = String((ms % 1000 + 1000) % 1000 * 1000 + micros).padStart(6, '0').slice(0, fractionDigits).replace(/0+$/, '');
  const sign = offsetSeconds < 0 ? '-' : '+';
  const abs = Math.abs(offsetSeconds);
  const zone = `${sign}${pad(Math.floor(abs / 3600))}${abs % 3600 ? `:${pad(Math.floor((abs % 3600) / 60))}` : ''}${abs % 60 ? `:${pad(abs % 60)}` : ''}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction ? `.${fraction}` : ''}${zone}`
  );
}

describe('parseTimestamptz (the list decodes timestamps without regular expressions)', () => {
  it('reads every ISO DateStyle timestamptz as the instant it names, to the millisecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1000, 0, 2), max: Date.UTC(9999, 11, 30) }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: -15 * 3600, max: 15 * 3600 }),
        fc.integer({ min: 0, max: 6 }),
        (ms, micros, offset, digits) => {
          const text = pgText(ms, micros, offset, digits);
          const kept = digits >= 3 ? ms : ms - (((ms % 1000) + 1000) % 1000) + Math.floor((((ms % 1000) + 1000) % 1000) / 10 ** (3 - digits)) * 10 ** (3 - digits);
          expect((parseTimestamptz(text) as Date).getTime(), text).toBe(kept);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('agrees with node-postgres on the odd forms it hands back to it: infinity, BC, years before 1000, seconds in an offset', () => {
    for (const text of ['infinity', '-infinity', '2026-12-04 20:55:25.571+00 BC', '0099-01-01 00:00:00+00', '0999-12-31 23:59:59.5-03', '1890-01-01 00:00:00+00:53:28', '12026-01-01 00:00:00+00']) {
      expect(String(parseTimestamptz(text)?.valueOf()), text).toBe(String(parsePostgresDate(text)?.valueOf()));
    }
  });

  it.runIf(process.env.TEST_DATABASE_URL)('reads what PostgreSQL writes in any session time zone, as node-postgres did', async () => {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Africa/Monrovia']) {
        await client.query(`set time zone '${zone}'`);
        const { rows } = await client.query<{ t: string }>({
          text: `select (timestamptz '1850-06-01 12:00:00+00' + (random() * interval '300 years'))::text as t from generate_series(1, 300)
                 union all select (timestamptz '2026-12-04 20:55:25.571234+00')::text`,
        });
        for (const { t } of rows) {
          const ours = parseTimestamptz(t) as Date;
          expect(ours.getTime(), `${zone} ${t}`).toBe((parsePostgresDate(t) as Date).getTime());
        }
      }
    } finally {
      await client.end();
    }
  });
});
