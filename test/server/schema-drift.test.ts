import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../../server/db/schema.js';
import { createTestDatabase, testEngines } from '../db.js';

/**
 * The hand-written Kysely types (server/db/schema.ts) against the migrated database. This map must name every
 * table and column of `DB` exactly (the compiler checks it), and the test checks the database has exactly those.
 */
const COLUMNS = {
  customers: { id: true, name: true, account_id: true, created_at: true },
  templates: { id: true, name: true, created_at: true, latest_version_id: true, latest_version_number: true },
  template_versions: { id: true, template_id: true, version_number: true, published_at: true, notes: true },
  policy_revisions: { id: true, template_id: true, after_create_minutes: true, after_start_minutes: true, after_resume_minutes: true, one_time_link_minutes: true, reason: true, created_by: true, created_at: true },
  inquiries: { id: true, template_id: true, version_id: true, version_number: true, policy_revision_id: true, kind: true, reference_id: true, customer_id: true, account_id: true, fields: true, email_normalized: true, status: true, predecessor_id: true, created_at: true, started_at: true, completed_at: true, failed_at: true, decisioned_at: true, expired_at: true, expires_at: true, updated_at: true, live_session_until: true },
  inquiry_sessions: { id: true, inquiry_id: true, created_at: true, expires_at: true, started_at: true, expired_at: true, revoked_at: true, token_fingerprint: true, issued_by_type: true, issued_by_id: true, issued_by_display: true, reason: true, ticket: true, last_used_at: true },
  inquiry_events: { id: true, inquiry_id: true, occurred_at: true, kind: true, detail: true },
  access_links: { id: true, inquiry_id: true, kind: true, code_hash: true, session_id: true, token_fingerprint: true, created_at: true, expires_at: true, first_used_at: true, last_used_at: true, use_count: true, revoked_at: true, revoked_by: true, issued_by_type: true, issued_by_id: true, issued_by_display: true, reason: true, ticket: true },
  idempotency_keys: { scope: true, key: true, request_hash: true, result: true, created_at: true },
  rate_limit_events: { bucket: true, occurred_at: true },
  app_secrets: { name: true, value: true, created_at: true },
  staff: { id: true, email: true, display_name: true, role: true, password_hash: true, must_change_password: true, password_changed_at: true, oidc_subject: true, disabled_at: true, last_login_at: true, created_at: true, updated_at: true },
  staff_sessions: { id: true, token_hash: true, staff_id: true, method: true, created_at: true, last_seen_at: true, expires_at: true, ip: true, user_agent: true, ended_at: true, end_reason: true },
  login_throttle: { key: true, failures: true, last_failure_at: true, locked_until: true },
  oidc_login_flows: { id_hash: true, state: true, nonce: true, code_verifier: true, return_to: true, created_at: true, expires_at: true },
  audit_events: { seq: true, occurred_at: true, actor_type: true, actor_id: true, actor_display: true, action: true, target_type: true, target_id: true, reason: true, ticket: true, metadata: true, ip: true, user_agent: true, request_id: true, prev_hash: true, hash: true },
  audit_chain_head: { id: true, seq: true, hash: true, prev_hash: true },
  audit_pending: { id: true, body: true, occurred_at: true, actor_type: true, actor_id: true, actor_display: true, action: true, target_type: true, target_id: true, reason: true, ticket: true, metadata: true, ip: true, user_agent: true, request_id: true },
} satisfies { [T in keyof DB]: { [C in keyof DB[T]]-?: true } };

describe.each(testEngines())('schema types match the migrated database on %s', (engine) => {
  it('has exactly the tables and columns server/db/schema.ts declares', async () => {
    const database = await createTestDatabase(engine);
    try {
      const rows = await sql<{ table_name: string; column_name: string }>`
        select table_name, column_name from information_schema.columns
        where table_schema = 'public' and table_name <> 'schema_migrations'`.execute(database.db);
      const actual: Record<string, string[]> = {};
      for (const r of rows.rows) (actual[r.table_name] ??= []).push(r.column_name);
      const declared = Object.fromEntries(Object.entries(COLUMNS).map(([t, cols]) => [t, Object.keys(cols).sort()]));
      const found = Object.fromEntries(Object.entries(actual).map(([t, cols]) => [t, cols.sort()]));
      expect(found).toEqual(declared);
    } finally {
      await database.close();
    }
  });
});
