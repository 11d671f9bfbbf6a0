import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { prepared } from '../../server/db/prepared.js';
import { createTestDatabase, testEngines } from '../db.js';

describe.each(testEngines())('prepared statements on %s', (engine) => {
  it('run like any statement; on PostgreSQL a marked one is parsed once per connection and reused by name', async () => {
    const database = await createTestDatabase(engine);
    try {
      await database.db.connection().execute(async (conn) => {
        for (const n of [1, 2, 3]) {
          expect((await prepared(sql<{ n: number }>`select ${n}::int as n`).execute(conn)).rows).toEqual([{ n }]);
        }
        await sql`select ${4}::int as unmarked`.execute(conn);
        if (engine !== 'postgres') return;
        const statements = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(conn);
        expect(statements.rows.map((r) => r.statement)).toEqual(['/* prepared */ select $1::int as n']);
      });
    } finally {
      await database.close();
    }
  });
});
