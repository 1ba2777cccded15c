-- Rollback of 20240101000000_profiles: drops what it made (the profiles go with their table).
drop trigger on_auth_user_created on auth.users;
drop function public.handle_new_user();
drop table public.profiles;
drop domain public.username;
