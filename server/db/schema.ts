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
  token_link_max_minutes: ColumnType<number | null, number | null | undefined, number | null>;
  resume_cooldown_minutes: ColumnType<number | null, number | null | undefined, number | null>;
  applied_to_open_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  applied_to_open_count: ColumnType<number | null, number | null | undefined, number | null>;
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
  /** Latest expiry among the sessions neither expired nor revoked (migrations/0007); kept by every session writer. */
  live_session_until: Timestamp | null;
  /** The time of the Persona change the row last reflects (migrations/0025); null if Persona never described it. */
  remote_updated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
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
  issued_by_display: ColumnType<string | null, string | null | undefined, string | null>;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  ticket: ColumnType<string | null, string | null | undefined, string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** As on inquiries (migrations/0025). */
  remote_updated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The session a created inquiry got when opened from its bare id (migrations/0027); set by a trigger on its timeline entry. */
  from_bare_id: ColumnType<boolean, boolean | undefined, never>;
  /** The session a token link carries (migrations/0027); set by a trigger on access_links, never by the application. */
  carried_by_token_link: ColumnType<boolean, never, never>;
}

/** A live session handed out again by a later resume (migrations/0015); written only by the inquiry store. */
export interface SessionHandoutsTable {
  id: Generated<number>;
  session_id: string;
  handed_at: Timestamp;
  handed_to_type: string;
  handed_to_id: string | null;
  handed_to_display: string | null;
  reason: string | null;
  ticket: string | null;
  /** The session's end, copied by triggers from inquiry_sessions (migrations/0027): never written by the application. */
  session_open: ColumnType<boolean, never, never>;
  session_revoked: ColumnType<boolean, never, never>;
  /** The session's expiry, copied likewise (migrations/0029). */
  session_expires_at: ColumnType<Date | null, never, never>;
}

export interface InquiryEventsTable {
  id: Generated<number>;
  inquiry_id: string;
  occurred_at: Timestamp;
  kind: string;
  detail: ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, never>;
}

// Staff sign-in (migrations/0003_staff_auth.sql).

export interface StaffTable {
  id: string;
  email: string;
  display_name: string;
  role: string;
  password_hash: string | null;
  must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
  password_changed_at: Timestamp | null;
  oidc_subject: string | null;
  disabled_at: Timestamp | null;
  last_login_at: Timestamp | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface StaffSessionsTable {
  id: string;
  token_hash: string;
  staff_id: string;
  method: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  ended_at: Timestamp | null;
  end_reason: string | null;
}

export interface LoginThrottleTable {
  key: string;
  /** The email a pair or account key counts for (null for an address key): how an admin finds its locks. */
  account: string | null;
  failures: number;
  last_failure_at: Timestamp;
  locked_until: Timestamp | null;
}

export interface OidcLoginFlowsTable {
  id_hash: string;
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface AccessLinksTable {
  id: string;
  inquiry_id: string;
  kind: 'one_time' | 'token';
  code_hash: string | null;
  session_id: string | null;
  token_fingerprint: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  first_used_at: Timestamp | null;
  last_used_at: Timestamp | null;
  use_count: ColumnType<number, number | undefined, number>;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  issued_by_type: string;
  issued_by_id: string | null;
  issued_by_display: string | null;
  reason: string | null;
  ticket: string | null;
  /** An emailed one-time link (migrations/0013): the address masked, when it was sent, the message's Message-ID. */
  emailed_to_masked: string | null;
  emailed_at: Timestamp | null;
  email_message_id: string | null;
  /** The inquiry's version and its template's latest version when the link was issued (migrations/0018); null on older links. */
  inquiry_version_number: ColumnType<number | null, number | null | undefined, number | null>;
  latest_version_number: ColumnType<number | null, number | null | undefined, number | null>;
  /** Marked by the expiry sweep once past expires_at (migrations/0027): expired once marked or past it (linkExpired). */
  expired_at: ColumnType<Date | null, never, Date | null>;
  /** A token link's session revoked, copied by triggers (migrations/0027): never written by the application. */
  session_revoked: ColumnType<boolean, never, never>;
  /** A token link's session neither marked expired nor revoked, and its expiry: copied likewise (migrations/0029). */
  session_open: ColumnType<boolean, never, never>;
  session_expires_at: ColumnType<Date | null, never, never>;
}

/** Token link requests under the two-person rule (migrations/0022, docs/two-person-rule.md). */
export interface TokenLinkRequestsTable {
  id: string;
  inquiry_id: string;
  state: ColumnType<'pending' | 'approved' | 'rejected' | 'expired', 'pending' | undefined, 'approved' | 'rejected' | 'expired'>;
  requested_by_id: string;
  requested_by_display: string;
  reason: string;
  ticket: string;
  expires_in_minutes: number;
  acknowledged_expired: ColumnType<boolean, boolean | undefined, boolean>;
  acknowledged_outdated: ColumnType<boolean, boolean | undefined, boolean>;
  idempotency_key: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  decided_at: Timestamp | null;
  decided_by_id: string | null;
  decided_by_display: string | null;
  decision_reason: string | null;
  link_id: string | null;
  collected_at: Timestamp | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  result: Json;
  created_at: Timestamp;
}

export interface RateLimitEventsTable {
  bucket: string;
  occurred_at: Timestamp;
}

/** A refusal kind's counting window: how many refused actions or 403s of one kind were seen (migrations/0021). */
export interface AuditRefusalWindowsTable {
  key: string;
  window_start: Timestamp;
  hits: number;
  carried: ColumnType<number, number | undefined, number>;
}

export interface ApiKeysTable {
  id: string;
  customer_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  rate_limit_per_minute: number;
  can_read_pii: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  created_by: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  last_used_at: Date | null;
}

export interface ApiRateWindowsTable {
  bucket: string;
  window_start: Timestamp;
  calls: number;
}

export interface ApiKeyUsageTable {
  key_id: string;
  /** UTC day, ISO text. */
  day: string;
  calls: number;
}

export interface InquiryCompletionDaysTable {
  template_id: string;
  completed_day: Timestamp;
  from_create_bucket: number;
  from_start_bucket: number;
  completions: number;
}

/** Verified Persona webhook deliveries, applied after the 2xx (migrations/0025; server/services/persona-inbox.ts). */
export interface PersonaWebhookInboxTable {
  event_id: string;
  name: string;
  event_created_at: Timestamp;
  received_at: Timestamp;
  body: Json;
  attempts: ColumnType<number, number | undefined, number>;
  outcome: ColumnType<'applied' | 'stale' | 'ignored' | 'failed' | null, never, 'applied' | 'stale' | 'ignored' | 'failed' | null>;
  applied_at: ColumnType<Date | null, never, Date | string | null>;
  last_error: ColumnType<string | null, never, string | null>;
  next_attempt_at: ColumnType<Date | null, never, Date | string | null>;
  waiting_for: ColumnType<string | null, never, string | null>;
}

/** Persona's rate limit shared by every instance (migrations/0026; repositories/persona-rate.ts). */
export interface PersonaRateGateTable {
  bucket: string;
  window_start: Timestamp;
  used: number;
  closed_until: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

/** One Persona backfill run (migrations/0026; services/persona-sync.ts). */
export interface PersonaSyncRunsTable {
  id: string;
  seq: Generated<number>;
  started_at: Timestamp;
  started_by: string;
  status: 'running' | 'done' | 'failed' | 'interrupted';
  resumed_from: ColumnType<string | null, string | null | undefined, never>;
  cursor: ColumnType<string | null, string | null | undefined, string | null>;
  since: ColumnType<Date | null, Date | string | null | undefined, never>;
  inquiries: ColumnType<number, number | undefined, number>;
  sessions: ColumnType<number, number | undefined, number>;
  pages: ColumnType<number, number | undefined, number>;
  errors: ColumnType<number, number | undefined, number>;
  carried_inquiries: ColumnType<number, number | undefined, never>;
  newest_created_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  oldest_created_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  lower_bound_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  heartbeat_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface AppSecretsTable {
  name: string;
  value: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface DB {
  customers: CustomersTable;
  templates: TemplatesTable;
  template_versions: TemplateVersionsTable;
  policy_revisions: PolicyRevisionsTable;
  inquiries: InquiriesTable;
  inquiry_sessions: InquirySessionsTable;
  session_handouts: SessionHandoutsTable;
  inquiry_events: InquiryEventsTable;
  access_links: AccessLinksTable;
  token_link_requests: TokenLinkRequestsTable;
  idempotency_keys: IdempotencyKeysTable;
  rate_limit_events: RateLimitEventsTable;
  audit_refusal_windows: AuditRefusalWindowsTable;
  app_secrets: AppSecretsTable;
  persona_rate_gate: PersonaRateGateTable;
  persona_sync_runs: PersonaSyncRunsTable;
  persona_webhook_inbox: PersonaWebhookInboxTable;
  inquiry_completion_days: InquiryCompletionDaysTable;
  api_keys: ApiKeysTable;
  api_rate_windows: ApiRateWindowsTable;
  api_key_usage: ApiKeyUsageTable;
  staff: StaffTable;
  staff_sessions: StaffSessionsTable;
  login_throttle: LoginThrottleTable;
  oidc_login_flows: OidcLoginFlowsTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_pending: AuditPendingTable;
}

export type InquiryRow = Selectable<InquiriesTable>;
export type NewInquiry = Insertable<InquiriesTable>;
export type InquiryUpdate = Updateable<InquiriesTable>;
export type SessionRow = Selectable<InquirySessionsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type TemplateVersionRow = Selectable<TemplateVersionsTable>;
export type PolicyRevisionRow = Selectable<PolicyRevisionsTable>;
export type InquiryEventRow = Selectable<InquiryEventsTable>;
export type AccessLinkRow = Selectable<AccessLinksTable>;
export type StaffRow = Selectable<StaffTable>;
export type StaffSessionRow = Selectable<StaffSessionsTable>;

// Audit log (migrations/0002_audit_log.sql). Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, so no
// column is updateable; rows are written only by appendAuditEvent (server/services/audit.ts), through the
// SECURITY DEFINER function audit_append() (migrations/0016; the application's database role may only read these).
type Immutable<T> = ColumnType<T, T, never>;

export interface AuditEventsTable {
  seq: Immutable<number>; // int8, taken from audit_chain_head
  occurred_at: ColumnType<Date, Date | string, never>;
  actor_type: Immutable<'staff' | 'partner' | 'system'>;
  actor_id: Immutable<string | null>;
  actor_display: Immutable<string | null>;
  action: Immutable<string>;
  target_type: Immutable<string | null>;
  target_id: Immutable<string | null>;
  reason: Immutable<string | null>;
  ticket: Immutable<string | null>;
  metadata: ColumnType<Record<string, unknown>, string | undefined, never>;
  ip: Immutable<string | null>;
  user_agent: Immutable<string | null>;
  request_id: Immutable<string | null>;
  prev_hash: Immutable<string>;
  hash: Immutable<string>;
}

/** The single row (id = 1) naming the end of the audit chain: seq 0 and 64 zeros before the first event. */
export interface AuditChainHeadTable {
  id: ColumnType<number, never, never>;
  seq: ColumnType<number, never, number>;
  hash: ColumnType<string, never, string>;
  prev_hash: ColumnType<string | null, never, string>;
}

/** Events staged by appendAuditEvent until their transaction commits (unlogged; emptied by the chain trigger). */
export interface AuditPendingTable {
  id: Generated<number>;
  body: string;
  occurred_at: Timestamp;
  actor_type: string;
  actor_id: string | null;
  actor_display: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  ticket: string | null;
  metadata: ColumnType<Record<string, unknown>, string, never>;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export type AuditEventRow = Selectable<AuditEventsTable>;
