-- Every filter × sort of the inquiry list as an index walk (server/bench/list-matrix.ts checks them all).
-- Frozen once released: later changes go into a new numbered file.
--
-- A template or version-state filter with a status set (a status filter, the expiry views, the quick views) is a
-- UNION ALL of one keyset walk per (status, version) pair. Only the creation order had an index leading with both
-- (0006); sorted by expiry or last update, each pair walked (status, sort) or (version_id, sort) and filtered the
-- other column through the heap: 0.3–2 s at 1M rows (template × expired by expiresAt, the Outdated quick view by
-- updatedAt). These two give every pair its own ordered range. The included columns are what the open-status
-- branches filter on (the expiry window, live_session_until for Stuck) or read as the sort value when they
-- collect a narrow expiry range and sort it (overdue, within 1 h), so those stay index-only too; for other
-- statuses live_session_until is null and costs only the null bitmap.
create index if not exists inquiries_status_version_expires_idx on inquiries (status, version_id, expires_at, id)
  include (created_at, updated_at, live_session_until);
create index if not exists inquiries_status_version_updated_idx on inquiries (status, version_id, updated_at, id)
  include (expires_at, live_session_until);

-- The creation-order walk of one (status, version) pair (0006) does not carry expires_at or live_session_until:
-- Stuck with a template filter visited the heap of every pending inquiry it passed (most of the newest hold a live
-- session). Open inquiries only (~9 % of rows), like the 0007 indexes it complements.
create index if not exists inquiries_open_version_created_idx on inquiries (status, version_id, created_at, id)
  include (expires_at, live_session_until) where status in ('created', 'pending');
