-- One person's live access, newest first (issue 10; docs/access-report.md, docs/performance.md "Audit explorer and
-- access report at 1,000,000 rows"). The access report filtered by issuer and state live (compliance: "live token
-- links, this agent") had no walk in issue order: PostgreSQL intersected every live session or link with every one
-- of the person's (BitmapAnd) and sorted the result, 57 ms at 1,000,000 issued artifacts; with these two walks
-- the page reads a few dozen rows (under 1 ms). Frozen once released: later changes go into a new numbered file.
--
-- On a large database these take a while and hold off writes to the two tables meanwhile (a migration runs in one
-- transaction, so not CONCURRENTLY); to build them beforehand on a live database, run each with
-- CREATE INDEX CONCURRENTLY IF NOT EXISTS.

-- One person's open sessions (neither expired nor revoked), newest first: the issuer's live resumes.
create index if not exists inquiry_sessions_open_issuer_idx on inquiry_sessions (issued_by_id, created_at desc, id)
  where issued_by_type <> 'end_user' and expired_at is null and revoked_at is null;

-- One person's links of one kind, newest first (access_links_issuer_idx has neither the kind nor the id's tie-break).
create index if not exists access_links_issuer_kind_idx on access_links (issued_by_id, kind, created_at desc, id);
