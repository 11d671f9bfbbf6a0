-- The version catalogue (templates and their versions) is cached by each instance (issue 13, "A leaner request
-- path"; docs/performance.md, "The version catalogue cache"). Any statement that changes either table notifies
-- channel inquiry_desk_catalog; NOTIFY is delivered at commit, and not at all on rollback. Every instance LISTENs on
-- it and drops its copy; an instance that is not listening does not use its copy.
-- Frozen once released: later changes go into a new numbered file.

create function inquiry_desk_catalog_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('inquiry_desk_catalog', '');
  return null;
end;
$$;

create trigger templates_catalog_changed
  after insert or update or delete or truncate on templates
  for each statement execute function inquiry_desk_catalog_changed();

create trigger template_versions_catalog_changed
  after insert or update or delete or truncate on template_versions
  for each statement execute function inquiry_desk_catalog_changed();
