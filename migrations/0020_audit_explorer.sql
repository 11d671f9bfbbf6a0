-- The audit explorer (issue 10; docs/audit.md, "The explorer"): audit.list pages through the log newest first by
-- seq, and each filter is a walk of one index that ends in seq, so a page costs the same at the top and deep down.
-- 0002 already gives actor_id, action, (target_type, target_id) and occurred_at their walks; this adds three.
-- Frozen once released: later changes go into a new numbered file.
--
-- On a large log these take a while and hold off appends meanwhile (a migration runs in one transaction, so not
-- CONCURRENTLY); to build them beforehand on a live database, run each with CREATE INDEX CONCURRENTLY IF NOT EXISTS.

-- The inquiry an event is about: the one it targets, or the inquiry of the link it targets (link.revoked and the
-- like record it as metadata.inquiryId). `inquiry:inq_…` walks this, so an inquiry's trail includes its links'.
-- server/repositories/audit-list.ts repeats the expression exactly (the planner matches it as written).
create index if not exists audit_events_inquiry_idx on audit_events (
  (case when target_type = 'inquiry' then target_id else metadata ->> 'inquiryId' end), seq)
  where (case when target_type = 'inquiry' then target_id else metadata ->> 'inquiryId' end) is not null;

-- An action's family (`link` of link.created): `action:link.*`, and a manager's scope (policy.* and template.*),
-- one walk per family. The function, not LIKE 'link.%', so the walk holds under any collation.
create index if not exists audit_events_family_idx on audit_events (split_part(action, '.', 1), seq);

-- Who did what: one person's actions of one kind (`actor:… action:link.created`), the explorer's commonest pair.
-- Without it the pair walks the actor's events (or the whole log) and skips the other actions.
create index if not exists audit_events_actor_action_idx on audit_events (actor_id, action, seq) where actor_id is not null;

-- One ticket's events.
create index if not exists audit_events_ticket_idx on audit_events (ticket, seq) where ticket is not null;
