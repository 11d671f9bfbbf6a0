import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/** An inquiry's prefilled fields as stored (PII: the caller decides what leaves the server), or undefined. */
export function inquiryPrefill(db: Kysely<DB> | Transaction<DB>, id: string) {
  return db.selectFrom('inquiries').select(['id', 'fields']).where('id', '=', id).executeTakeFirst();
}
