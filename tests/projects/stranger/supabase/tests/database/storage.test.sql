begin;
select plan(2);

select is((select public from storage.buckets where id = 'avatars'), true, 'the avatars bucket is public');
select policies_are('storage', 'objects', array['Avatar images are publicly accessible.',
  'Anyone can upload an avatar.'], 'the bucket''s policies');

select * from finish();
rollback;
