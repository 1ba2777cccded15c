-- profiles of the users of auth.users, made by a trigger when a user signs up.
create domain public.username as text check (char_length(value) >= 3);

create table public.profiles (
  id uuid not null references auth.users (id) on delete cascade primary key,
  updated_at timestamptz,
  username public.username unique,
  full_name text,
  avatar_url text,
  website text
);

alter table public.profiles enable row level security;

create policy "Public profiles are viewable by everyone." on public.profiles
  for select to anon, authenticated using (true);

create policy "Users can insert their own profile." on public.profiles
  for insert to authenticated with check ((select auth.uid()) = id);

create policy "Users can update own profile." on public.profiles
  for update to authenticated using ((select auth.uid()) = id);

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
