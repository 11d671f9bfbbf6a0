-- "Has this inquiry a live session?" is asked for every row of the Stuck view and for every listed inquiry's
-- live-session count. Live sessions are a small share of all sessions: index just those, by inquiry, so the
-- question is an index-only probe (and an anti-join never scans the whole sessions table).
create index if not exists inquiry_sessions_live_inquiry_idx on inquiry_sessions (inquiry_id, expires_at)
  where expired_at is null and revoked_at is null;
