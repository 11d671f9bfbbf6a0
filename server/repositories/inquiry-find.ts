import type { Executor } from './executor.js';

/**
 * "Search anywhere" (services/inquiry-find.ts): each lookup is one equality on one index (migrations/0001:
 * the primary key, inquiries_reference_idx, inquiries_email_idx; migrations/0004: access_links' unique
 * code_hash), so it costs the same at a million rows as at ten. The matches of one reference id or one email are
 * few; they are sorted newest first after the index lookup. `limit` is one more than shown, to know there are more.
 */

export interface FoundRow {
  id: string;
  status: string;
  reference_id: string | null;
  template_name: string;
  version_number: number;
  created_at: Date;
  expires_at: Date;
  email_normalized: string | null;
}

function found(db: Executor) {
  return db
    .selectFrom('inquiries as i')
    .innerJoin('templates as t', 't.id', 'i.template_id')
    .select(['i.id', 'i.status', 'i.reference_id', 't.name as template_name', 'i.version_number', 'i.created_at', 'i.expires_at', 'i.email_normalized']);
}

export function findById(db: Executor, id: string): Promise<FoundRow[]> {
  return found(db).where('i.id', '=', id).execute();
}

export function findByReferenceId(db: Executor, referenceId: string, templateId: string | null, limit: number): Promise<FoundRow[]> {
  let query = found(db).where('i.reference_id', '=', referenceId);
  if (templateId) query = query.where('i.template_id', '=', templateId);
  return query.orderBy('i.created_at', 'desc').orderBy('i.id', 'desc').limit(limit).execute();
}

/** `email` already lower-cased, as the generated column `email_normalized` is. */
export function findByEmail(db: Executor, email: string, limit: number): Promise<FoundRow[]> {
  return found(db).where('i.email_normalized', '=', email).orderBy('i.created_at', 'desc').orderBy('i.id', 'desc').limit(limit).execute();
}

/**
 * The inquiry of the one-time link whose code hashes to `codeHash`, whatever the link's state: the caller learns
 * the inquiry (which they may read anyway), never the link or whether it still works.
 */
export function findByOneTimeCodeHash(db: Executor, codeHash: string): Promise<FoundRow[]> {
  return found(db)
    .innerJoin('access_links as l', 'l.inquiry_id', 'i.id')
    .where('l.code_hash', '=', codeHash)
    .where('l.kind', '=', 'one_time')
    .execute();
}
