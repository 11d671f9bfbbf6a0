-- Refused actions and 403s leave an audit event (issue 10; docs/security.md, "Refusals are recorded"), but a flood
-- of them must not grow the append-only log without bound. One row per refusal kind (who, what, on which inquiry,
-- why) and one per person counts refusals in a fixed window: only the first of a kind per window, and at most a
-- few per person per window, become events; the next event of the same kind says how many were left out.
-- Rows are housekeeping, pruned by the expiry sweep with the other guard state (repositories/access.ts).
-- Frozen once released: later changes go into a new numbered file.
create table audit_refusal_windows (
  key           text primary key check (length(key) between 1 and 400),
  window_start  timestamptz not null,
  -- Refusals of this key seen since window_start (the first `limit` of them were recorded).
  hits          integer not null check (hits >= 1),
  -- Refusals of the window before this one that were not recorded: reported by the event that opened this one.
  carried       integer not null default 0 check (carried >= 0)
);
create index audit_refusal_windows_start_idx on audit_refusal_windows (window_start);
