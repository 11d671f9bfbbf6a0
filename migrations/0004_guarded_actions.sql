-- Guarded actions: links handed to end users, idempotency records, rate-limit events, and the generated
-- signing secret for session tokens when none is configured.

-- Links to the hosted flow that carry access: one-time links (a single-use code) and links with a session
-- token appended. Only a hash of a one-time code is stored; a token link stores its session and the token's
-- fingerprint, never the token.
create table access_links (
  id               text primary key check (id ~ '^lnk_[A-Za-z0-9]+$'),
  inquiry_id       text not null references inquiries (id),
  kind             text not null check (kind in ('one_time', 'token')),
  code_hash        text unique,
  session_id       text references inquiry_sessions (id),
  token_fingerprint text,
  created_at       timestamptz not null,
  expires_at       timestamptz not null,
  first_used_at    timestamptz,
  last_used_at     timestamptz,
  use_count        integer not null default 0,
  revoked_at       timestamptz,
  revoked_by       text,
  issued_by_type   text not null check (issued_by_type in ('staff', 'partner', 'system')),
  issued_by_id     text,
  issued_by_display text,
  reason           text,
  ticket           text,
  check (expires_at > created_at),
  check (kind <> 'one_time' or code_hash is not null),
  check (kind <> 'token' or session_id is not null)
);
create index access_links_inquiry_idx on access_links (inquiry_id, created_at desc);
create index access_links_issuer_idx on access_links (issued_by_id, created_at desc);
create index access_links_created_idx on access_links (created_at desc, id);

-- Who issued a session, why: sessions issued by staff (resume) carry the reason for the access report.
alter table inquiry_sessions add column reason text;
alter table inquiry_sessions add column ticket text;
alter table inquiry_sessions add column issued_by_display text;
alter table inquiry_sessions add column last_used_at timestamptz;
create index inquiry_sessions_issued_idx on inquiry_sessions (created_at desc, id) where issued_by_type <> 'end_user';

-- A mutation's first result, by (scope, key): a retry or double click with the same key replays it and
-- creates nothing. `result` never holds a secret: a session token is re-derived from its session on replay.
create table idempotency_keys (
  scope         text not null,
  key           text not null check (length(key) between 8 and 128),
  request_hash  text not null,
  result        jsonb not null,
  created_at    timestamptz not null,
  primary key (scope, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);

-- Sliding-window rate limits shared by every instance: one row per counted action.
create table rate_limit_events (
  bucket       text not null,
  occurred_at  timestamptz not null
);
create index rate_limit_events_bucket_idx on rate_limit_events (bucket, occurred_at);

create table app_secrets (
  name        text primary key,
  value       text not null,
  created_at  timestamptz not null default now()
);
