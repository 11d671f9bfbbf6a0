-- The access report's token links and hand-outs read their session's state from copies beside them (issue 10;
-- docs/access-report.md "Filters, paging and counts", docs/performance.md "Session copies"). Migration 0027 copied
-- part of a session's end (open, revoked) onto its hand-outs and its token link, as a guard for the walks' partial
-- indexes; the exact state still came from a lookup of the session for every row a walk passed. The *live token
-- links* count (exact up to 1,000) made a thousand such lookups, and *state: expired* passed every live token link
-- above the first expired one, each with its session joined (at 1,000,000 rows: 5 ms and 40 ms of SQL).
--
-- This file makes the copies whole and exact, so that the rows' state is their own:
--
-- - access_links.session_open and session_expires_at (token links): as session_handouts.session_open, and the
--   session's own expiry, which a policy change can bring closer after the link is issued (expiry.ts cuts open
--   sessions to their inquiry's new expiry), so the link's expiry alone does not say it;
-- - session_handouts.session_expires_at, likewise;
-- - the triggers that copy at insert now lock the session (FOR SHARE) while they read it. Before, a hand-out written
--   while the expiry sweep was marking its session expired could keep the old "open": the sweep's trigger updated
--   the hand-outs it could see, and the new one was not yet committed. Now one of the two waits for the other, and
--   whichever comes second sees the first's write;
-- - the session's trigger follows a change of its expiry too.
--
-- Frozen once released: later changes go into a new numbered file.

alter table access_links add column session_open boolean not null default true;
alter table access_links add column session_expires_at timestamptz;
update access_links l
set session_open = (s.expired_at is null and s.revoked_at is null), session_expires_at = s.expires_at
from inquiry_sessions s
where l.kind = 'token' and s.id = l.session_id;

alter table session_handouts add column session_expires_at timestamptz;
update session_handouts h
set session_open = (s.expired_at is null and s.revoked_at is null), session_revoked = (s.revoked_at is not null),
  session_expires_at = s.expires_at
from inquiry_sessions s
where s.id = h.session_id;

create or replace function access_links_token_session() returns trigger language plpgsql as $$
declare
  session record;
begin
  update inquiry_sessions set carried_by_token_link = true where id = new.session_id and not carried_by_token_link;
  select s.expired_at, s.revoked_at, s.expires_at into session from inquiry_sessions s where s.id = new.session_id for share;
  new.session_revoked := coalesce(session.revoked_at is not null, false);
  new.session_open := coalesce(session.expired_at is null and session.revoked_at is null, true);
  new.session_expires_at := session.expires_at;
  return new;
end $$;

create or replace function session_handout_state() returns trigger language plpgsql as $$
declare
  session record;
begin
  select s.expired_at, s.revoked_at, s.expires_at into session from inquiry_sessions s where s.id = new.session_id for share;
  new.session_open := coalesce(session.expired_at is null and session.revoked_at is null, true);
  new.session_revoked := coalesce(session.revoked_at is not null, false);
  new.session_expires_at := session.expires_at;
  return new;
end $$;

create or replace function session_end_follow() returns trigger language plpgsql as $$
begin
  update session_handouts
  set session_open = (new.expired_at is null and new.revoked_at is null), session_revoked = (new.revoked_at is not null),
    session_expires_at = new.expires_at
  where session_id = new.id
    and (session_open, session_revoked, session_expires_at)
      is distinct from (new.expired_at is null and new.revoked_at is null, new.revoked_at is not null, new.expires_at);
  if new.carried_by_token_link then
    update access_links
    set session_revoked = (new.revoked_at is not null), session_open = (new.expired_at is null and new.revoked_at is null),
      session_expires_at = new.expires_at
    where session_id = new.id and kind = 'token'
      and (session_revoked, session_open, session_expires_at)
        is distinct from (new.revoked_at is not null, new.expired_at is null and new.revoked_at is null, new.expires_at);
  end if;
  return null;
end $$;

drop trigger inquiry_sessions_end_follow on inquiry_sessions;
create trigger inquiry_sessions_end_follow after update of expires_at, expired_at, revoked_at on inquiry_sessions
  for each row when (old.expired_at is distinct from new.expired_at or old.revoked_at is distinct from new.revoked_at
    or old.expires_at is distinct from new.expires_at)
  execute function session_end_follow();

-- CREATE OR REPLACE keeps a function's owner and privileges but not its settings: as 0027 set them.
do $$
begin
  execute format('alter function session_handout_state() set search_path = pg_catalog, %I, pg_temp', current_schema());
  execute format('alter function session_end_follow() set search_path = pg_catalog, %I, pg_temp', current_schema());
  execute format('alter function access_links_token_session() set search_path = pg_catalog, %I, pg_temp', current_schema());
end;
$$;
