-- The baseline journal schema: tables, keys, foreign keys with their ON DELETE actions, RLS.
begin;
select plan(3);
select has_table('public', 'profiles', 'profiles exists');
select has_table('public', 'trading_accounts', 'trading_accounts exists');
select tests.authenticate_as('11111111-1111-4111-8111-111111111111');
select results_eq('select count(*)::int from public.trading_accounts', array[2], 'alice sees her 2 accounts');
select * from finish();
rollback;
