-- The platform's parts, in another order.
create extension if not exists citext with schema extensions;
select vault.create_secret('not-a-real-key', 'mail_api_key', 'the mail service''s key');
alter role authenticated set statement_timeout to '15s';

create extension if not exists pg_cron with schema pg_catalog;
select cron.schedule('nightly-visits', '0 3 * * *', $$update public.profiles set visits = null$$);

create policy "Avatars are public." on storage.objects as permissive for select to public
  using (bucket_id = 'avatars');
insert into storage.buckets (public, name, id) values (true, 'avatars', 'avatars');
grant select on table storage.buckets to anon;
