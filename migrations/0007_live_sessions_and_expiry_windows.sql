-- Two slow views of the inquiry list (docs/performance.md, "Findings"): Stuck, and the expiry views of open inquiries.
-- Frozen once released: later changes go into a new numbered file.

-- "Has this inquiry a live session?" as a column of the inquiry, so the Stuck view (pending, not expired, no live
-- session) is a filter on the index it walks instead of a probe into inquiry_sessions for every row it passes:
-- the newest pending inquiries nearly all have a live session, so finding 50 without one probed ~13,500 rows.
--
-- live_session_until: the latest expires_at among the inquiry's sessions that are neither expired nor revoked;
-- null when there is none. The inquiry has a live session at `now` exactly when live_session_until > now, so
-- the clock passing an expiry changes nothing here. Every writer of inquiry_sessions keeps it true in the same
-- transaction: the local engine raises it in the statement that inserts a session, refreshLiveSessionUntil
-- (server/repositories/inquiries.ts) recomputes it after sessions are expired or revoked, and the expiry sweep
-- and the seed set it themselves.
alter table inquiries add column live_session_until timestamptz;

update inquiries i
   set live_session_until = live.until
  from (select inquiry_id, max(expires_at) as until from inquiry_sessions
         where expired_at is null and revoked_at is null group by inquiry_id) live
 where i.id = live.inquiry_id;

-- Open inquiries (created or pending, ~9 % of all) are what the support views look at. One partial index per
-- sort, each carrying the columns those views filter on, so a page is an index-only walk:
-- - Stuck skips the pending inquiries that have a live session without visiting the heap;
-- - the expiry views read a narrow range of expires_at (overdue but not yet swept; expiring within the hour)
--   from inquiries_open_expires_idx and sort it, instead of walking the creation order past every open inquiry
--   created since (a day of them for "within 1 h"; all of them, for none found, for "overdue"). version_id is
--   carried so that a template filter, one branch per version, stays index-only too.
create index if not exists inquiries_open_created_idx on inquiries (status, created_at, id)
  include (expires_at, live_session_until) where status in ('created', 'pending');
create index if not exists inquiries_open_updated_idx on inquiries (status, updated_at, id)
  include (expires_at, live_session_until) where status in ('created', 'pending');
create index if not exists inquiries_open_expires_idx on inquiries (status, expires_at, id)
  include (created_at, updated_at, version_id, live_session_until) where status in ('created', 'pending');
