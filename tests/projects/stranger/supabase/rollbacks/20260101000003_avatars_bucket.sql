drop policy "Anyone can upload an avatar." on storage.objects;
drop policy "Avatar images are publicly accessible." on storage.objects;
-- storage.protect_delete refuses direct deletes unless the transaction says it means it (as the
-- Storage API's does); the bucket holds no objects the rollback would orphan.
set local storage.allow_delete_query = 'true';
delete from storage.buckets where id = 'avatars';
