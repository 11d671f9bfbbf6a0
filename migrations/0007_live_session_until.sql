-- "Has this inquiry a live session?" as a column of the inquiry, so the Stuck view (pending, not expired, no live
-- session) is a filter on the index it walks instead of a probe into inquiry_sessions for every row it passes:
-- the newest pending inquiries nearly all have a live session, so finding 50 without one probed ~13,500 rows.
--
-- live_session_until: the latest expires_at among the inquiry's sessions that are neither expired nor revoked;
-- null when there is none. The inquiry has a live session at `now` exactly when live_session_until > now, so
-- the clock passing an expiry changes nothing here. Every writer of inquiry_sessions keeps it true in the same
-- transaction (server/repositories/inquiries.ts: raiseLiveSessionUntil on insert, refreshLiveSessionUntil after
-- expiring or revoking; the expiry sweep and the seed set it themselves).
-- Frozen once released: later changes go into a new numbered file.

alter table inquiries add column live_session_until timestamptz;

update inquiries i
   set live_session_until = live.until
  from (select inquiry_id, max(expires_at) as until from inquiry_sessions
         where expired_at is null and revoked_at is null group by inquiry_id) live
 where i.id = live.inquiry_id;

-- The Stuck view for each sort: pending inquiries only (~5 % of all), carrying the two columns the view filters
-- on, so each page is an index-only walk that skips the inquiries with a live session without visiting the heap.
create index if not exists inquiries_pending_created_idx on inquiries (created_at, id)
  include (expires_at, live_session_until) where status = 'pending';
create index if not exists inquiries_pending_expires_idx on inquiries (expires_at, id)
  include (live_session_until) where status = 'pending';
create index if not exists inquiries_pending_updated_idx on inquiries (updated_at, id)
  include (expires_at, live_session_until) where status = 'pending';
