-- Staff sign-in: accounts and roles, server-side sessions, login throttling and in-flight SSO logins.
-- Everything lives in Postgres so that any number of app servers share it (DESIGN §3, scale-out).
-- Frozen once released: later changes go into a new numbered file.

create table staff (
  id                    text primary key check (id ~ '^stf_[A-Za-z0-9]+$'),
  -- Stored lower-cased by the service; the unique index makes the rule hold whatever writes the row.
  email                 text not null check (length(email) between 3 and 254),
  display_name          text not null check (length(display_name) between 1 and 200),
  role                  text not null check (role in ('viewer', 'support', 'compliance', 'manager', 'admin')),
  -- argon2id (PHC string). Null: the person signs in with SSO only.
  password_hash         text check (password_hash like '$argon2id$%'),
  -- Set for one-time passwords (created or reset by an admin): the next sign-in must choose a new one.
  must_change_password  boolean not null default false,
  password_changed_at   timestamptz,
  oidc_subject          text,
  disabled_at           timestamptz,
  last_login_at         timestamptz,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now()
);
create unique index staff_email_key on staff (lower(email));

create table staff_sessions (
  -- The id shown to admins and written to the audit log. The cookie value is never stored: only its SHA-256.
  id            text primary key check (id ~ '^stses_[A-Za-z0-9]+$'),
  token_hash    text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  staff_id      text not null references staff (id),
  method        text not null check (method in ('password', 'oidc')),
  created_at    timestamptz not null,
  last_seen_at  timestamptz not null,
  -- Absolute expiry (12 h after sign-in). The idle timeout is enforced from last_seen_at.
  expires_at    timestamptz not null,
  ip            text check (length(ip) <= 64),
  user_agent    text check (length(user_agent) <= 512),
  ended_at      timestamptz,
  end_reason    text check (end_reason in (
                  'logout', 'idle', 'expired', 'disabled', 'role_changed', 'password_reset',
                  'password_changed', 'ended_by_admin')),
  check (expires_at > created_at),
  check ((ended_at is null) = (end_reason is null))
);
create index staff_sessions_staff_idx on staff_sessions (staff_id, created_at desc);
create index staff_sessions_live_idx on staff_sessions (staff_id) where ended_at is null;

-- Failed sign-ins per account (`account:<email>`, whether or not the account exists) and per client address
-- (`ip:<address>`). A lock, once set, holds for every app server.
create table login_throttle (
  key              text primary key check (key ~ '^(account|ip):' and length(key) <= 300),
  failures         integer not null check (failures >= 0),
  last_failure_at  timestamptz not null,
  locked_until     timestamptz
);
create index login_throttle_last_failure_idx on login_throttle (last_failure_at);

-- An SSO sign-in between /auth/oidc/start and /auth/oidc/callback. Keyed by the SHA-256 of a random value held
-- in a short-lived HttpOnly cookie, so the callback only completes in the browser that started it; single use.
create table oidc_login_flows (
  id_hash        text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
  state          text not null,
  nonce          text not null,
  code_verifier  text not null,
  return_to      text not null check (return_to like '/%'),
  created_at     timestamptz not null,
  expires_at     timestamptz not null
);
create index oidc_login_flows_expires_idx on oidc_login_flows (expires_at);
