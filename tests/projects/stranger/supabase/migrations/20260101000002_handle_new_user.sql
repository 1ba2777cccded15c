-- What: a profile for every new auth user, made by a trigger on auth.users.
-- Why: the guide's handle_new_user pattern; sign-ups get a profile without a client round trip.
-- Depends on: public.profiles (20260101000001).
-- Rollback: supabase/rollbacks/20260101000002_handle_new_user.sql drops the trigger and function.
create function public.handle_new_user()
returns trigger
language plpgsql
security definer set search_path = ''
as $$
begin
  insert into public.profiles (id, full_name, avatar_url)
  values (new.id, new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'avatar_url');
  return new;
end;
$$;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute procedure public.handle_new_user();
