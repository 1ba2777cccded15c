-- Pins what 20251101000000_baseline adds or changes (written by invoke scaffold-tests 20251101000000).
-- One assertion per fact; the TODO comments are behaviour tests for a person to write.
-- Edited after generation: the table privileges it wrote were those right after the baseline;
-- 20251112120400 changed them, and pgtap/mt5/privileges.test.sql pins the privileges as they are.
begin;
select plan(136);

select has_table('public', 'profiles', 'table public.profiles');
select is((select relrowsecurity from pg_class where oid = 'public.profiles'::regclass), true, 'rls public.profiles');
select has_column('public', 'profiles', 'user_id', 'column public.profiles.user_id');
select col_type_is('public', 'profiles', 'user_id', 'uuid', 'type public.profiles.user_id');
select col_not_null('public', 'profiles', 'user_id', 'nullability public.profiles.user_id');
select has_column('public', 'profiles', 'display_name', 'column public.profiles.display_name');
select col_type_is('public', 'profiles', 'display_name', 'text', 'type public.profiles.display_name');
select col_is_null('public', 'profiles', 'display_name', 'nullability public.profiles.display_name');
select has_column('public', 'profiles', 'created_at', 'column public.profiles.created_at');
select col_type_is('public', 'profiles', 'created_at', 'timestamp with time zone', 'type public.profiles.created_at');
select col_not_null('public', 'profiles', 'created_at', 'nullability public.profiles.created_at');
select col_default_is('public', 'profiles', 'created_at', 'now()', 'default public.profiles.created_at');
select col_is_pk('public', 'profiles', array['user_id']::name[], 'primary_key public.profiles.profiles_pkey');
select col_is_fk('public', 'profiles', array['user_id']::name[], 'foreign_key public.profiles.profiles_user_id_fkey');
select policies_are('public', 'profiles', array['profiles_delete_own', 'profiles_insert_own', 'profiles_select_own', 'profiles_update_own'], 'policy public.profiles.profiles_delete_own');
select has_table('public', 'trades', 'table public.trades');
select is((select relrowsecurity from pg_class where oid = 'public.trades'::regclass), true, 'rls public.trades');
select has_column('public', 'trades', 'id', 'column public.trades.id');
select col_type_is('public', 'trades', 'id', 'uuid', 'type public.trades.id');
select col_not_null('public', 'trades', 'id', 'nullability public.trades.id');
select col_default_is('public', 'trades', 'id', 'gen_random_uuid()', 'default public.trades.id');
select has_column('public', 'trades', 'account_id', 'column public.trades.account_id');
select col_type_is('public', 'trades', 'account_id', 'uuid', 'type public.trades.account_id');
select col_not_null('public', 'trades', 'account_id', 'nullability public.trades.account_id');
select has_column('public', 'trades', 'symbol', 'column public.trades.symbol');
select col_type_is('public', 'trades', 'symbol', 'text', 'type public.trades.symbol');
select col_not_null('public', 'trades', 'symbol', 'nullability public.trades.symbol');
select has_column('public', 'trades', 'direction', 'column public.trades.direction');
select col_type_is('public', 'trades', 'direction', 'text', 'type public.trades.direction');
select col_not_null('public', 'trades', 'direction', 'nullability public.trades.direction');
select has_column('public', 'trades', 'volume', 'column public.trades.volume');
select col_type_is('public', 'trades', 'volume', 'numeric(10,4)', 'type public.trades.volume');
select col_not_null('public', 'trades', 'volume', 'nullability public.trades.volume');
select has_column('public', 'trades', 'entry_price', 'column public.trades.entry_price');
select col_type_is('public', 'trades', 'entry_price', 'numeric(15,5)', 'type public.trades.entry_price');
select col_not_null('public', 'trades', 'entry_price', 'nullability public.trades.entry_price');
select has_column('public', 'trades', 'exit_price', 'column public.trades.exit_price');
select col_type_is('public', 'trades', 'exit_price', 'numeric(15,5)', 'type public.trades.exit_price');
select col_is_null('public', 'trades', 'exit_price', 'nullability public.trades.exit_price');
select has_column('public', 'trades', 'opened_at', 'column public.trades.opened_at');
select col_type_is('public', 'trades', 'opened_at', 'timestamp with time zone', 'type public.trades.opened_at');
select col_not_null('public', 'trades', 'opened_at', 'nullability public.trades.opened_at');
select has_column('public', 'trades', 'closed_at', 'column public.trades.closed_at');
select col_type_is('public', 'trades', 'closed_at', 'timestamp with time zone', 'type public.trades.closed_at');
select col_is_null('public', 'trades', 'closed_at', 'nullability public.trades.closed_at');
select has_column('public', 'trades', 'pnl', 'column public.trades.pnl');
select col_type_is('public', 'trades', 'pnl', 'numeric(15,2)', 'type public.trades.pnl');
select col_is_null('public', 'trades', 'pnl', 'nullability public.trades.pnl');
select has_column('public', 'trades', 'commission', 'column public.trades.commission');
select col_type_is('public', 'trades', 'commission', 'numeric(15,2)', 'type public.trades.commission');
select col_is_null('public', 'trades', 'commission', 'nullability public.trades.commission');
select col_default_is('public', 'trades', 'commission', '0', 'default public.trades.commission');
select has_column('public', 'trades', 'swap', 'column public.trades.swap');
select col_type_is('public', 'trades', 'swap', 'numeric(15,2)', 'type public.trades.swap');
select col_is_null('public', 'trades', 'swap', 'nullability public.trades.swap');
select col_default_is('public', 'trades', 'swap', '0', 'default public.trades.swap');
select has_column('public', 'trades', 'created_at', 'column public.trades.created_at');
select col_type_is('public', 'trades', 'created_at', 'timestamp with time zone', 'type public.trades.created_at');
select col_not_null('public', 'trades', 'created_at', 'nullability public.trades.created_at');
select col_default_is('public', 'trades', 'created_at', 'now()', 'default public.trades.created_at');
select col_is_fk('public', 'trades', array['account_id']::name[], 'foreign_key public.trades.trades_account_id_fkey');
select col_has_check('public', 'trades', array['direction']::name[], 'check public.trades.trades_direction_check');
select col_is_pk('public', 'trades', array['id']::name[], 'primary_key public.trades.trades_pkey');
select has_index('public', 'trades', 'idx_trades_account_id', 'index public.idx_trades_account_id');
select policies_are('public', 'trades', array['trades_delete_own', 'trades_insert_own', 'trades_select_own', 'trades_update_own'], 'policy public.trades.trades_delete_own');
select has_table('public', 'trading_accounts', 'table public.trading_accounts');
select is((select relrowsecurity from pg_class where oid = 'public.trading_accounts'::regclass), true, 'rls public.trading_accounts');
select has_column('public', 'trading_accounts', 'id', 'column public.trading_accounts.id');
select col_type_is('public', 'trading_accounts', 'id', 'uuid', 'type public.trading_accounts.id');
select col_not_null('public', 'trading_accounts', 'id', 'nullability public.trading_accounts.id');
select col_default_is('public', 'trading_accounts', 'id', 'gen_random_uuid()', 'default public.trading_accounts.id');
select has_column('public', 'trading_accounts', 'user_id', 'column public.trading_accounts.user_id');
select col_type_is('public', 'trading_accounts', 'user_id', 'uuid', 'type public.trading_accounts.user_id');
select col_not_null('public', 'trading_accounts', 'user_id', 'nullability public.trading_accounts.user_id');
select has_column('public', 'trading_accounts', 'platform', 'column public.trading_accounts.platform');
select col_type_is('public', 'trading_accounts', 'platform', 'text', 'type public.trading_accounts.platform');
select col_not_null('public', 'trading_accounts', 'platform', 'nullability public.trading_accounts.platform');
select has_column('public', 'trading_accounts', 'broker_name', 'column public.trading_accounts.broker_name');
select col_type_is('public', 'trading_accounts', 'broker_name', 'text', 'type public.trading_accounts.broker_name');
select col_not_null('public', 'trading_accounts', 'broker_name', 'nullability public.trading_accounts.broker_name');
select has_column('public', 'trading_accounts', 'server', 'column public.trading_accounts.server');
select col_type_is('public', 'trading_accounts', 'server', 'text', 'type public.trading_accounts.server');
select col_not_null('public', 'trading_accounts', 'server', 'nullability public.trading_accounts.server');
select has_column('public', 'trading_accounts', 'login_number', 'column public.trading_accounts.login_number');
select col_type_is('public', 'trading_accounts', 'login_number', 'text', 'type public.trading_accounts.login_number');
select col_not_null('public', 'trading_accounts', 'login_number', 'nullability public.trading_accounts.login_number');
select has_column('public', 'trading_accounts', 'account_name', 'column public.trading_accounts.account_name');
select col_type_is('public', 'trading_accounts', 'account_name', 'text', 'type public.trading_accounts.account_name');
select col_is_null('public', 'trading_accounts', 'account_name', 'nullability public.trading_accounts.account_name');
select has_column('public', 'trading_accounts', 'currency', 'column public.trading_accounts.currency');
select col_type_is('public', 'trading_accounts', 'currency', 'text', 'type public.trading_accounts.currency');
select col_is_null('public', 'trading_accounts', 'currency', 'nullability public.trading_accounts.currency');
select col_default_is('public', 'trading_accounts', 'currency', 'USD', 'default public.trading_accounts.currency');
select has_column('public', 'trading_accounts', 'leverage', 'column public.trading_accounts.leverage');
select col_type_is('public', 'trading_accounts', 'leverage', 'integer', 'type public.trading_accounts.leverage');
select col_is_null('public', 'trading_accounts', 'leverage', 'nullability public.trading_accounts.leverage');
select has_column('public', 'trading_accounts', 'balance', 'column public.trading_accounts.balance');
select col_type_is('public', 'trading_accounts', 'balance', 'numeric(15,2)', 'type public.trading_accounts.balance');
select col_is_null('public', 'trading_accounts', 'balance', 'nullability public.trading_accounts.balance');
select has_column('public', 'trading_accounts', 'equity', 'column public.trading_accounts.equity');
select col_type_is('public', 'trading_accounts', 'equity', 'numeric(15,2)', 'type public.trading_accounts.equity');
select col_is_null('public', 'trading_accounts', 'equity', 'nullability public.trading_accounts.equity');
select has_column('public', 'trading_accounts', 'margin', 'column public.trading_accounts.margin');
select col_type_is('public', 'trading_accounts', 'margin', 'numeric(15,2)', 'type public.trading_accounts.margin');
select col_is_null('public', 'trading_accounts', 'margin', 'nullability public.trading_accounts.margin');
select has_column('public', 'trading_accounts', 'free_margin', 'column public.trading_accounts.free_margin');
select col_type_is('public', 'trading_accounts', 'free_margin', 'numeric(15,2)', 'type public.trading_accounts.free_margin');
select col_is_null('public', 'trading_accounts', 'free_margin', 'nullability public.trading_accounts.free_margin');
select has_column('public', 'trading_accounts', 'margin_level', 'column public.trading_accounts.margin_level');
select col_type_is('public', 'trading_accounts', 'margin_level', 'numeric(10,2)', 'type public.trading_accounts.margin_level');
select col_is_null('public', 'trading_accounts', 'margin_level', 'nullability public.trading_accounts.margin_level');
select has_column('public', 'trading_accounts', 'is_active', 'column public.trading_accounts.is_active');
select col_type_is('public', 'trading_accounts', 'is_active', 'boolean', 'type public.trading_accounts.is_active');
select col_is_null('public', 'trading_accounts', 'is_active', 'nullability public.trading_accounts.is_active');
select col_default_is('public', 'trading_accounts', 'is_active', 'true', 'default public.trading_accounts.is_active');
select has_column('public', 'trading_accounts', 'last_sync_at', 'column public.trading_accounts.last_sync_at');
select col_type_is('public', 'trading_accounts', 'last_sync_at', 'timestamp with time zone', 'type public.trading_accounts.last_sync_at');
select col_is_null('public', 'trading_accounts', 'last_sync_at', 'nullability public.trading_accounts.last_sync_at');
select has_column('public', 'trading_accounts', 'connection_status', 'column public.trading_accounts.connection_status');
select col_type_is('public', 'trading_accounts', 'connection_status', 'text', 'type public.trading_accounts.connection_status');
select col_is_null('public', 'trading_accounts', 'connection_status', 'nullability public.trading_accounts.connection_status');
select col_default_is('public', 'trading_accounts', 'connection_status', 'disconnected', 'default public.trading_accounts.connection_status');
select has_column('public', 'trading_accounts', 'created_at', 'column public.trading_accounts.created_at');
select col_type_is('public', 'trading_accounts', 'created_at', 'timestamp with time zone', 'type public.trading_accounts.created_at');
select col_not_null('public', 'trading_accounts', 'created_at', 'nullability public.trading_accounts.created_at');
select col_default_is('public', 'trading_accounts', 'created_at', 'now()', 'default public.trading_accounts.created_at');
select has_column('public', 'trading_accounts', 'updated_at', 'column public.trading_accounts.updated_at');
select col_type_is('public', 'trading_accounts', 'updated_at', 'timestamp with time zone', 'type public.trading_accounts.updated_at');
select col_not_null('public', 'trading_accounts', 'updated_at', 'nullability public.trading_accounts.updated_at');
select col_default_is('public', 'trading_accounts', 'updated_at', 'now()', 'default public.trading_accounts.updated_at');
select col_has_check('public', 'trading_accounts', array['connection_status']::name[], 'check public.trading_accounts.trading_accounts_connection_status_check');
select col_is_pk('public', 'trading_accounts', array['id']::name[], 'primary_key public.trading_accounts.trading_accounts_pkey');
select col_has_check('public', 'trading_accounts', array['platform']::name[], 'check public.trading_accounts.trading_accounts_platform_check');
select col_is_fk('public', 'trading_accounts', array['user_id']::name[], 'foreign_key public.trading_accounts.trading_accounts_user_id_fkey');
select col_is_unique('public', 'trading_accounts', array['user_id', 'platform', 'server', 'login_number']::name[], 'unique public.trading_accounts.trading_accounts_user_platform_server_login_key');
select policies_are('public', 'trading_accounts', array['trading_accounts_delete_own', 'trading_accounts_insert_own', 'trading_accounts_select_own', 'trading_accounts_update_own'], 'policy public.trading_accounts.trading_accounts_delete_own');

-- TODO behaviour of policy public.profiles.profiles_delete_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.profiles where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.profiles.profiles_insert_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.profiles where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.profiles.profiles_select_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.profiles where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.profiles.profiles_update_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.profiles where ...$$, 'another user sees nothing');
-- TODO behaviour of public.trades.trades_direction_check: CHECK ((direction = ANY (ARRAY['BUY'::text, 'SELL'::text])))
-- select throws_ok($$insert into public.trades (...) values (...)$$, '23514', null,
--   'a value the check refuses');
-- TODO behaviour of policy public.trades.trades_delete_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trades where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.trades.trades_insert_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trades where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.trades.trades_select_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trades where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.trades.trades_update_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trades where ...$$, 'another user sees nothing');
-- TODO behaviour of public.trading_accounts.trading_accounts_connection_status_check: CHECK ((connection_status = ANY (ARRAY['connected'::text, 'disconnected'::text, 'error'::text])))
-- select throws_ok($$insert into public.trading_accounts (...) values (...)$$, '23514', null,
--   'a value the check refuses');
-- TODO behaviour of public.trading_accounts.trading_accounts_platform_check: CHECK ((platform = ANY (ARRAY['MT4'::text, 'MT5'::text])))
-- select throws_ok($$insert into public.trading_accounts (...) values (...)$$, '23514', null,
--   'a value the check refuses');
-- TODO behaviour of policy public.trading_accounts.trading_accounts_delete_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trading_accounts where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.trading_accounts.trading_accounts_insert_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trading_accounts where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.trading_accounts.trading_accounts_select_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trading_accounts where ...$$, 'another user sees nothing');
-- TODO behaviour of policy public.trading_accounts.trading_accounts_update_own: as each role, what it may and may not reach
-- select tests.authenticate_as(<user id>);
-- select is_empty($$select 1 from public.trading_accounts where ...$$, 'another user sees nothing');

select * from finish();
rollback;
