-- The access report's *ticket: without* filter (issue 10; docs/access-report.md "Filters, paging and counts"). The
-- console and the API require a ticket on every token link, so a walk of token links without one found none and read
-- every token link to say so (at 1,000,000 rows: 120,000 links, 130 ms for a first page). This index holds only links
-- without a ticket (most one-time links, and a token link a writer once made without one), so that walk is empty at
-- once. No constraint says a token link has a ticket: the report must list one that does not, whoever wrote it.
--
-- Frozen once released: later changes go into a new numbered file.

create index access_links_no_ticket_idx on access_links (kind, created_at desc, id) where ticket is null;
