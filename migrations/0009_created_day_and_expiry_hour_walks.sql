-- A range of one column sorted by another (server/bench/list-matrix.ts flagged these) as index walks.
-- Frozen once released: later changes go into a new numbered file.
--
-- No btree walks a creation range in expiry or update order: the list walked expires_at/updated_at and filtered
-- the range (150–275 ms at 1M rows for a range 30 to 20 days old), or would have collected the range and sorted
-- it (grows with the range). Bucketed by UTC creation day, each day is an ordered range of these indexes; a
-- creation range becomes one keyset walk per day (a LATERAL walk over the days), merged by the outer ORDER BY
-- (server/repositories/inquiries.ts). The included columns keep the range's edge days and a status or version
-- filter index-only. `timezone('UTC', timestamptz)` and `::date` are immutable, so the expression can be indexed.
create index if not exists inquiries_created_day_expires_idx on inquiries (((created_at at time zone 'UTC')::date), expires_at, id)
  include (created_at, status, version_id);
create index if not exists inquiries_created_day_updated_idx on inquiries (((created_at at time zone 'UTC')::date), updated_at, id)
  include (created_at, status, version_id);

-- Open inquiries (created/pending) are few and mostly recent: in an older creation range a day holds a handful,
-- and a status filter read from the entries above would pass over the whole day to find them. By (status, day)
-- each open status has its own ordered range per day.
create index if not exists inquiries_open_created_day_expires_idx on inquiries (status, ((created_at at time zone 'UTC')::date), expires_at, id)
  include (created_at, version_id) where status in ('created', 'pending');
create index if not exists inquiries_open_created_day_updated_idx on inquiries (status, ((created_at at time zone 'UTC')::date), updated_at, id)
  include (created_at, version_id) where status in ('created', 'pending');

-- The same for a short expiry window (expiring within 1 h) sorted by creation or update: open inquiries only
-- (the window filters apply to created/pending), bucketed by UTC hour of expiry; the window is one or two hours.
create index if not exists inquiries_open_expires_hour_created_idx on inquiries (status, date_trunc('hour', expires_at at time zone 'UTC'), created_at, id)
  include (expires_at, version_id, live_session_until) where status in ('created', 'pending');
create index if not exists inquiries_open_expires_hour_updated_idx on inquiries (status, date_trunc('hour', expires_at at time zone 'UTC'), updated_at, id)
  include (expires_at, version_id, live_session_until) where status in ('created', 'pending');

-- True of every inquiry (nothing expires or changes before it exists); stated so that a creation range can bound
-- an expiry- or update-ordered walk from below: created_at >= t implies expires_at >= t and updated_at >= t.
alter table inquiries add constraint inquiries_expires_after_created check (expires_at >= created_at);
alter table inquiries add constraint inquiries_updated_after_created check (updated_at >= created_at);
