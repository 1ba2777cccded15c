begin;
select plan(6);

select has_table('public', 'profiles', 'profiles exist');
select policies_are('public', 'profiles', array['Public profiles are viewable by everyone.',
  'Users can insert their own profile.', 'Users can update own profile.'], 'the guide''s policies');
select is((select full_name from public.profiles where username = 'ada'), 'Ada', 'the trigger made a profile');

set local role authenticated;
select set_config('request.jwt.claims', '{"sub":"11111111-1111-1111-1111-111111111111","role":"authenticated"}', true);
update public.profiles set full_name = 'Ada L.' where username = 'grace';
select is((select full_name from public.profiles where username = 'grace'), 'Grace', 'another user''s profile is not changed');
update public.profiles set full_name = 'Ada L.' where username = 'ada';
select is((select full_name from public.profiles where username = 'ada'), 'Ada L.', 'one''s own profile is');
reset role;

select is(public.profile_count(), 2::bigint, 'two profiles');

select * from finish();
rollback;
