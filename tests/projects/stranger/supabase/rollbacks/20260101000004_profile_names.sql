drop function public.profile_count();
drop view public.profile_names;
