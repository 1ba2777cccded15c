begin;
select plan(4);
select is((select full_name from public.profiles where id = '11111111-1111-4111-8111-111111111111'),
          'Ada Lovelace', 'the seeded user got a profile through the trigger');
select is((select email from auth.identities where user_id = '11111111-1111-4111-8111-111111111111'),
          'ada@example.com', 'the identity''s generated email column');
select is((select confirmed_at is not null from auth.users where email = 'ada@example.com'), true,
          'confirmed_at is generated');
select trigger_is('auth', 'users', 'on_auth_user_created', 'public', 'handle_new_user');
select * from finish();
rollback;
