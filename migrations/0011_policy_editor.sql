-- The managers' policy editor: the console's own caps per template, revisions applied to open inquiries, and the
-- index the impact preview reads. Frozen once released: later changes go into a new numbered file.

-- Per-template caps on top of the vendor's intervals; null: the server's setting (TOKEN_LINK_MAX_MINUTES,
-- RESUME_COOLDOWN_MINUTES).
alter table policy_revisions add column token_link_max_minutes integer check (token_link_max_minutes between 5 and 43200);
alter table policy_revisions add column resume_cooldown_minutes integer check (resume_cooldown_minutes between 1 and 1440);
-- Set when a manager applied this revision to the open inquiries of the time (a separate, explicit action).
alter table policy_revisions add column applied_to_open_at timestamptz;
alter table policy_revisions add column applied_to_open_count integer;

-- Finished inquiries of one template over a recent window, for the impact preview and the completion-time
-- histograms: an index-only range scan per template, whatever the table's size.
create index if not exists inquiries_finished_template_idx on inquiries (template_id, completed_at)
  include (created_at, started_at) where completed_at is not null;

-- Open inquiries of one template (the preview's open side, applying a revision, recreating outdated ones).
create index if not exists inquiries_open_template_idx on inquiries (template_id, id)
  include (status, version_number, created_at, started_at, expires_at) where status in ('created', 'pending');
