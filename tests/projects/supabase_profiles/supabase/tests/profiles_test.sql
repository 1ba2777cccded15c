begin;
select plan(6);

select has_table('public', 'profiles', 'profiles exists');
select policies_are('public', 'profiles', array[
  'Public profiles are viewable by everyone.', 'Users can insert their own profile.',
  'Users can update own profile.'], 'the three policies of the docs');
select is((select count(*)::int from public.profiles), 2, 'the trigger made a profile per seeded user');
select is((select full_name from public.profiles where username = 'alice'), 'Alice',
  'the trigger copied the name from the sign-up');
select is((select count(*)::int from public.open_todos), 2, 'the seed''s todos are open');

select lives_ok($$insert into public.todos (user_id, task)
  select id, 'one more task' from public.profiles where username = 'alice'$$,
  'a new todo gets an id of its own (the identity continues after the seed''s rows)');

select * from finish();
rollback;
