-- The Persona provider's shared rate gate and its backfill runs (issue 15; docs/persona.md, "Rate limit" and
-- "Backfill"). Frozen once released: later changes go into a new numbered file.

-- Persona's rate limit (300 requests a minute per environment by default) is one budget for every instance on this
-- database: one row per budget, a fixed one-minute window counted by one upsert (repositories/persona-rate.ts), and
-- closed_until, set after a 429 or `RateLimit-Remaining: 0`, until Persona's `RateLimit-Reset`.
create table persona_rate_gate (
  bucket        text primary key check (length(bucket) between 1 and 100),
  window_start  timestamptz not null,
  used          integer not null check (used >= 0),
  closed_until  timestamptz
);

-- One row per backfill run (`npm run sync:persona`, the console's Start, or the server on an empty database;
-- services/persona-sync.ts). The cursor and counts are written with each page's mirror writes, so an interrupted
-- or failed run is resumed from its cursor by the next one, which carries its counts forward.
create table persona_sync_runs (
  id               text primary key,
  -- The order runs were started in (the latest is the one a start resumes and the console shows).
  seq              bigint generated always as identity unique,
  started_at       timestamptz not null,
  -- Who started it: a member of staff (staff id), 'cli' or 'server'.
  started_by       text not null check (length(started_by) between 1 and 200),
  status           text not null check (status in ('running', 'done', 'failed', 'interrupted')),
  -- The run this one continues (its cursor and counts), if any.
  resumed_from     text references persona_sync_runs (id),
  -- Persona's page[after] for the next page; null: from the newest inquiry (or, when done, nothing left).
  cursor           text check (length(cursor) <= 200),
  -- Only inquiries created at or after it (`--since`); null: all.
  since            timestamptz,
  -- Totals so far, carried forward through resumptions; carried_inquiries: what this run started from.
  inquiries        integer not null default 0 check (inquiries >= 0),
  sessions         integer not null default 0 check (sessions >= 0),
  pages            integer not null default 0 check (pages >= 0),
  errors           integer not null default 0 check (errors >= 0),
  carried_inquiries integer not null default 0 check (carried_inquiries >= 0),
  -- For the estimate of what is left (Persona's list has no total): the newest inquiry's created-at when the walk
  -- began, the oldest one reached so far, and the oldest one expected (since, or the oldest already mirrored).
  newest_created_at timestamptz,
  oldest_created_at timestamptz,
  lower_bound_at    timestamptz,
  last_error       text check (length(last_error) <= 500),
  heartbeat_at     timestamptz not null,
  finished_at      timestamptz,
  check ((status = 'running') = (finished_at is null))
);
-- One run at a time, whichever process runs it (a run whose heartbeat stopped is taken over: the service marks it
-- interrupted first).
create unique index persona_sync_runs_one_running_idx on persona_sync_runs ((true)) where status = 'running';
