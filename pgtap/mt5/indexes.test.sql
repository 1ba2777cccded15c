-- MT5 indexes: names, columns in order, uniqueness, partial predicate, DESC on started_at,
-- and that no index in public is INVALID (a failed CONCURRENTLY build leaves one).
begin;
select plan(12);

select has_index('public', 'trading_accounts', 'idx_trading_accounts_sync_status',
  array['is_active', 'connection_status', 'last_sync_at'], 'sync status index on (is_active, connection_status, last_sync_at)');
select is(tests.index_def('public.idx_trading_accounts_sync_status'),
  'CREATE INDEX idx_trading_accounts_sync_status ON public.trading_accounts USING btree (is_active, connection_status, last_sync_at)',
  'sync status index: exact definition, not unique, not partial');

select has_index('public', 'trading_accounts', 'idx_trading_accounts_mt5_service_account_id',
  array['mt5_service_account_id'], 'MT5 service id index exists');
select index_is_unique('public', 'trading_accounts', 'idx_trading_accounts_mt5_service_account_id',
  'MT5 service id index is unique');
select is(tests.index_def('public.idx_trading_accounts_mt5_service_account_id'),
  'CREATE UNIQUE INDEX idx_trading_accounts_mt5_service_account_id ON public.trading_accounts USING btree (mt5_service_account_id) WHERE (mt5_service_account_id IS NOT NULL)',
  'MT5 service id index: exact definition, partial where set');

select has_index('public', 'sync_logs', 'idx_sync_logs_account', array['account_id', 'started_at'],
  'sync_logs index on (account_id, started_at)');
select is(tests.index_def('public.idx_sync_logs_account'),
  'CREATE INDEX idx_sync_logs_account ON public.sync_logs USING btree (account_id, started_at DESC)',
  'sync_logs index: exact definition with started_at DESC');
select ok(pg_index_column_has_property('public.idx_sync_logs_account'::regclass, 2, 'desc'),
  'started_at is the second column and sorted DESC');
select ok(pg_index_column_has_property('public.idx_sync_logs_account'::regclass, 1, 'asc'),
  'account_id is the first column and sorted ASC');

select is_empty($$select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
  join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and not i.indisvalid$$,
  'no index in public is INVALID');
select is_empty($$select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid
  join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and not i.indisready$$,
  'every index in public is ready');
select indexes_are('public', 'sync_logs', array['sync_logs_pkey', 'idx_sync_logs_account'],
  'sync_logs has exactly its key and the account index');

select * from finish();
rollback;
