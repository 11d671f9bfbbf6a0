-- A one-time link can be emailed to the address on file (links.createOneTime with delivery 'email'). The link
-- records that it was sent, to whom in masked form only (j•••@example.com: the full address stays in the
-- inquiry's prefill), when, and the message's Message-ID, which the mail server's logs can be searched for.
-- Written by the inquiry store in the transaction that issues the link; all three or none.
-- Frozen once released: later changes go into a new numbered file.
alter table access_links add column emailed_to_masked text;
alter table access_links add column emailed_at timestamptz;
alter table access_links add column email_message_id text;
alter table access_links add constraint access_links_emailed_check check (
  (emailed_to_masked is null and emailed_at is null and email_message_id is null)
  or (kind = 'one_time' and emailed_to_masked is not null and emailed_at is not null and email_message_id is not null)
);
