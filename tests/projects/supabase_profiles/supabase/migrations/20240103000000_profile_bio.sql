-- a short bio on every profile, and how a profile reads in one line.
alter table public.profiles add column bio text;

-- NOT VALID: the check holds for every new write at once, and validating the existing rows is
-- left to a migration of its own (it scans the whole table).
alter table public.profiles
  add constraint profiles_bio_length check (char_length(bio) <= 500) not valid;

create function public.profile_summary(p public.profiles)
returns text
language sql
stable
set search_path = ''
as $$ select coalesce(p.username::text, '?') || ': ' || coalesce(p.bio, '') $$;
