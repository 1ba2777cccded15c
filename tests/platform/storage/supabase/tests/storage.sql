begin;
select plan(6);
select policies_are('storage', 'objects', array[
  'Avatar images are publicly accessible.', 'Users upload into their own folder.',
  'Users delete their own avatar.']);
select is((select public from storage.buckets where id = 'avatars'), true, 'the bucket is public');
select is(storage.foldername('a/b/c.png'), array['a', 'b'], 'foldername');
select is(storage.extension('a/b/c.png'), 'png', 'extension');

set local role authenticated;
set local request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select lives_ok($$insert into storage.objects (bucket_id, name) values
  ('avatars', '11111111-1111-4111-8111-111111111111/me.png')$$, 'a user uploads into their folder');
select throws_ok($$insert into storage.objects (bucket_id, name) values
  ('avatars', '22222222-2222-4222-8222-222222222222/x.png')$$, '42501', null,
  'not into somebody else''s');
select * from finish();
rollback;
