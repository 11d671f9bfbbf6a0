-- The index review of inquiries (issue 13, "A leaner request path"; docs/performance.md, "The index review").
-- Four partial indexes over open inquiries repeated the leading columns of a full (status, …) index and only
-- added columns for index-only scans. Every touch of an open inquiry updated both. The full indexes now carry
-- those columns themselves and the partial copies are gone: 29 indexes → 25, and the filter × sort matrix of
-- `npm run bench` still walks an index for every combination. Frozen once released: later changes go into a new
-- numbered file.

create index inquiries_status_created_incl_idx on inquiries (status, created_at, id) include (expires_at, live_session_until);
drop index inquiries_status_created_idx;
drop index inquiries_open_created_idx;
alter index inquiries_status_created_incl_idx rename to inquiries_status_created_idx;

create index inquiries_status_updated_incl_idx on inquiries (status, updated_at, id) include (expires_at, live_session_until);
drop index inquiries_status_updated_idx;
drop index inquiries_open_updated_idx;
alter index inquiries_status_updated_incl_idx rename to inquiries_status_updated_idx;

create index inquiries_status_expires_incl_idx on inquiries (status, expires_at, id) include (created_at, updated_at, version_id, live_session_until);
drop index inquiries_status_expires_idx;
drop index inquiries_open_expires_idx;
alter index inquiries_status_expires_incl_idx rename to inquiries_status_expires_idx;

create index inquiries_status_version_created_incl_idx on inquiries (status, version_id, created_at, id) include (expires_at, live_session_until);
drop index inquiries_status_version_created_idx;
drop index inquiries_open_version_created_idx;
alter index inquiries_status_version_created_incl_idx rename to inquiries_status_version_created_idx;
