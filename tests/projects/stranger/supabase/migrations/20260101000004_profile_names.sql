-- What: public.profile_names, a view of the usernames, and public.profile_count(), a
--   security-definer function with a fixed search_path.
-- Why: the app's directory page and its counter.
-- Depends on: public.profiles (20260101000001).
-- Rollback: supabase/rollbacks/20260101000004_profile_names.sql drops both.
create view public.profile_names with (security_invoker = true) as
  select id, username from public.profiles where username is not null;

create function public.profile_count()
returns bigint
language sql
security definer set search_path = ''
as $$ select count(*) from public.profiles $$;

revoke execute on function public.profile_count() from public, anon;
