-- The access report's *state: expired* (issue 10; docs/access-report.md "Filters, paging and counts",
-- docs/performance.md "Expired walks"). A row is expired once marked ended (the sweep's mark, or its session's end
-- copied beside it) or past its expiry, whichever comes first. Walked in issue order, each source read its live rows
-- before its first expired one (at 1,000,000 rows: 8,000 one-time links and 2,600 sessions for a first page, 14 ms).
-- The report now walks the rows marked ended along these indexes, and the few past expiry and not yet marked apart,
-- by key, from the sweep's own due indexes (repositories/access-report.ts, Branch.expiredDue).
--
-- Frozen once released: later changes go into a new numbered file.

-- Sessions issued by someone (not a token link's), marked expired, newest first; and bare-id starts likewise.
create index inquiry_sessions_expired_resume_idx on inquiry_sessions (created_at desc, id)
  where issued_by_type <> 'end_user' and not carried_by_token_link and expired_at is not null and revoked_at is null;
create index inquiry_sessions_expired_bare_id_idx on inquiry_sessions ((coalesce(started_at, created_at)) desc, id)
  where from_bare_id and expired_at is not null and revoked_at is null;
-- Hand-outs of a session marked expired, newest first.
create index session_handouts_ended_idx on session_handouts (handed_at desc, id) where not session_open and not session_revoked;
-- Links of one kind marked expired by the sweep, or (a token link) whose session was, newest first.
create index access_links_ended_idx on access_links (kind, created_at desc, id)
  where revoked_at is null and (expired_at is not null or not session_open);

-- The sweep's due indexes, rebuilt to carry the key the report looks the due rows up by (and, on the expression
-- index, the column under the expression), so that a plan made without the instant's value (the report's generic
-- plans) still reads them alone (an index-only scan) rather than the whole table: a plan cannot see that "past
-- expiry and not yet marked" holds for a handful of rows, and takes it for a third of the open ones.
drop index inquiry_sessions_live_idx;
create index inquiry_sessions_live_idx on inquiry_sessions (expires_at) include (id) where expired_at is null and revoked_at is null;
drop index access_links_due_idx;
create index access_links_due_idx on access_links ((expires_at at time zone 'UTC')) include (id, expires_at)
  where revoked_at is null and expired_at is null;
