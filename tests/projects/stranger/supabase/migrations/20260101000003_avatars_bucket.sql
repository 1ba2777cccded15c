-- What: the public avatars bucket and the storage.objects policies the guide writes for it.
-- Why: profile pictures; anyone may read them, signed-in users may upload.
-- Depends on: the storage schema every Supabase project has.
-- Rollback: supabase/rollbacks/20260101000003_avatars_bucket.sql drops the policies and the bucket.
insert into storage.buckets (id, name, public)
  values ('avatars', 'avatars', true);

create policy "Avatar images are publicly accessible." on storage.objects
  for select using (bucket_id = 'avatars');

create policy "Anyone can upload an avatar." on storage.objects
  for insert to authenticated with check (bucket_id = 'avatars');
