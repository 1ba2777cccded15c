-- MT5 connection health on trading_accounts: every new column's type, nullability, default
-- and comment; every check by behaviour; pre-existing rows keep their values.
begin;
select plan(56);

-- mt5_service_account_id: text, nullable, no default
select has_column('public', 'trading_accounts', 'mt5_service_account_id', 'mt5_service_account_id exists');
select col_type_is('public', 'trading_accounts', 'mt5_service_account_id', 'text', 'mt5_service_account_id is text');
select col_is_null('public', 'trading_accounts', 'mt5_service_account_id', 'mt5_service_account_id is nullable');
select col_hasnt_default('public', 'trading_accounts', 'mt5_service_account_id', 'mt5_service_account_id has no default');

-- connection_status: kept from the baseline, default unchanged
select col_type_is('public', 'trading_accounts', 'connection_status', 'text', 'connection_status is text');
select col_is_null('public', 'trading_accounts', 'connection_status', 'connection_status stays nullable');
select col_default_is('public', 'trading_accounts', 'connection_status', 'disconnected',
  'connection_status still defaults to disconnected');

-- last_connection_error: text, nullable, no default
select col_type_is('public', 'trading_accounts', 'last_connection_error', 'text', 'last_connection_error is text');
select col_is_null('public', 'trading_accounts', 'last_connection_error', 'last_connection_error is nullable');
select col_hasnt_default('public', 'trading_accounts', 'last_connection_error', 'last_connection_error has no default');

-- last_successful_sync_at: timestamptz, nullable, no default
select col_type_is('public', 'trading_accounts', 'last_successful_sync_at', 'timestamp with time zone',
  'last_successful_sync_at is timestamptz');
select col_is_null('public', 'trading_accounts', 'last_successful_sync_at', 'last_successful_sync_at is nullable');
select col_hasnt_default('public', 'trading_accounts', 'last_successful_sync_at',
  'last_successful_sync_at has no default');

-- sync_failure_count: integer not null default 0
select col_type_is('public', 'trading_accounts', 'sync_failure_count', 'integer', 'sync_failure_count is integer');
select col_not_null('public', 'trading_accounts', 'sync_failure_count', 'sync_failure_count is not null');
select col_default_is('public', 'trading_accounts', 'sync_failure_count', 0, 'sync_failure_count defaults to 0');

-- broker_server_time_offset: integer not null default 0
select col_type_is('public', 'trading_accounts', 'broker_server_time_offset', 'integer',
  'broker_server_time_offset is integer');
select col_not_null('public', 'trading_accounts', 'broker_server_time_offset', 'broker_server_time_offset is not null');
select col_default_is('public', 'trading_accounts', 'broker_server_time_offset', 0,
  'broker_server_time_offset defaults to 0');

-- comments name their consumers (story 4.1 connect, story 4.2 sync) and units
select matches(tests.column_comment('public.trading_accounts', 'mt5_service_account_id'),
  'connect-mt5-account.*story 4\.1.*sync-mt5-trades.*story 4\.2',
  'mt5_service_account_id comment names the connect (4.1) and sync (4.2) functions');
select matches(tests.column_comment('public.trading_accounts', 'connection_status'),
  'active.*sync-mt5-trades|sync-mt5-trades.*active', 'connection_status comment says the sync writes active');
select matches(tests.column_comment('public.trading_accounts', 'last_connection_error'),
  'connect-mt5-account.*story 4\.1', 'last_connection_error comment names the connect function');
select matches(tests.column_comment('public.trading_accounts', 'last_successful_sync_at'),
  'sync-mt5-trades.*story 4\.2.*UTC|UTC.*sync-mt5-trades', 'last_successful_sync_at comment names the sync and UTC');
select matches(tests.column_comment('public.trading_accounts', 'sync_failure_count'),
  'sync-mt5-trades.*story 4\.2', 'sync_failure_count comment names the sync function');
select matches(tests.column_comment('public.trading_accounts', 'sync_failure_count'),
  'count, never negative', 'sync_failure_count comment gives its unit');
select matches(tests.column_comment('public.trading_accounts', 'broker_server_time_offset'),
  'in seconds', 'broker_server_time_offset comment gives its unit (seconds)');
select matches(tests.column_comment('public.trading_accounts', 'broker_server_time_offset'),
  'story 4\.1.*story 4\.2', 'broker_server_time_offset comment names writer (4.1) and reader (4.2)');

-- the checks exist, are validated, and have exactly these definitions
select results_eq(
  $$select conname::text collate "default", pg_get_constraintdef(oid), convalidated from pg_constraint
    where conrelid = 'public.trading_accounts'::regclass and contype = 'c'
      and conname <> 'trading_accounts_platform_check' order by conname$$,
  $$values
    ('trading_accounts_broker_server_time_offset_check',
     'CHECK (((broker_server_time_offset >= ''-50400''::integer) AND (broker_server_time_offset <= 50400)))', true),
    ('trading_accounts_connection_status_check',
     'CHECK ((connection_status = ANY (ARRAY[''connected''::text, ''disconnected''::text, ''error''::text, ''active''::text])))', true),
    ('trading_accounts_sync_failure_count_check', 'CHECK ((sync_failure_count >= 0))', true)$$,
  'trading_accounts checks are exactly these, and validated');

-- checks by behaviour, on a fresh account
select tests.create_user('checks@test.local', 'c1000000-0000-4000-8000-000000000001');
insert into public.trading_accounts (id, user_id, platform, broker_name, server, login_number)
values ('d1000000-0000-4000-8000-000000000001', 'c1000000-0000-4000-8000-000000000001', 'MT5', 'B', 'S', '1');

select lives_ok($$update public.trading_accounts set connection_status = 'active'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'connection_status accepts active');
select lives_ok($$update public.trading_accounts set connection_status = 'connected'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'connection_status accepts connected');
select lives_ok($$update public.trading_accounts set connection_status = 'disconnected'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'connection_status accepts disconnected');
select lives_ok($$update public.trading_accounts set connection_status = 'error'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'connection_status accepts error');
select throws_ok($$update public.trading_accounts set connection_status = 'syncing'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23514', null, 'connection_status refuses syncing');
select throws_ok($$update public.trading_accounts set connection_status = 'ACTIVE'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23514', null, 'connection_status is case-sensitive');
select lives_ok($$update public.trading_accounts set sync_failure_count = 0
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'sync_failure_count accepts 0');
select lives_ok($$update public.trading_accounts set sync_failure_count = 7
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'sync_failure_count accepts 7');
select throws_ok($$update public.trading_accounts set sync_failure_count = -1
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23514', null, 'sync_failure_count refuses -1');
select throws_ok($$update public.trading_accounts set sync_failure_count = null
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23502', null, 'sync_failure_count refuses null');
select lives_ok($$update public.trading_accounts set broker_server_time_offset = 50400
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'broker_server_time_offset accepts UTC+14h (50400)');
select lives_ok($$update public.trading_accounts set broker_server_time_offset = -50400
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'broker_server_time_offset accepts UTC-14h (-50400)');
select lives_ok($$update public.trading_accounts set broker_server_time_offset = 7200
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'broker_server_time_offset accepts UTC+2h (7200)');
select throws_ok($$update public.trading_accounts set broker_server_time_offset = 50401
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23514', null, 'broker_server_time_offset refuses 50401');
select throws_ok($$update public.trading_accounts set broker_server_time_offset = -50401
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23514', null, 'broker_server_time_offset refuses -50401');
select throws_ok($$update public.trading_accounts set broker_server_time_offset = null
  where id = 'd1000000-0000-4000-8000-000000000001'$$, '23502', null, 'broker_server_time_offset refuses null');

-- a new account reads the defaults
insert into public.trading_accounts (user_id, platform, broker_name, server, login_number)
values ('c1000000-0000-4000-8000-000000000001', 'MT5', 'B', 'S-new', '2');
select results_eq(
  $$select mt5_service_account_id, connection_status, last_connection_error, last_successful_sync_at,
           sync_failure_count, broker_server_time_offset
      from public.trading_accounts where login_number = '2' and server = 'S-new'$$,
  $$values (null::text, 'disconnected'::text, null::text, null::timestamptz, 0, 0)$$,
  'a new account starts disconnected, with no errors, no syncs and zero offset');

-- pre-existing rows (supabase/seed.sql, applied right after the baseline) keep their values
select results_eq(
  $$select id::text, platform, broker_name, server, login_number, coalesce(account_name, '-'), currency,
           leverage, balance, equity, is_active, connection_status
      from public.trading_accounts where id::text like 'aaaaaaaa-%' order by id$$,
  $$values
    ('aaaaaaaa-0000-4000-8000-000000000001', 'MT5', 'IC Markets', 'ICMarketsSC-Demo', '5001001', 'Alice demo',
     'USD', 500, 10000.00::numeric, 10125.50::numeric, true, 'connected'),
    ('aaaaaaaa-0000-4000-8000-000000000002', 'MT4', 'Pepperstone', 'Pepperstone-Live01', '7002002', 'Alice live',
     'EUR', 100, 2500.00, 2480.00, true, 'disconnected'),
    ('aaaaaaaa-0000-4000-8000-000000000003', 'MT5', 'FTMO', 'FTMO-Server3', '9003003', '-',
     'USD', 100, 100000.00, 99500.00, false, 'error')$$,
  'seeded accounts keep every pre-existing value, connection_status included');
select results_eq(
  $$select count(*)::int from public.trading_accounts
     where id::text like 'aaaaaaaa-%' and mt5_service_account_id is null and last_connection_error is null
       and last_successful_sync_at is null and sync_failure_count = 0 and broker_server_time_offset = 0$$,
  array[3], 'seeded accounts read the new columns'' defaults');
select results_eq($$select count(*)::int from public.trades where id::text like 'bbbbbbbb-%'$$, array[3],
  'seeded trades are all still there');
select is((select last_sync_at from public.trading_accounts where id = 'aaaaaaaa-0000-4000-8000-000000000001'),
  '2025-11-10 08:00:00+00'::timestamptz, 'last_sync_at of a seeded account is unchanged');

-- the unique partial index makes mt5_service_account_id unique where set, repeatable when null
select lives_ok($$update public.trading_accounts set mt5_service_account_id = 'svc-1'
  where id = 'd1000000-0000-4000-8000-000000000001'$$, 'an account takes an MT5 service id');
select throws_ok($$update public.trading_accounts set mt5_service_account_id = 'svc-1'
  where server = 'S-new'$$, '23505', null, 'two accounts cannot share an MT5 service id');
select results_eq($$select count(*)::int from public.trading_accounts where mt5_service_account_id is null$$,
  $$select count(*)::int from public.trading_accounts where id <> 'd1000000-0000-4000-8000-000000000001'$$,
  'any number of accounts may have no MT5 service id');

-- lock discipline of the migration files themselves, as recorded in the history table
select ok(exists(select 1 from supabase_migrations.schema_migrations
  where name = 'mt5_trading_accounts_extensions'
    and exists (select 1 from unnest(statements) s where s ~* 'lock_timeout')),
  'the trading_accounts migration sets lock_timeout');
select ok(not exists(
    select 1 from supabase_migrations.schema_migrations, unnest(statements) s,
         lateral regexp_split_to_table(s, 'add\s+constraint', 'i') with ordinality as piece(text, n)
    where name = 'mt5_trading_accounts_extensions' and piece.n > 1 and piece.text !~* 'not\s+valid'),
  'every check the trading_accounts migration adds is added NOT VALID, each one');
select ok(exists(select 1 from supabase_migrations.schema_migrations, unnest(statements) s
  where name = 'mt5_trading_accounts_validate_checks' and s ~* 'validate\s+constraint'),
  'a later migration validates them');
select ok((select relfilenode = oid from pg_class where oid = 'public.trading_accounts'::regclass),
  'trading_accounts was never rewritten (relfilenode unchanged since creation)');

select * from finish();
rollback;
