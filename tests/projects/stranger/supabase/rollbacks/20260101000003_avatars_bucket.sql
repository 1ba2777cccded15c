drop policy "Anyone can upload an avatar." on storage.objects;
drop policy "Avatar images are publicly accessible." on storage.objects;
delete from storage.buckets where id = 'avatars';
