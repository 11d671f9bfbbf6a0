-- The session-bearing access report (issue 10; docs/access-report.md): every session token and link ever issued,
-- newest first, read as one keyset walk per kind of record (inquiry sessions issued by someone, their later
-- hand-outs, access links, bare-id starts) merged by issue time. These indexes give each walk its order and its
-- common filters; nothing here changes what is stored, except the two version columns of access_links.
-- Frozen once released: later changes go into a new numbered file.

-- The inquiry's version, and its template's latest version, when the link was issued: the version gap a token
-- link was handed out over. Set by the inquiry store at issue; older links are filled in below from their
-- `link.created` audit events where those name them, and stay null otherwise.
alter table access_links add column inquiry_version_number integer check (inquiry_version_number > 0);
alter table access_links add column latest_version_number integer check (latest_version_number > 0);

update access_links l
set inquiry_version_number = (e.metadata->>'versionNumber')::int,
    latest_version_number = (e.metadata->>'latestVersionNumber')::int
from audit_events e
where e.action = 'link.created'
  and e.metadata->>'linkId' = l.id
  -- Only whole numbers in range are copied (a CASE, so no cast is tried on anything else).
  and case when jsonb_typeof(e.metadata->'versionNumber') = 'number' and jsonb_typeof(e.metadata->'latestVersionNumber') = 'number'
        then (e.metadata->>'versionNumber')::numeric between 1 and 2147483647
         and (e.metadata->>'latestVersionNumber')::numeric between 1 and 2147483647
         and (e.metadata->>'versionNumber')::numeric % 1 = 0
         and (e.metadata->>'latestVersionNumber')::numeric % 1 = 0
        else false end;

-- A token link's session → its link: the report leaves a token link's own session out of the resumes, and the
-- hosted flow counts a token link's use by its session (until now a scan of access_links).
create index if not exists access_links_session_idx on access_links (session_id) where session_id is not null;
-- Links of one kind, newest first (the report reads one-time links and token links as two walks).
create index if not exists access_links_kind_created_idx on access_links (kind, created_at desc, id);
-- Live links (not revoked, not yet past their expiry) of one kind: the "live token links" view.
create index if not exists access_links_live_idx on access_links (kind, expires_at) where revoked_at is null;

-- Sessions issued by someone (not the end user's own), by issuer, newest first: one person's issues.
create index if not exists inquiry_sessions_issuer_idx on inquiry_sessions (issued_by_id, created_at desc, id)
  where issued_by_type <> 'end_user';
-- The open ones among them (the sweep marks overdue sessions expired, so few): the report's "live" filter.
create index if not exists inquiry_sessions_open_issued_idx on inquiry_sessions (created_at desc, id)
  where issued_by_type <> 'end_user' and expired_at is null and revoked_at is null;

-- A reused session's later hand-outs, newest first, and by whom they were received.
create index if not exists session_handouts_handed_idx on session_handouts (handed_at desc, id);
create index if not exists session_handouts_to_idx on session_handouts (handed_to_id, handed_at desc, id);

-- Created inquiries started from their bare id (no code, no token) in the hosted flow, newest first.
create index if not exists inquiry_events_bare_id_idx on inquiry_events (occurred_at desc, id)
  where kind = 'started_from_bare_id';
