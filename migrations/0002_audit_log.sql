-- The audit log: an append-only, hash-chained record of who did what, when and why (DESIGN §6).
-- Frozen once released: later changes go into a new numbered file.
--
-- Chain: event n has hash = sha256_hex(prev_hash || '\n' || n || '\n' || canonical_body), where prev_hash is event
-- n-1's hash (64 zeros for n = 1) and canonical_body is computed by the application from the event's own columns
-- (server/audit/canonical.ts defines it; server/audit/verify.ts recomputes it). `audit_chain_head` is the single
-- row that says where the chain ends. Because seq comes from the head (not a sequence), a rolled-back append
-- leaves no gap.
--
-- Appending is two steps so that the head is locked only while the transaction commits:
--   1. the application inserts the event and its canonical body into `audit_pending` (no lock on anything shared);
--   2. at COMMIT, a deferred constraint trigger moves it into `audit_events`: one statement locks the head row,
--      advances it and inserts the chained event; the lock is released as soon as the commit record is flushed.
-- Writers are serialised only for that last statement and the WAL flush, never for a round trip to the client,
-- and an audited transaction may append at any point without holding up every other writer.

create table audit_events (
  seq            bigint primary key check (seq >= 1),
  occurred_at    timestamptz not null,
  actor_type     text not null check (actor_type in ('staff', 'partner', 'system')),
  actor_id       text check (length(actor_id) between 1 and 200),
  actor_display  text check (length(actor_display) <= 200),
  action         text not null check (length(action) <= 100 and action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  target_type    text check (length(target_type) between 1 and 64),
  target_id      text check (length(target_id) between 1 and 200),
  reason         text check (length(reason) <= 2000),
  ticket         text check (length(ticket) <= 200),
  metadata       jsonb not null default '{}'::jsonb check (jsonb_typeof(metadata) = 'object'),
  ip             text check (length(ip) <= 100),
  user_agent     text check (length(user_agent) <= 512),
  request_id     text check (length(request_id) <= 200),
  prev_hash      text not null check (length(prev_hash) = 64),
  hash           text not null check (length(hash) = 64)
);

-- What the audit views filter on; each keeps seq last so a filtered page is a keyset walk.
create index audit_events_occurred_idx on audit_events (occurred_at, seq);
create index audit_events_actor_idx    on audit_events (actor_id, seq) where actor_id is not null;
create index audit_events_target_idx   on audit_events (target_type, target_id, seq) where target_id is not null;
create index audit_events_action_idx   on audit_events (action, seq);

create table audit_chain_head (
  id         smallint primary key default 1 check (id = 1),
  seq        bigint not null check (seq >= 0),
  hash       text not null check (length(hash) = 64),
  -- The hash before the last append: lets one UPDATE ... RETURNING hand the appender both ends of the link.
  prev_hash  text check (prev_hash is null or length(prev_hash) = 64)
);
insert into audit_chain_head (id, seq, hash, prev_hash)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', null);

-- Step 1 of an append. Rows live only from the INSERT to the end of their own transaction (the trigger below
-- deletes each before chaining it), so the table is unlogged: no WAL for data that never outlives a commit.
create unlogged table audit_pending (
  id             bigint generated always as identity primary key,
  body           text not null,
  occurred_at    timestamptz not null,
  actor_type     text not null,
  actor_id       text,
  actor_display  text,
  action         text not null,
  target_type    text,
  target_id      text,
  reason         text,
  ticket         text,
  metadata       jsonb not null,
  ip             text,
  user_agent     text,
  request_id     text
);

-- Step 2, at commit. Must hash exactly as chainHash() in server/audit/canonical.ts: sha256 over the UTF-8 of
-- prev_hash || '\n' || seq || '\n' || body, lower-case hex. Under READ COMMITTED a commit that waited for the head
-- re-evaluates the SET list on the head as the previous writer left it, so appends chain one after another and
-- never fork. (Under REPEATABLE READ or SERIALIZABLE the waiting commit fails with a serialization error.)
create function audit_chain_append() returns trigger language plpgsql as $$
begin
  delete from audit_pending where id = new.id;
  -- From here until the commit record is flushed, this transaction holds the chain. Appenders queue on a
  -- transaction-scoped advisory lock rather than on the head row itself: a queue of waiters on the row would keep
  -- its page pinned, so the row's old versions could never be pruned and every append would get slower. Taken
  -- in its own statement, so that the UPDATE below (a new snapshot under READ COMMITTED) sees the head as the
  -- previous appender committed it.
  perform pg_advisory_xact_lock(hashtextextended('audit:chain', 0));
  with head as (
    update audit_chain_head
       set seq = seq + 1,
           prev_hash = hash,
           hash = encode(sha256(convert_to(hash || E'\n' || (seq + 1)::text || E'\n' || new.body, 'UTF8')), 'hex')
     where id = 1
    returning seq, prev_hash, hash
  )
  insert into audit_events (
    seq, occurred_at, actor_type, actor_id, actor_display, action, target_type, target_id,
    reason, ticket, metadata, ip, user_agent, request_id, prev_hash, hash)
  select head.seq, new.occurred_at, new.actor_type, new.actor_id, new.actor_display, new.action, new.target_type,
         new.target_id, new.reason, new.ticket, new.metadata, new.ip, new.user_agent, new.request_id,
         head.prev_hash, head.hash
    from head;
  if not found then
    raise exception 'audit_chain_head is missing';
  end if;
  return null;
end;
$$;

-- Deferred triggers fire in the order their rows were inserted, so events of one transaction keep their order.
create constraint trigger audit_pending_chain
  after insert on audit_pending
  deferrable initially deferred
  for each row execute function audit_chain_append();

-- Append-only: history cannot be changed through any connection that leaves triggers on. Statement-level, so
-- even an UPDATE or DELETE that matches no row is refused, and TRUNCATE (which has no rows) is covered too.
create function audit_events_reject_change() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Audit events are only ever appended, through appendAuditEvent.';
end;
$$;

create trigger audit_events_append_only
  before update or delete or truncate on audit_events
  for each statement execute function audit_events_reject_change();

-- The head may only move forward one link at a time, and never disappear.
create function audit_chain_head_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    if new.id = old.id and new.seq = old.seq + 1 and new.prev_hash = old.hash then
      return new;
    end if;
    raise exception 'audit_chain_head can only advance by one event (seq % -> %)', old.seq, new.seq
      using errcode = 'insufficient_privilege';
  end if;
  raise exception 'audit_chain_head: % is not allowed', tg_op
    using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_chain_head_advance_only
  before update on audit_chain_head
  for each row execute function audit_chain_head_guard();

create trigger audit_chain_head_no_removal
  before delete or truncate on audit_chain_head
  for each statement execute function audit_chain_head_guard();
