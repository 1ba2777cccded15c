begin;
select plan(12);
select policies_are('storage', 'objects', array[
  'Avatar images are publicly accessible.', 'Users upload into their own folder.',
  'Users delete their own avatar.', 'Users upload their documents.', 'Users read their documents.',
  'Users move their documents.']);
select is((select public from storage.buckets where id = 'avatars'), true, 'the bucket is public');
select results_eq($$select file_size_limit, allowed_mime_types, type::text from storage.buckets
                    where id = 'documents'$$,
                  $$values (5242880::bigint, array['application/pdf'], 'STANDARD')$$,
                  'the documents bucket keeps its limits');
select is(storage.foldername('a/b/c.png'), array['a', 'b'], 'foldername');
select is(storage.extension('a/b/c.png'), 'png', 'extension');

set local role authenticated;
set local request.jwt.claims = '{"sub": "11111111-1111-4111-8111-111111111111", "role": "authenticated"}';
select lives_ok($$insert into storage.objects (bucket_id, name) values
  ('avatars', '11111111-1111-4111-8111-111111111111/me.png')$$, 'a user uploads into their folder');
select throws_ok($$insert into storage.objects (bucket_id, name) values
  ('avatars', '22222222-2222-4222-8222-222222222222/x.png')$$, '42501', null,
  'not into somebody else''s');
select lives_ok($$insert into storage.objects (bucket_id, name, owner_id) values
  ('documents', 'contracts/lease.pdf', '11111111-1111-4111-8111-111111111111')$$,
  'a user stores a document of their own');
select is((select count(*)::int from storage.objects where bucket_id = 'documents'), 1,
          'and reads it back');
set local request.jwt.claims = '{"sub": "22222222-2222-4222-8222-222222222222", "role": "authenticated"}';
select is((select count(*)::int from storage.objects where bucket_id = 'documents'), 0,
          'another user does not see it');
reset role;

select results_eq($$select name, id is null from storage.list_objects_with_delimiter('documents', '', '/')$$,
                  $$values ('contracts', true)$$, 'the Storage API lists the folder');
select throws_ok($$delete from storage.objects where bucket_id = 'documents'$$, '42501',
                 'Direct deletion from storage tables is not allowed. Use the Storage API instead.',
                 'objects are deleted through the Storage API only, as on the platform');
select * from finish();
rollback;
