-- Rollback of 20240103000000_profile_bio: drops the function, the check and the column it added.
drop function public.profile_summary(public.profiles);
alter table public.profiles drop constraint profiles_bio_length;
alter table public.profiles drop column bio;
