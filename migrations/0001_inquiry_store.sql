-- The inquiry store: templates and their published versions, expiration-policy revisions,
-- B2B2C customers, inquiries, inquiry sessions and each inquiry's timeline.
-- Frozen once released: later changes go into a new numbered file.

create table customers (
  id          text primary key check (id ~ '^cust_[A-Za-z0-9]+$'),
  name        text not null check (length(name) between 1 and 200),
  account_id  text check (account_id ~ '^act_[A-Za-z0-9]+$'),
  created_at  timestamptz not null default now()
);

create table templates (
  id          text primary key check (id ~ '^itmpl_[A-Za-z0-9]+$'),
  name        text not null check (length(name) between 1 and 200),
  created_at  timestamptz not null default now(),
  -- Denormalised from template_versions so that "is this inquiry outdated?" is one comparison.
  -- Kept in step by the service that publishes versions, in the same transaction.
  latest_version_id     text,
  latest_version_number integer not null default 0
);

create table template_versions (
  id              text primary key check (id ~ '^itmplv_[A-Za-z0-9]+$'),
  template_id     text not null references templates (id),
  version_number  integer not null check (version_number >= 1),
  published_at    timestamptz not null,
  notes           text,
  unique (template_id, version_number)
);

alter table templates
  add constraint templates_latest_version_fk foreign key (latest_version_id) references template_versions (id)
  deferrable initially deferred;

-- Expiration policy revisions are separate from flow versions: tuning expiry never makes an inquiry outdated.
-- The policy in force for a template is its revision with the highest id.
create table policy_revisions (
  id                    bigint generated always as identity primary key,
  template_id           text not null references templates (id),
  after_create_minutes  integer not null check (after_create_minutes between 10 and 43200),
  after_start_minutes   integer check (after_start_minutes between 10 and 43200), -- null: same as after create
  after_resume_minutes  integer not null check (after_resume_minutes between 10 and 43200),
  one_time_link_minutes integer not null check (one_time_link_minutes between 1 and 43200),
  reason                text,
  created_by            text,
  created_at            timestamptz not null default now()
);
create index policy_revisions_template_idx on policy_revisions (template_id, id desc);

create table inquiries (
  id                  text primary key check (id ~ '^inq_[A-Za-z0-9]+$'),
  template_id         text not null references templates (id),
  version_id          text not null references template_versions (id),
  version_number      integer not null,
  policy_revision_id  bigint references policy_revisions (id),
  kind                text not null default 'dedicated' check (kind in ('dedicated', 'just_in_time')),
  reference_id        text check (length(reference_id) <= 255),
  customer_id         text references customers (id),
  account_id          text,
  fields              jsonb not null default '{}'::jsonb,
  -- Lower-cased email from the prefilled fields, for exact case-insensitive search.
  email_normalized    text generated always as (lower(fields ->> 'email-address')) stored,
  status              text not null check (status in (
                        'created', 'pending', 'completed', 'failed', 'expired',
                        'approved', 'declined', 'needs_review')),
  predecessor_id      text unique references inquiries (id),
  created_at          timestamptz not null,
  started_at          timestamptz,
  completed_at        timestamptz,
  failed_at           timestamptz,
  decisioned_at       timestamptz,
  expired_at          timestamptz,
  expires_at          timestamptz not null,
  updated_at          timestamptz not null,
  check (predecessor_id is null or predecessor_id <> id),
  check (status <> 'expired' or expired_at is not null),
  check (started_at is null or started_at >= created_at)
);

-- Every list view is a keyset walk over one of these (see README, "Performance").
-- Unfiltered, created range, search results:
create index inquiries_created_idx  on inquiries (created_at, id);
create index inquiries_expires_idx  on inquiries (expires_at, id);
create index inquiries_updated_idx  on inquiries (updated_at, id);
-- Status filter (and the quick views, which are status sets):
create index inquiries_status_created_idx on inquiries (status, created_at, id);
create index inquiries_status_expires_idx on inquiries (status, expires_at, id);
create index inquiries_status_updated_idx on inquiries (status, updated_at, id);
-- Template and version-state filters: both resolve to a set of version ids.
create index inquiries_version_created_idx on inquiries (version_id, created_at, id);
create index inquiries_version_expires_idx on inquiries (version_id, expires_at, id);
create index inquiries_version_updated_idx on inquiries (version_id, updated_at, id);
-- Search and B2B2C filter.
create index inquiries_reference_idx on inquiries (reference_id) where reference_id is not null;
create index inquiries_email_idx     on inquiries (email_normalized) where email_normalized is not null;
create index inquiries_customer_idx  on inquiries (customer_id, created_at, id) where customer_id is not null;

create table inquiry_sessions (
  id                 text primary key check (id ~ '^iqse_[A-Za-z0-9]+$'),
  inquiry_id         text not null references inquiries (id),
  created_at         timestamptz not null,
  -- Fixed at creation: the inquiry's expiry then. Later expiry changes do not move it.
  expires_at         timestamptz not null,
  started_at         timestamptz,
  expired_at         timestamptz,
  revoked_at         timestamptz,
  token_fingerprint  text,
  issued_by_type     text not null default 'end_user' check (issued_by_type in ('end_user', 'staff', 'partner', 'system')),
  issued_by_id       text,
  check (expires_at >= created_at)
);
create index inquiry_sessions_inquiry_idx on inquiry_sessions (inquiry_id, created_at);
-- Live sessions (not expired, not revoked) are what the sweeper and the session cap look at.
create index inquiry_sessions_live_idx on inquiry_sessions (expires_at) where expired_at is null and revoked_at is null;

create table inquiry_events (
  id           bigint generated always as identity primary key,
  inquiry_id   text not null references inquiries (id),
  occurred_at  timestamptz not null,
  kind         text not null check (length(kind) between 1 and 64),
  detail       jsonb not null default '{}'::jsonb
);
create index inquiry_events_inquiry_idx on inquiry_events (inquiry_id, occurred_at, id);
