import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Hand-written table types, one per migrated table. `test/schema-drift.test.ts` compares them with the
 * migrated database so they cannot silently drift.
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown>, string | Record<string, unknown>>;

export interface CustomersTable {
  id: string;
  name: string;
  account_id: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface TemplatesTable {
  id: string;
  name: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  latest_version_id: string | null;
  latest_version_number: ColumnType<number, number | undefined, number>;
}

export interface TemplateVersionsTable {
  id: string;
  template_id: string;
  version_number: number;
  published_at: Timestamp;
  notes: string | null;
}

export interface PolicyRevisionsTable {
  id: Generated<number>; // int8, parsed as a number on both engines
  template_id: string;
  after_create_minutes: number;
  after_start_minutes: number | null;
  after_resume_minutes: number;
  one_time_link_minutes: number;
  reason: string | null;
  created_by: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface InquiriesTable {
  id: string;
  template_id: string;
  version_id: string;
  version_number: number;
  policy_revision_id: number | null;
  kind: ColumnType<string, string | undefined, string>;
  reference_id: string | null;
  customer_id: string | null;
  account_id: string | null;
  fields: Json;
  email_normalized: ColumnType<string | null, never, never>;
  status: string;
  predecessor_id: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  failed_at: Timestamp | null;
  decisioned_at: Timestamp | null;
  expired_at: Timestamp | null;
  expires_at: Timestamp;
  updated_at: Timestamp;
}

export interface InquirySessionsTable {
  id: string;
  inquiry_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  started_at: Timestamp | null;
  expired_at: Timestamp | null;
  revoked_at: Timestamp | null;
  token_fingerprint: string | null;
  issued_by_type: ColumnType<string, string | undefined, string>;
  issued_by_id: string | null;
}

export interface InquiryEventsTable {
  id: Generated<number>;
  inquiry_id: string;
  occurred_at: Timestamp;
  kind: string;
  detail: ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, never>;
}

export interface DB {
  customers: CustomersTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  policy_revisions: PolicyRevisionsTable;
  inquiries: InquiriesTable;
  inquiry_sessions: InquirySessionsTable;
  inquiry_events: InquiryEventsTable;
}

export type InquiryRow = Selectable<InquiriesTable>;
export type NewInquiry = Insertable<InquiriesTable>;
export type InquiryUpdate = Updateable<InquiriesTable>;
export type SessionRow = Selectable<InquirySessionsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type TemplateVersionRow = Selectable<TemplateVersionsTable>;
export type PolicyRevisionRow = Selectable<PolicyRevisionsTable>;
export type InquiryEventRow = Selectable<InquiryEventsTable>;
