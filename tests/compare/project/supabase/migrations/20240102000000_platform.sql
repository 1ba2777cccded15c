-- What a project keeps in the platform: a bucket and its policy, a nightly job, realtime, an
-- extension, settings, grants and default privileges; and a later change to profiles.
alter table public.profiles drop column scratch;
alter table public.profiles add column bio text check (length(bio) < 500);
create sequence public.ticket_numbers start 100;
create view public.handles with (security_invoker = true) as
  select p.id, p.handle from public.profiles p where p.handle is not null;
revoke truncate on public.profiles from anon, authenticated;
alter default privileges in schema public revoke execute on functions from anon;

insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true);
create policy "Avatars are public." on storage.objects for select using (bucket_id = 'avatars');
grant select on storage.buckets to anon;

create extension if not exists pg_cron with schema pg_catalog;
select cron.schedule('nightly-visits', '0 3 * * *', $$update public.profiles set visits = null$$);

alter publication supabase_realtime add table public.profiles;
alter table public.profiles replica identity full;

create extension if not exists citext with schema extensions;
alter role authenticated set statement_timeout = '15s';

create function public.ensure_rls() returns event_trigger
  language plpgsql
  as $$
  begin
    raise notice 'a table was made';
  end;
  $$;
create event trigger ensure_rls on ddl_command_end when tag in ('CREATE TABLE')
  execute function public.ensure_rls();

select vault.create_secret('not-a-real-key', 'mail_api_key', 'the mail service''s key');
