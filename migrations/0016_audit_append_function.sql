-- Least-privilege database roles (issue 13; docs/security.md, "Database roles"). The application's role may write
-- the audit log only through audit_append() below, which runs with its owner's rights (SECURITY DEFINER): it needs
-- no privilege on audit_events, audit_chain_head or audit_pending, so it cannot insert an event of its own at
-- head + 1 (which made every later append fail on the primary key) nor move the head.
-- Frozen once released: later changes go into a new numbered file.
--
-- The two steps of 0002 stay as they are, so the chain head is still held only while a transaction commits:
--   1. audit_append() stages the event and its canonical body in audit_pending (no shared lock);
--   2. at COMMIT the deferred trigger runs audit_chain_append(), now also SECURITY DEFINER: under the same advisory
--      lock as before it advances the head and inserts the event with seq = head + 1, prev_hash = the head's hash
--      and the hash computed in SQL exactly as before. seq and prev_hash are never taken from the caller, so
--      continuity holds by construction, and verification is unchanged.
-- audit_append() also refuses a body that does not describe the event's columns (compared as JSON values; the
-- body's "v" is its encoding version): an event it accepts is one the verifier can recompute.
--
-- Both functions pin search_path to pg_catalog, this schema, then pg_temp last: a caller's temporary table named
-- audit_pending or audit_chain_head cannot stand in for the real one (by default pg_temp is searched first).

create function audit_append(
  p_body text, p_occurred_at timestamptz, p_actor_type text, p_actor_id text, p_actor_display text, p_action text,
  p_target_type text, p_target_id text, p_reason text, p_ticket text, p_metadata jsonb, p_ip text,
  p_user_agent text, p_request_id text
) returns void language plpgsql security definer as $$
begin
  if p_body is null or (p_body::jsonb - 'v') is distinct from jsonb_build_object(
       'action', p_action, 'actorDisplay', p_actor_display, 'actorId', p_actor_id, 'actorType', p_actor_type,
       'ip', p_ip, 'metadata', p_metadata,
       'occurredAt', to_char(p_occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'reason', p_reason, 'requestId', p_request_id, 'targetId', p_target_id, 'targetType', p_target_type,
       'ticket', p_ticket, 'userAgent', p_user_agent) then
    raise exception 'audit_append: the canonical body does not describe the event'
      using errcode = 'invalid_parameter_value';
  end if;
  insert into audit_pending (
    body, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id,
    reason, ticket, metadata, ip, user_agent, request_id)
  values (p_body, p_occurred_at, p_actor_type, p_actor_id, p_actor_display, p_action, p_target_type, p_target_id,
          p_reason, p_ticket, p_metadata, p_ip, p_user_agent, p_request_id);
end;
$$;

alter function audit_chain_append() security definer;

do $$
begin
  execute format('alter function audit_append(text, timestamptz, text, text, text, text, text, text, text, text, jsonb, text, text, text) set search_path = pg_catalog, %I, pg_temp', current_schema());
  execute format('alter function audit_chain_append() set search_path = pg_catalog, %I, pg_temp', current_schema());
end;
$$;

-- Functions are executable by PUBLIC unless revoked. The application's role gets EXECUTE on audit_append() by name
-- (`npm run db:migrate -- --create-roles`, server/db/roles.ts); nobody calls the trigger function directly.
revoke all on function audit_append(text, timestamptz, text, text, text, text, text, text, text, text, jsonb, text, text, text) from public;
revoke all on function audit_chain_append() from public;

-- Nothing but the owner writes these (PUBLIC has no table privileges by default; this says so explicitly).
revoke insert, update, delete, truncate, references, trigger on audit_events, audit_chain_head, audit_pending, schema_migrations from public;
