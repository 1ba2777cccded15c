-- Profiles made for every new user by a trigger on auth.users, a lookup table filled here, and
-- the types, a domain, a policy, an index and comments they use.
create type public.mood as enum ('happy', 'calm', 'sad');
create domain public.positive_int as integer check (value > 0);

create table public.currencies (
  code text primary key,
  name varchar(40) not null,
  digits int not null default 2
);
alter table public.currencies enable row level security;
create policy "Currencies are public." on public.currencies for select to anon, authenticated using (true);
insert into public.currencies (code, name, digits) values ('EUR', 'Euro', 2), ('JPY', 'Yen', 0);

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  handle character varying(30) unique,
  mood public.mood,
  visits public.positive_int,
  currency text references public.currencies (code),
  created_at timestamptz not null default now(),
  scratch int
);
alter table public.profiles enable row level security;
create policy "Users read their own profile." on public.profiles
  for select to authenticated using ((select auth.uid()) = id);
create index on public.profiles (currency);
comment on table public.profiles is 'One row per user, made by on_auth_user_created.';
comment on column public.profiles.handle is 'Shown to other users.';

create function public.handle_new_user() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    insert into public.profiles (id, handle) values (new.id, new.raw_user_meta_data ->> 'handle');
    return new;
  end;
  $$;
revoke execute on function public.handle_new_user() from anon, authenticated, public;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute function public.handle_new_user();
