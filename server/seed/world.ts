// Placeholder until the demo-world generator lands (being written now).
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import type { DB } from '../db/schema.js';

export async function isEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('templates').select('id').limit(1).executeTakeFirst();
  return !row;
}

export function seedWorld(_database: Database, _options: { inquiries: number; seed: number; now?: Date }): Promise<Record<string, number>> {
  return Promise.resolve({});
}
