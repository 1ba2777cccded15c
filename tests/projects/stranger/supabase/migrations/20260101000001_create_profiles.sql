-- What: public.profiles, one row per auth user, with row-level security and the policies
--   Supabase's user-management guide writes (their names end with a period).
-- Why: the stranger's project of the harness's tests, made as a new user makes one.
-- Depends on: auth.users.
-- Rollback: supabase/rollbacks/20260101000001_create_profiles.sql drops the table.
create table public.profiles (
  id uuid not null references auth.users (id) on delete cascade primary key,
  updated_at timestamptz,
  username text unique check (char_length(username) >= 3),
  full_name text,
  avatar_url text
);

alter table public.profiles enable row level security;

create policy "Public profiles are viewable by everyone." on public.profiles
  for select using (true);

create policy "Users can insert their own profile." on public.profiles
  for insert to authenticated with check ((select auth.uid()) = id);

create policy "Users can update own profile." on public.profiles
  for update to authenticated using ((select auth.uid()) = id);
