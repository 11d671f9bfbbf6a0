-- Status and version filters together (the Outdated version view: open or expired inquiries on any outdated
-- version) are a UNION ALL of one keyset walk per (status, version) pair; this index makes each walk index-only.
-- Without it each pair filtered one of the single-column indexes through the heap (seconds at 1M rows).
create index if not exists inquiries_status_version_created_idx on inquiries (status, version_id, created_at, id);
