-- two users; the trigger gives each a profile, which the seed then fills in; a todo each.
insert into auth.users (id, email, raw_user_meta_data)
values
  ('00000000-0000-4000-8000-000000000001', 'alice@example.com', '{"full_name": "Alice"}'),
  ('00000000-0000-4000-8000-000000000002', 'bob@example.com', '{"full_name": "Bob"}');

update public.profiles set username = 'alice', bio = 'hello' where id = '00000000-0000-4000-8000-000000000001';
update public.profiles set username = 'bobby', website = 'https://example.com'
  where id = '00000000-0000-4000-8000-000000000002';

insert into public.todos (user_id, task)
values
  ('00000000-0000-4000-8000-000000000001', 'buy milk'),
  ('00000000-0000-4000-8000-000000000002', 'read the docs');
