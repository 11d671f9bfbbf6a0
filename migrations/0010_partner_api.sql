-- The partner resume API (B2B2C): per-customer API keys and the counters that throttle them.
-- Frozen once released: later changes go into a new numbered file.

-- A customer's key. The secret (`idk_live_…`) is shown once and kept only as its SHA-256: it is 240 random bits,
-- so a fast digest is enough (nothing to brute-force), and a leaked table row cannot be replayed.
create table api_keys (
  id                    text primary key check (id ~ '^key_[A-Za-z0-9]+$'),
  customer_id           text not null references customers (id),
  name                  text not null check (length(name) between 1 and 100),
  -- The first characters of the secret, shown in lists and matched by secret scanners' reports.
  prefix                text not null check (prefix ~ '^idk_live_[A-Za-z0-9]{4}$'),
  secret_hash           text not null unique check (secret_hash ~ '^[0-9a-f]{64}$'),
  rate_limit_per_minute integer not null check (rate_limit_per_minute between 1 and 100000),
  can_read_pii          boolean not null default false,
  created_at            timestamptz not null,
  created_by            text not null references staff (id),
  expires_at            timestamptz,
  revoked_at            timestamptz,
  revoked_by            text references staff (id),
  revoke_reason         text,
  last_used_at          timestamptz,
  check (expires_at is null or expires_at > created_at),
  check ((revoked_at is null) = (revoked_by is null))
);
create index api_keys_customer_idx on api_keys (customer_id, created_at);

-- Fixed one-minute windows shared by every instance: one row per bucket (a key, or a client address for calls
-- without a valid key) and window, counted by an upsert so concurrent calls on any instance add up.
create table api_rate_windows (
  bucket        text not null,
  window_start  timestamptz not null,
  calls         integer not null,
  primary key (bucket, window_start)
);
create index api_rate_windows_start_idx on api_rate_windows (window_start);

-- Calls per key and UTC day, for "calls this week" on the customers page. The day is ISO text ('2026-12-04'):
-- it sorts as a date and reads the same on every driver (a date column comes back as a local-time Date from pg).
create table api_key_usage (
  key_id  text not null references api_keys (id),
  day     text not null check (day ~ '^\d{4}-\d{2}-\d{2}$'),
  calls   integer not null,
  primary key (key_id, day)
);
