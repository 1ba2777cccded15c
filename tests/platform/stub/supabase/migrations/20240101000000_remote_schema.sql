-- The head of a schema dumped from the platform: extensions every project has there.
create extension if not exists "pg_graphql" with schema "graphql";
create extension if not exists "pg_stat_statements" with schema "extensions";
create extension if not exists "pgcrypto" with schema "extensions";
create extension if not exists "pgjwt" with schema "extensions";
create extension if not exists "supabase_vault" with schema "vault";
create extension if not exists "uuid-ossp" with schema "extensions";

create table public.notes (
  id uuid not null default extensions.uuid_generate_v4() primary key,
  body text
);
alter table public.notes enable row level security;
