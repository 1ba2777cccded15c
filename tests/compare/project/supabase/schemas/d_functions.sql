-- The same bodies (PostgreSQL keeps a body as written), their headers written otherwise.
create or replace function public.handle_new_user()
  returns trigger
  security definer
  set search_path to ''
  language plpgsql
  as $$
  begin
    insert into public.profiles (id, handle) values (new.id, new.raw_user_meta_data ->> 'handle');
    return new;
  end;
  $$;
revoke all on function public.handle_new_user() from public, anon, authenticated;
create trigger on_auth_user_created after insert on auth.users
  for each row execute procedure public.handle_new_user();

create function public.ensure_rls() returns event_trigger
  language plpgsql
  as $$
  begin
    raise notice 'a table was made';
  end;
  $$;
create event trigger ensure_rls on ddl_command_end when tag in ('CREATE TABLE')
  execute procedure public.ensure_rls();

create sequence public.ticket_numbers as bigint increment by 1 start with 100;
create view public.handles with (security_invoker = true) as
  select p.id, p.handle from public.profiles as p where (p.handle is not null);
