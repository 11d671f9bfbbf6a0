-- The two-person rule for token links (issue 10; docs/two-person-rule.md). With TOKEN_LINK_APPROVAL=required,
-- links.createWithToken records a request here instead of issuing a link; a second person (access:revoke on all
-- records) approves or rejects it with a reason, or it expires undecided. On approval the link is issued to the
-- requester (access_links.issued_by_* is the requester) and linked here; the requester collects its URL once.
-- Nothing secret is stored: the URL carries the session token, which the provider re-derives from the session id.
-- Frozen once released: later changes go into a new numbered file.
create table token_link_requests (
  id                    text primary key check (id ~ '^tlr_[A-Za-z0-9]+$'),
  inquiry_id            text not null references inquiries (id),
  state                 text not null default 'pending' check (state in ('pending', 'approved', 'rejected', 'expired')),
  requested_by_id       text not null,
  requested_by_display  text not null,
  reason                text not null,
  ticket                text not null,
  expires_in_minutes    integer not null check (expires_in_minutes between 5 and 43200),
  acknowledged_expired  boolean not null default false,
  acknowledged_outdated boolean not null default false,
  -- The requester's idempotency key: a repeat is answered from idempotency_keys, where the request is its result
  -- (not unique here: those records are pruned after two days, and a key may then be used again).
  idempotency_key       text not null,
  created_at            timestamptz not null,
  -- A pending request expires, undecided, at this time (TOKEN_LINK_APPROVAL_TTL_MINUTES after it was made).
  expires_at            timestamptz not null check (expires_at > created_at),
  decided_at            timestamptz,
  decided_by_id         text,
  decided_by_display    text,
  decision_reason       text,
  link_id               text references access_links (id),
  collected_at          timestamptz,
  -- Nobody decides their own request (the service refuses it first; this keeps it true whatever writes the row).
  check (decided_by_id is null or decided_by_id <> requested_by_id),
  check ((state = 'pending') = (decided_at is null)),
  check ((state = 'approved') = (link_id is not null)),
  check (collected_at is null or state = 'approved'),
  check (state not in ('approved', 'rejected') or (decided_by_id is not null and decision_reason is not null))
);
-- At most one pending request per person and inquiry.
create unique index token_link_requests_one_pending_idx on token_link_requests (inquiry_id, requested_by_id) where state = 'pending';
-- The approvers' queue, oldest first; and the pending ones to expire, by expiry.
create index token_link_requests_pending_idx on token_link_requests (expires_at, id) where state = 'pending';
-- The access report's walk (newest first), one person's requests, and an issued link's request.
create index token_link_requests_created_idx on token_link_requests (created_at desc, id);
create index token_link_requests_requester_idx on token_link_requests (requested_by_id, created_at desc, id);
create unique index token_link_requests_link_idx on token_link_requests (link_id) where link_id is not null;
