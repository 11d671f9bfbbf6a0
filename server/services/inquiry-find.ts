import { sha256Hex } from '../crypto.js';
import type { AppDeps } from '../deps.js';
import * as repo from '../repositories/inquiry-find.js';
import { FIND_LIMIT, parseFindQuery, REFERENCE_ID_MAX_LENGTH, type FindTarget } from '../../shared/find-query.js';
import type { FindInquiriesOutput, FoundInquiry } from '../../shared/inquiry-find.js';
import { maskValue } from './pii.js';

/**
 * "Search anywhere" (issue 14): one pasted text → the inquiries it names. Reading is not an action, so nothing is
 * audited; the text itself is never logged or echoed when it is a one-time link (only its hash is compared).
 */

function toFound(row: repo.FoundRow): FoundInquiry {
  return {
    id: row.id,
    status: row.status,
    referenceId: row.reference_id,
    templateName: row.template_name,
    versionNumber: row.version_number,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    emailMasked: row.email_normalized ? maskValue('email-address', row.email_normalized) : null,
  };
}

async function rowsFor(deps: AppDeps, target: FindTarget): Promise<repo.FoundRow[]> {
  const { db } = deps.database;
  switch (target.by) {
    case 'id':
      return repo.findById(db, target.inquiryId);
    case 'referenceId':
      // No inquiry can carry a longer one: no need to ask.
      if (target.referenceId.length > REFERENCE_ID_MAX_LENGTH) return [];
      return repo.findByReferenceId(db, target.referenceId, target.templateId, FIND_LIMIT + 1);
    case 'email':
      return repo.findByEmail(db, target.email, FIND_LIMIT + 1);
    case 'oneTimeCode':
      return repo.findByOneTimeCodeHash(db, sha256Hex(target.code));
    case 'nothing':
      return [];
  }
}

function termOf(target: FindTarget): string | null {
  switch (target.by) {
    case 'id':
      return target.inquiryId;
    case 'referenceId':
      return target.referenceId;
    case 'email':
      return target.email;
    case 'oneTimeCode':
    case 'nothing':
      return null;
  }
}

/** `q` has passed FindInquiriesInputSchema (trimmed, bounded, no control characters). */
export async function findInquiries(deps: AppDeps, q: string): Promise<FindInquiriesOutput> {
  let { kind, target } = parseFindQuery(q);
  let rows = await rowsFor(deps, target);
  if (rows.length === 0 && target.by === 'email' && q.length <= REFERENCE_ID_MAX_LENGTH) {
    // Reference ids are the customer's own strings and may look like an email: an exact one still finds its inquiry.
    const asReference: FindTarget = { by: 'referenceId', referenceId: q, templateId: null };
    const byReference = await rowsFor(deps, asReference);
    if (byReference.length > 0) {
      kind = 'referenceId';
      target = asReference;
      rows = byReference;
    }
  }
  return {
    kind,
    term: termOf(target),
    items: rows.slice(0, FIND_LIMIT).map(toFound),
    more: rows.length > FIND_LIMIT,
  };
}
