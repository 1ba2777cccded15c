-- What: a notes table owned by each signed-in user, with row-level security.
-- Why: the fixture of a project laid out by `supabase init`, for the harness's install test.
-- Depends on: auth.users and auth.uid(), which every Supabase project has.
-- Rollback: drop table public.notes.
create table public.notes (
  id bigint generated always as identity primary key,
  owner_id uuid not null references auth.users (id) on delete cascade,
  body text not null default '',
  created_at timestamptz not null default now()
);

alter table public.notes enable row level security;

create policy "owners read their notes" on public.notes
  for select to authenticated using ((select auth.uid()) = owner_id);
