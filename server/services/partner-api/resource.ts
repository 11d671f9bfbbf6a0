import type { PartnerInquiryRow } from '../../repositories/inquiries.js';
import { maskValue } from '../pii.js';

/**
 * The inquiry in Persona's wire shape (../shared/PERSONA.md, "Wire shapes"): kebab-case attributes, prefilled
 * fields as `{ type, value }`, relationships as `{ data }`. Partner code written against Persona reads it unchanged.
 */
export interface InquiryResource {
  type: 'inquiry';
  id: string;
  attributes: {
    status: string;
    'reference-id': string | null;
    note: null;
    tags: string[];
    'created-at': string;
    'updated-at': string;
    'started-at': string | null;
    'completed-at': string | null;
    'failed-at': string | null;
    'decisioned-at': string | null;
    'expired-at': string | null;
    'expires-at': string;
    'redacted-at': null;
    fields: Record<string, { type: string; value: string | number | boolean | null }>;
  };
  relationships: {
    account: { data: { type: 'account'; id: string } | null };
    'inquiry-template': { data: { type: 'inquiry-template'; id: string } };
    'inquiry-template-version': { data: { type: 'inquiry-template-version'; id: string } };
    sessions: { data: { type: 'inquiry-session'; id: string }[] };
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

type FieldValue = string | number | boolean | null;

function fieldsOf(raw: unknown, revealPii: boolean): InquiryResource['attributes']['fields'] {
  const out: InquiryResource['attributes']['fields'] = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [name, entry] of Object.entries(raw as Record<string, unknown>)) {
    const value: unknown = typeof entry === 'object' && entry !== null && 'value' in entry ? (entry).value : entry;
    const type = typeof entry === 'object' && entry !== null && 'type' in entry && typeof entry.type === 'string' ? entry.type : 'string';
    const plain: FieldValue = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
    out[name] = { type, value: revealPii || plain === null ? plain : maskValue(name, String(plain)) };
  }
  return out;
}

/** Prefilled fields are masked (as the console masks them) unless the key may read PII. */
export function inquiryResource(row: PartnerInquiryRow, revealPii: boolean): InquiryResource {
  return {
    type: 'inquiry',
    id: row.id,
    attributes: {
      status: row.status,
      'reference-id': row.reference_id,
      note: null,
      tags: [],
      'created-at': row.created_at.toISOString(),
      'updated-at': row.updated_at.toISOString(),
      'started-at': iso(row.started_at),
      'completed-at': iso(row.completed_at),
      'failed-at': iso(row.failed_at),
      'decisioned-at': iso(row.decisioned_at),
      'expired-at': iso(row.expired_at),
      'expires-at': row.expires_at.toISOString(),
      'redacted-at': null,
      fields: fieldsOf(row.fields, revealPii),
    },
    relationships: {
      account: { data: row.account_id ? { type: 'account', id: row.account_id } : null },
      'inquiry-template': { data: { type: 'inquiry-template', id: row.template_id } },
      'inquiry-template-version': { data: { type: 'inquiry-template-version', id: row.version_id } },
      sessions: { data: row.sessionIds.map((id) => ({ type: 'inquiry-session' as const, id })) },
    },
  };
}
