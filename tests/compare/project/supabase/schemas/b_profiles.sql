-- Constraints added after the table (the server names them as it names inline ones), the column
-- the migrations dropped never made, types in other spellings.
create table public.profiles (
  id uuid not null,
  handle varchar(30),
  mood public.mood,
  visits public.positive_int,
  currency text,
  created_at timestamp with time zone default now() not null,
  bio text
);
alter table public.profiles add primary key (id);
alter table public.profiles add foreign key (id) references auth.users on delete cascade;
alter table public.profiles add unique (handle);
alter table public.profiles add check (length(bio) < 500);
create index profiles_currency_idx on public.profiles using btree (currency);
alter table public.profiles replica identity full;
alter table public.profiles enable row level security;
create policy "Users read their own profile." on public.profiles
  as permissive for select to authenticated using ( ( select auth.uid() ) = id );
revoke truncate on table public.profiles from anon, authenticated;
comment on column public.profiles.handle is 'Shown to other users.';
comment on table public.profiles is 'One row per user, made by on_auth_user_created.';
alter publication supabase_realtime add table public.profiles;
