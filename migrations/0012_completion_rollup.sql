-- Completions per template, UTC day and duration bucket: the completion-time histograms of the template pages and
-- the policy preview add up at most 90 days × a few dozen bucket pairs instead of passing over every finished
-- inquiry (960,000 of them for one template took 1.2 s here). Kept by the inquiry store in the transaction that
-- completes an inquiry (server/repositories/inquiry-store/completions.ts); the seed rebuilds it after a load.
-- Frozen once released: later changes go into a new numbered file.
create table inquiry_completion_days (
  template_id         text not null references templates (id),
  completed_day       timestamptz not null,
  -- width_bucket over the duration edges of server/repositories/inquiry-store/completions.ts (0: under 10 min).
  from_create_bucket  smallint not null,
  from_start_bucket   smallint not null,
  completions         integer not null check (completions > 0),
  primary key (template_id, completed_day, from_create_bucket, from_start_bucket)
);

insert into inquiry_completion_days (template_id, completed_day, from_create_bucket, from_start_bucket, completions)
select template_id, date_trunc('day', completed_at, 'UTC'),
  width_bucket(completed_at - created_at, array[interval '10 minutes', interval '30 minutes', interval '1 hour', interval '2 hours',
    interval '4 hours', interval '8 hours', interval '12 hours', interval '1 day', interval '2 days', interval '3 days',
    interval '7 days', interval '15 days', interval '30 days']),
  width_bucket(completed_at - coalesce(started_at, created_at), array[interval '10 minutes', interval '30 minutes', interval '1 hour',
    interval '2 hours', interval '4 hours', interval '8 hours', interval '12 hours', interval '1 day', interval '2 days',
    interval '3 days', interval '7 days', interval '15 days', interval '30 days']),
  count(*)
from inquiries where completed_at is not null
group by 1, 2, 3, 4;

-- The policy preview and apply find each open pending inquiry's last resume (server/repositories/inquiry-store/
-- expiry.ts); resumes are a small share of the timeline, so a partial index keeps that one probe per inquiry.
create index if not exists inquiry_events_resumed_idx on inquiry_events (inquiry_id, occurred_at) where kind = 'resumed';
