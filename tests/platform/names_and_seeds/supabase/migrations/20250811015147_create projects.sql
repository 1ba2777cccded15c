-- What: a projects table. Why: a file name with a space, which the Supabase CLI applies.
-- Depends on: nothing. Rollback: drop table public.projects.
create table public.projects (
  id bigint generated always as identity primary key,
  name text not null
);

alter table public.projects enable row level security;
