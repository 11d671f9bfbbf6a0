-- The Persona provider's mirror (issue 15; docs/persona.md, "Webhooks" and "The mirror and its ordering rule").
-- Frozen once released: later changes go into a new numbered file.

-- The time of the Persona change an inquiry or session row last reflects (an event's created-at, or the resource's
-- updated-at). A change older than it is not applied: Persona delivers webhooks out of order and retries them.
-- Null on rows Persona never described (the local engine's).
alter table inquiries add column remote_updated_at timestamptz;
alter table inquiry_sessions add column remote_updated_at timestamptz;

-- Verified webhook deliveries, stored before the 2xx is sent and applied afterwards (server/services/persona-inbox.ts):
-- a crash after the answer loses nothing, and a replayed event id is one row.
create table persona_webhook_inbox (
  event_id          text primary key check (event_id ~ '^evt_[A-Za-z0-9]+$'),
  name              text not null check (length(name) between 1 and 200),
  event_created_at  timestamptz not null,
  received_at       timestamptz not null,
  -- The event as delivered, parsed (the signature was over its bytes; what is applied is read from here).
  body              jsonb not null,
  attempts          integer not null default 0 check (attempts >= 0),
  -- Null while pending. applied (mirrored), stale (older than what the row reflects: nothing changed), ignored (an
  -- event the mirror does not use), failed (unreadable payload, or retries exhausted: see last_error).
  outcome           text check (outcome in ('applied', 'stale', 'ignored', 'failed')),
  applied_at        timestamptz,
  last_error        text check (length(last_error) <= 500),
  -- A pending event tried already: not before this time (backoff), and the inquiry it waits for, if any.
  next_attempt_at   timestamptz,
  waiting_for       text,
  check (coalesce(outcome in ('applied', 'stale', 'ignored'), false) = (applied_at is not null))
);
-- The applier's walk: pending events in Persona's order.
create index persona_webhook_inbox_pending_idx on persona_webhook_inbox (event_created_at, event_id) where outcome is null;
-- Session events waiting for their inquiry, woken when it is mirrored.
create index persona_webhook_inbox_waiting_idx on persona_webhook_inbox (waiting_for) where outcome is null and waiting_for is not null;
-- The hourly prune of finished events past their retention.
create index persona_webhook_inbox_finished_idx on persona_webhook_inbox (received_at) where outcome is not null;
