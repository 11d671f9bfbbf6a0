-- inquiries.list answers its page, its capped count and, above the cap, the planner's estimate in one statement
-- (issue 13, "A leaner request path"; docs/performance.md). The estimate is EXPLAIN's row count, which a SELECT
-- cannot ask for by itself: this function EXPLAINs (never ANALYZE) one SELECT whose $n placeholders it fills, in
-- one pass, with the given parameters as quoted literals — untyped, as a client's text parameters are, so the
-- statement plans as it would have with bound parameters. SECURITY INVOKER: it plans nothing its caller could
-- not run. Frozen once released: later changes go into a new numbered file.

create function inquiry_list_estimate(query text, params text[]) returns bigint
  language plpgsql volatile as $$
declare
  pieces text[];
  numbers int[];
  statement text;
  plan json;
begin
  if query !~* '^\s*select\s' or position(';' in query) > 0 then
    raise exception 'inquiry_list_estimate expects one SELECT' using errcode = '22023';
  end if;
  pieces := regexp_split_to_array(query, '\$[0-9]+');
  numbers := array(select m[1]::int from regexp_matches(query, '\$([0-9]+)', 'g') as m);
  statement := pieces[1];
  for i in 1 .. coalesce(array_length(numbers, 1), 0) loop
    if numbers[i] < 1 or numbers[i] > coalesce(array_length(params, 1), 0) then
      raise exception 'inquiry_list_estimate: no parameter $%', numbers[i] using errcode = '22023';
    end if;
    statement := statement || quote_nullable(params[numbers[i]]) || pieces[i + 1];
  end loop;
  execute 'explain (format json) ' || statement into plan;
  return round((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric)::bigint;
end;
$$;
