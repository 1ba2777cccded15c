-- Profiles made by GoTrue's insert into auth.users, the way Supabase's guides write it.
create table public.profiles (
  id uuid not null references auth.users on delete cascade primary key,
  full_name text,
  avatar_url text
);
alter table public.profiles enable row level security;
create policy "Users read their own profile." on public.profiles
  for select to authenticated using ((select auth.uid()) = id);

create function public.handle_new_user() returns trigger
  language plpgsql security definer set search_path = ''
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

grant usage on schema public to supabase_auth_admin;
grant execute on function public.handle_new_user() to supabase_auth_admin;
grant all on table public.profiles to supabase_auth_admin;
revoke execute on function public.handle_new_user() from authenticated, anon, public;
