-- A live session nobody has used yet is handed out again by a later resume instead of a new one (Persona's reuse).
-- Each such hand-out is recorded here, so the session is attributed to everyone it was handed to: each of them may
-- expire it (access:revoke 'own') and the inquiry's sessions show who else holds its token. The session row keeps
-- whom it was first issued to. Written only by the inquiry store, in the resume's own statement.
-- Frozen once released: later changes go into a new numbered file.
create table session_handouts (
  id                 bigint generated always as identity primary key,
  session_id         text not null references inquiry_sessions (id),
  handed_at          timestamptz not null,
  handed_to_type     text not null check (handed_to_type in ('staff', 'partner', 'system', 'end_user')),
  handed_to_id       text,
  handed_to_display  text,
  reason             text,
  ticket             text
);
create index session_handouts_session_idx on session_handouts (session_id, handed_to_id);
