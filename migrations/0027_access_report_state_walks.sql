-- The access report's state filters on deep pages (issue 10; docs/access-report.md, docs/performance.md "State
-- walks"). A row's state is derived at read time from its own columns and, for hand-outs and bare-id starts, from
-- its session's. Filtered by *live* or *revoked*, a walk in issue order had no index holding only rows in that
-- state, so a source with none left below the cursor was read to its end (at 1,000,000 rows: the last page of
-- *live* 450 ms, the first of *revoked* 63 ms). This file adds what lets each source walk only the rows that can be
-- in the state asked for:
--
-- - access_links.expired_at: marked by the expiry sweep once a link is past its own expiry (as it marks sessions).
--   Nothing else writes it. A link reads expired once marked or past its expiry, whichever comes first (as a session
--   does), so a link not yet marked reads expired all the same, and one marked by a sweep whose clock ran ahead of
--   the reader's reads expired in every filter alike.
-- - session_handouts.session_open / session_revoked, and access_links.session_revoked (token links): the session's
--   end, copied by triggers from inquiry_sessions (at insert, and whenever the session's expired_at or revoked_at
--   changes), so that every writer of sessions keeps them, including the expiry sweep's set-based statements.
-- - inquiry_sessions.from_bare_id: the session a created inquiry got when it was opened from its bare id, marked by a
--   trigger when the start's timeline event is written (so also by an instance still on older code during a rolling
--   deploy). The report reads bare-id starts from these sessions, where the session's own expired_at and revoked_at
--   are in reach of a partial index.
-- - inquiry_sessions.carried_by_token_link: the session a token link carries (set by a trigger when the link is
--   written). A token link is its own row in the report, so its session is not a resume row; the sessions walk
--   checked that per row against access_links, and with *live* skipped 16,000 open token-link sessions one lookup
--   at a time. Now the open-session walks hold only resumes.
--
-- Frozen once released: later changes go into a new numbered file. On a large database the backfills and indexes
-- take a while and hold off writes to these tables meanwhile (a migration runs in one transaction).

alter table access_links add column expired_at timestamptz;
alter table access_links add constraint access_links_expired_at_check check (expired_at is null or expired_at = expires_at);
update access_links set expired_at = expires_at where expires_at <= now() and revoked_at is null;

alter table session_handouts add column session_open boolean not null default true;
alter table session_handouts add column session_revoked boolean not null default false;
update session_handouts h
set session_open = (s.expired_at is null and s.revoked_at is null), session_revoked = (s.revoked_at is not null)
from inquiry_sessions s
where s.id = h.session_id and (s.expired_at is not null or s.revoked_at is not null);

alter table inquiry_sessions add column from_bare_id boolean not null default false;
update inquiry_sessions s set from_bare_id = true
from inquiry_events e
where e.kind = 'started_from_bare_id' and s.id = e.detail->>'sessionId';

alter table inquiry_sessions add column carried_by_token_link boolean not null default false;
update inquiry_sessions s set carried_by_token_link = true
from access_links l
where l.kind = 'token' and l.session_id = s.id;

-- A token link's session revoked (the link's state reads it): copied beside the link, for the *revoked* walk.
alter table access_links add column session_revoked boolean not null default false;
update access_links l set session_revoked = true
from inquiry_sessions s
where l.kind = 'token' and s.id = l.session_id and s.revoked_at is not null;

create function inquiry_events_bare_id_session() returns trigger language plpgsql as $$
begin
  update inquiry_sessions set from_bare_id = true
  where id = new.detail->>'sessionId' and inquiry_id = new.inquiry_id and not from_bare_id;
  return null;
end $$;
create trigger inquiry_events_bare_id_session after insert on inquiry_events
  for each row when (new.kind = 'started_from_bare_id')
  execute function inquiry_events_bare_id_session();

create function access_links_token_session() returns trigger language plpgsql as $$
begin
  update inquiry_sessions set carried_by_token_link = true where id = new.session_id and not carried_by_token_link;
  new.session_revoked := coalesce((select s.revoked_at is not null from inquiry_sessions s where s.id = new.session_id), false);
  return new;
end $$;
create trigger access_links_token_session before insert or update of session_id, kind on access_links
  for each row when (new.kind = 'token' and new.session_id is not null)
  execute function access_links_token_session();

create function session_handout_state() returns trigger language plpgsql as $$
begin
  select s.expired_at is null and s.revoked_at is null, s.revoked_at is not null
  into new.session_open, new.session_revoked
  from inquiry_sessions s where s.id = new.session_id;
  new.session_open := coalesce(new.session_open, true);
  new.session_revoked := coalesce(new.session_revoked, false);
  return new;
end $$;
create trigger session_handouts_state before insert or update of session_id on session_handouts
  for each row execute function session_handout_state();

create function session_end_follow() returns trigger language plpgsql as $$
begin
  update session_handouts
  set session_open = (new.expired_at is null and new.revoked_at is null), session_revoked = (new.revoked_at is not null)
  where session_id = new.id
    and (session_open, session_revoked) is distinct from (new.expired_at is null and new.revoked_at is null, new.revoked_at is not null);
  if new.carried_by_token_link then
    update access_links set session_revoked = (new.revoked_at is not null)
    where session_id = new.id and kind = 'token' and session_revoked is distinct from (new.revoked_at is not null);
  end if;
  return null;
end $$;
create trigger inquiry_sessions_end_follow after update of expired_at, revoked_at on inquiry_sessions
  for each row when (old.expired_at is distinct from new.expired_at or old.revoked_at is distinct from new.revoked_at)
  execute function session_end_follow();

-- Links neither revoked nor marked expired, of one kind, newest first (and one person's): the *live* walks.
create index access_links_open_idx on access_links (kind, created_at desc, id) where revoked_at is null and expired_at is null;
create index access_links_open_issuer_idx on access_links (issued_by_id, kind, created_at desc, id) where revoked_at is null and expired_at is null;
-- Replaced by the open walks, and by the sweep's own below (which also leaves out marked links).
drop index access_links_live_idx;
-- What the sweep marks next: unmarked, unrevoked links by expiry, as UTC wall time. The expression is the sweep's
-- alone on purpose: on plain expires_at the planner would also take it for the report's live walks, reckoning "not
-- marked" and "expiry after now" as independent (a tenth of the live links), and read and sort them all (live
-- token links, 21,000 at 1,000,000 rows: 2.6 → 69 ms for the count).
create index access_links_due_idx on access_links ((expires_at at time zone 'UTC')) where revoked_at is null and expired_at is null;
-- Revoked links of one kind (or a token link's session revoked), newest first.
create index access_links_revoked_idx on access_links (kind, created_at desc, id) where revoked_at is not null or session_revoked;

-- Hand-outs of a session still open (and one person's), and of a revoked one, newest first.
create index session_handouts_open_idx on session_handouts (handed_at desc, id) where session_open;
create index session_handouts_open_to_idx on session_handouts (handed_to_id, handed_at desc, id) where session_open;
create index session_handouts_revoked_idx on session_handouts (handed_at desc, id) where session_revoked;

-- Open sessions issued by someone, not a token link's, newest first (and one person's): the *live* resumes. They
-- replace 0018's and 0024's, which held token links' sessions too.
create index inquiry_sessions_open_resume_idx on inquiry_sessions (created_at desc, id)
  where issued_by_type <> 'end_user' and not carried_by_token_link and expired_at is null and revoked_at is null;
create index inquiry_sessions_open_resume_issuer_idx on inquiry_sessions (issued_by_id, created_at desc, id)
  where issued_by_type <> 'end_user' and not carried_by_token_link and expired_at is null and revoked_at is null;
drop index inquiry_sessions_open_issued_idx;
drop index inquiry_sessions_open_issuer_idx;

-- Revoked sessions issued by someone, newest first.
create index inquiry_sessions_revoked_idx on inquiry_sessions (created_at desc, id) where revoked_at is not null;
-- Bare-id starts by the time of the start (the session's first use, set in the same transaction to the instant the
-- timeline records; created_at is kept to the second), newest first: all, the open ones, the revoked ones.
create index inquiry_sessions_bare_id_idx on inquiry_sessions ((coalesce(started_at, created_at)) desc, id) where from_bare_id;
create index inquiry_sessions_open_bare_id_idx on inquiry_sessions ((coalesce(started_at, created_at)) desc, id)
  where from_bare_id and expired_at is null and revoked_at is null;
create index inquiry_sessions_revoked_bare_id_idx on inquiry_sessions ((coalesce(started_at, created_at)) desc, id)
  where from_bare_id and revoked_at is not null;
-- The report no longer walks bare-id starts through their timeline events.
drop index inquiry_events_bare_id_idx;

-- As 0016's functions: no caller's temporary table can stand in for a real one, and nobody calls them directly.
do $$
begin
  execute format('alter function session_handout_state() set search_path = pg_catalog, %I, pg_temp', current_schema());
  execute format('alter function session_end_follow() set search_path = pg_catalog, %I, pg_temp', current_schema());
  execute format('alter function access_links_token_session() set search_path = pg_catalog, %I, pg_temp', current_schema());
  execute format('alter function inquiry_events_bare_id_session() set search_path = pg_catalog, %I, pg_temp', current_schema());
end;
$$;
revoke all on function session_handout_state() from public;
revoke all on function session_end_follow() from public;
revoke all on function access_links_token_session() from public;
revoke all on function inquiry_events_bare_id_session() from public;
