-- A project's own audit of outgoing calls, in a schema a new Supabase project does not have
-- (database webhooks, which would make it, are off), created as projects dumped before then do.
create schema if not exists supabase_functions;
create table if not exists supabase_functions.hooks (
  id bigserial primary key,
  hook_table_id integer not null,
  hook_name text not null,
  created_at timestamptz not null default now(),
  request_id bigint
);
alter table supabase_functions.hooks enable row level security;
