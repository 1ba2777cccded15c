-- The baseline journal schema: tables, primary keys, foreign keys with their ON DELETE
-- actions, row-level security, and owner-only access proven by acting as each role.
begin;
select plan(36);

-- tables and keys
select has_table('public', 'profiles', 'profiles exists');
select has_table('public', 'trading_accounts', 'trading_accounts exists');
select has_table('public', 'trades', 'trades exists');
select col_is_pk('public', 'profiles', 'user_id', 'profiles key is user_id');
select col_is_pk('public', 'trading_accounts', 'id', 'trading_accounts key is id');
select col_is_pk('public', 'trades', 'id', 'trades key is id');
select col_is_unique('public', 'trading_accounts', array['user_id', 'platform', 'server', 'login_number'],
  'one row per user, platform, server and login');
select fk_ok('public', 'profiles', 'user_id', 'auth', 'users', 'id', 'profiles.user_id references auth.users');
select fk_ok('public', 'trading_accounts', 'user_id', 'public', 'profiles', 'user_id',
  'trading_accounts.user_id references profiles');
select fk_ok('public', 'trades', 'account_id', 'public', 'trading_accounts', 'id',
  'trades.account_id references trading_accounts');
select has_index('public', 'trades', 'idx_trades_account_id', array['account_id'], 'trades are indexed by account');
select col_default_is('public', 'trading_accounts', 'connection_status', 'disconnected',
  'connection_status defaults to disconnected');
select col_default_is('public', 'trading_accounts', 'currency', 'USD', 'currency defaults to USD');

-- ON DELETE actions: every foreign key cascades
select set_eq(
  $$select conrelid::regclass::text || '.' || confdeltype::text from pg_constraint
    where contype = 'f' and connamespace = 'public'::regnamespace
      and conrelid::regclass::text in ('profiles', 'trading_accounts', 'trades')$$,
  array['profiles.c', 'trading_accounts.c', 'trades.c'],
  'every baseline foreign key is ON DELETE CASCADE');

-- RLS is enabled on all three
select is(relrowsecurity, true, relname || ' has row-level security enabled')
  from pg_class where oid in ('public.profiles'::regclass, 'public.trading_accounts'::regclass,
                              'public.trades'::regclass) order by relname;
select policies_are('public', 'trading_accounts', array['trading_accounts_select_own',
  'trading_accounts_insert_own', 'trading_accounts_update_own', 'trading_accounts_delete_own'],
  'trading_accounts has exactly the owner policies');
select policy_roles_are('public', 'trading_accounts', 'trading_accounts_select_own',
  array['authenticated'], 'the owner policy applies to authenticated only');

-- fixtures made here, so the file does not depend on the seed
select tests.create_user('owner@test.local', 'c0000000-0000-4000-8000-000000000001');
select tests.create_user('other@test.local', 'c0000000-0000-4000-8000-000000000002');
insert into public.trading_accounts (id, user_id, platform, broker_name, server, login_number)
values ('d0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000001', 'MT5',
        'Broker', 'Srv-1', '1001');
insert into public.trades (id, account_id, symbol, direction, volume, entry_price, opened_at)
values ('e0000000-0000-4000-8000-000000000001', 'd0000000-0000-4000-8000-000000000001', 'EURUSD',
        'BUY', 1, 1.1, now());

-- the owner sees and changes their rows
select tests.authenticate_as('c0000000-0000-4000-8000-000000000001');
select results_eq($$select count(*)::int from public.trading_accounts where login_number = '1001'$$,
  array[1], 'the owner sees their account');
select results_eq($$select count(*)::int from public.trades
  where id = 'e0000000-0000-4000-8000-000000000001'$$, array[1], 'the owner sees their trade');
select lives_ok($$update public.trading_accounts set account_name = 'mine'
  where id = 'd0000000-0000-4000-8000-000000000001'$$, 'the owner may update their account');
select lives_ok($$insert into public.trading_accounts (user_id, platform, broker_name, server, login_number)
  values ('c0000000-0000-4000-8000-000000000001', 'MT4', 'B', 'S', '2')$$,
  'the owner may add an account of their own');

-- another user sees nothing and cannot write for the owner
select tests.authenticate_as('c0000000-0000-4000-8000-000000000002');
select is_empty($$select 1 from public.trading_accounts where user_id = 'c0000000-0000-4000-8000-000000000001'$$,
  'another user sees none of the owner''s accounts');
select is_empty($$select 1 from public.trades where id = 'e0000000-0000-4000-8000-000000000001'$$,
  'another user sees none of the owner''s trades');
select is_empty($$select 1 from public.profiles where user_id = 'c0000000-0000-4000-8000-000000000001'$$,
  'another user sees none of the owner''s profile');
select throws_ok($$insert into public.trading_accounts (user_id, platform, broker_name, server, login_number)
  values ('c0000000-0000-4000-8000-000000000001', 'MT5', 'B', 'S', '3')$$, '42501', null,
  'another user cannot create an account for the owner');
select is_empty($$update public.trading_accounts set account_name = 'stolen'
  where id = 'd0000000-0000-4000-8000-000000000001' returning 1$$,
  'another user''s update reaches no row of the owner');
select is_empty($$delete from public.trades where id = 'e0000000-0000-4000-8000-000000000001' returning 1$$,
  'another user''s delete reaches no trade of the owner');

-- anon gets nothing
select tests.authenticate_as_anon();
select throws_ok('select 1 from public.trading_accounts', '42501', null, 'anon cannot read trading_accounts');
select throws_ok('select 1 from public.trades', '42501', null, 'anon cannot read trades');
select throws_ok('select 1 from public.profiles', '42501', null, 'anon cannot read profiles');
select tests.clear_authentication();

-- ON DELETE CASCADE by behaviour: deleting the user removes profile, accounts and trades
delete from auth.users where id = 'c0000000-0000-4000-8000-000000000001';
select is_empty($$select 1 from public.profiles where user_id = 'c0000000-0000-4000-8000-000000000001'$$,
  'deleting a user deletes their profile');
select is_empty($$select 1 from public.trading_accounts where user_id = 'c0000000-0000-4000-8000-000000000001'$$,
  'deleting a profile deletes its accounts');
select is_empty($$select 1 from public.trades where id = 'e0000000-0000-4000-8000-000000000001'$$,
  'deleting an account deletes its trades');
select throws_ok($$insert into public.trading_accounts (user_id, platform, broker_name, server, login_number)
  values ('c0000000-0000-4000-8000-000000000002', 'MT3', 'B', 'S', '9')$$, '23514', null,
  'platform accepts only MT4 and MT5');

select * from finish();
rollback;
