-- public.sync_logs: columns, types, nullability, defaults, key, foreign key and its ON DELETE
-- action, every check by behaviour, and comments.
begin;
select plan(68);

select has_table('public', 'sync_logs', 'sync_logs exists');
select columns_are('public', 'sync_logs', array['id', 'account_id', 'sync_type', 'started_at', 'completed_at',
  'status', 'trades_synced', 'error_message', 'duration_ms', 'created_at'], 'sync_logs has exactly these columns');
select col_is_pk('public', 'sync_logs', 'id', 'id is the primary key');

select col_type_is('public', 'sync_logs', 'id', 'uuid', 'id is uuid');
select col_default_is('public', 'sync_logs', 'id', 'gen_random_uuid()', 'id defaults to gen_random_uuid()');
select col_type_is('public', 'sync_logs', 'account_id', 'uuid', 'account_id is uuid');
select col_not_null('public', 'sync_logs', 'account_id', 'account_id is not null');
select col_hasnt_default('public', 'sync_logs', 'account_id', 'account_id has no default');
select col_type_is('public', 'sync_logs', 'sync_type', 'text', 'sync_type is text');
select col_not_null('public', 'sync_logs', 'sync_type', 'sync_type is not null');
select col_hasnt_default('public', 'sync_logs', 'sync_type', 'sync_type has no default');
select col_type_is('public', 'sync_logs', 'started_at', 'timestamp with time zone', 'started_at is timestamptz');
select col_not_null('public', 'sync_logs', 'started_at', 'started_at is not null');
select col_default_is('public', 'sync_logs', 'started_at', 'now()', 'started_at defaults to now()');
select col_type_is('public', 'sync_logs', 'completed_at', 'timestamp with time zone', 'completed_at is timestamptz');
select col_is_null('public', 'sync_logs', 'completed_at', 'completed_at is nullable');
select col_hasnt_default('public', 'sync_logs', 'completed_at', 'completed_at has no default');
select col_type_is('public', 'sync_logs', 'status', 'text', 'status is text');
select col_not_null('public', 'sync_logs', 'status', 'status is not null');
select col_hasnt_default('public', 'sync_logs', 'status', 'status has no default');
select col_type_is('public', 'sync_logs', 'trades_synced', 'integer', 'trades_synced is integer');
select col_not_null('public', 'sync_logs', 'trades_synced', 'trades_synced is not null');
select col_default_is('public', 'sync_logs', 'trades_synced', 0, 'trades_synced defaults to 0');
select col_type_is('public', 'sync_logs', 'error_message', 'text', 'error_message is text');
select col_is_null('public', 'sync_logs', 'error_message', 'error_message is nullable');
select col_type_is('public', 'sync_logs', 'duration_ms', 'integer', 'duration_ms is integer');
select col_is_null('public', 'sync_logs', 'duration_ms', 'duration_ms is nullable');
select col_hasnt_default('public', 'sync_logs', 'duration_ms', 'duration_ms has no default');
select col_type_is('public', 'sync_logs', 'created_at', 'timestamp with time zone', 'created_at is timestamptz');
select col_not_null('public', 'sync_logs', 'created_at', 'created_at is not null');
select col_default_is('public', 'sync_logs', 'created_at', 'now()', 'created_at defaults to now()');

-- foreign key and ON DELETE CASCADE
select fk_ok('public', 'sync_logs', 'account_id', 'public', 'trading_accounts', 'id',
  'sync_logs.account_id references trading_accounts.id');
select is((select confdeltype::text from pg_constraint
            where conrelid = 'public.sync_logs'::regclass and contype = 'f'), 'c',
  'the foreign key is ON DELETE CASCADE');

-- the checks, by exact definition
select results_eq(
  $$select conname::text collate "default", pg_get_constraintdef(oid) from pg_constraint
    where conrelid = 'public.sync_logs'::regclass and contype = 'c' order by conname$$,
  $$values
    ('sync_logs_completed_after_started_check', 'CHECK (((completed_at IS NULL) OR (completed_at >= started_at)))'),
    ('sync_logs_duration_ms_check', 'CHECK ((duration_ms >= 0))'),
    ('sync_logs_status_check',
     'CHECK ((status = ANY (ARRAY[''success''::text, ''failed''::text, ''partial''::text])))'),
    ('sync_logs_sync_type_check',
     'CHECK ((sync_type = ANY (ARRAY[''scheduled''::text, ''manual''::text, ''realtime''::text])))'),
    ('sync_logs_trades_synced_check', 'CHECK ((trades_synced >= 0))')$$,
  'sync_logs checks are exactly these');

-- checks by behaviour
select tests.create_user('logs@test.local', 'c2000000-0000-4000-8000-000000000001');
insert into public.trading_accounts (id, user_id, platform, broker_name, server, login_number)
values ('d2000000-0000-4000-8000-000000000001', 'c2000000-0000-4000-8000-000000000001', 'MT5', 'B', 'S', '1');

select lives_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'scheduled', 'success')$$, 'sync_type scheduled, status success accepted');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'failed')$$, 'sync_type manual, status failed accepted');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'realtime', 'partial')$$, 'sync_type realtime, status partial accepted');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'hourly', 'success')$$, '23514', null, 'sync_type hourly refused');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'Manual', 'success')$$, '23514', null, 'sync_type is case-sensitive');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'running')$$, '23514', null, 'status running refused');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', null, 'success')$$, '23502', null, 'sync_type null refused');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', null)$$, '23502', null, 'status null refused');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values (null, 'manual', 'success')$$, '23502', null, 'account_id null refused');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d2000000-0000-4000-8000-0000000000ff', 'manual', 'success')$$, '23503', null,
  'account_id of a missing account refused');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status, trades_synced)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', 0)$$, 'trades_synced 0 accepted');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status, trades_synced)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', -1)$$, '23514', null, 'trades_synced -1 refused');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status, duration_ms)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', 0)$$, 'duration_ms 0 accepted');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status, duration_ms)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', null)$$, 'duration_ms null accepted');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status, duration_ms)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', -5)$$, '23514', null, 'duration_ms -5 refused');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status, started_at, completed_at)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', '2025-11-12 10:00+00', '2025-11-12 10:00+00')$$,
  'completed_at equal to started_at accepted');
select lives_ok($$insert into public.sync_logs (account_id, sync_type, status, started_at, completed_at)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'success', '2025-11-12 10:00+00', '2025-11-12 10:01+00')$$,
  'completed_at after started_at accepted');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status, started_at, completed_at)
  values ('d2000000-0000-4000-8000-000000000001', 'manual', 'failed', '2025-11-12 10:00+00', '2025-11-12 09:59+00')$$,
  '23514', null, 'completed_at before started_at refused');
select results_eq(
  $$select trades_synced, started_at is not null, created_at is not null, id is not null
      from public.sync_logs where account_id = 'd2000000-0000-4000-8000-000000000001' limit 1$$,
  $$values (0, true, true, true)$$, 'a minimal row gets its id, times and zero trades from the defaults');

-- ON DELETE CASCADE by behaviour
delete from public.trading_accounts where id = 'd2000000-0000-4000-8000-000000000001';
select is_empty($$select 1 from public.sync_logs where account_id = 'd2000000-0000-4000-8000-000000000001'$$,
  'deleting an account deletes its sync logs');

-- comments: the table and every column
select matches(obj_description('public.sync_logs'::regclass, 'pg_class'), 'sync-mt5-trades.*story 4\.2',
  'the table comment names the sync function (story 4.2)');
select is(count(*)::int, 0, 'every sync_logs column has a comment')
  from pg_attribute where attrelid = 'public.sync_logs'::regclass and attnum > 0 and not attisdropped
   and col_description(attrelid, attnum) is null;
select matches(tests.column_comment('public.sync_logs', 'duration_ms'), 'milliseconds',
  'duration_ms comment gives its unit');
select matches(tests.column_comment('public.sync_logs', 'started_at'), 'UTC', 'started_at comment says UTC');
select col_not_null('public', 'sync_logs', 'id', 'id is not null (the primary key)');
select matches(tests.table_comment('public.sync_logs'), 'sync-mt5-trades.*story 4\.2.*service_role',
  'the table comment names its writer (story 4.2) and role');
-- every other column's comment says what it holds, for the developers who read the table
select matches(tests.column_comment('public.sync_logs', 'id'), 'Primary key', 'id comment');
select matches(tests.column_comment('public.sync_logs', 'account_id'), 'trading_accounts\.id.*account goes',
  'account_id comment names the account and the cascade');
select matches(tests.column_comment('public.sync_logs', 'completed_at'), 'never before started_at',
  'completed_at comment states its rule');
select matches(tests.column_comment('public.sync_logs', 'status'), 'success, failed or partial', 'status comment');
select matches(tests.column_comment('public.sync_logs', 'trades_synced'), 'never negative', 'trades_synced comment');
select matches(tests.column_comment('public.sync_logs', 'error_message'), 'accounts page', 'error_message comment');
select matches(tests.column_comment('public.sync_logs', 'created_at'), 'UTC', 'created_at comment says UTC');
select matches(tests.column_comment('public.sync_logs', 'sync_type'), 'scheduled.*manual.*realtime',
  'sync_type comment explains each value');

select * from finish();
rollback;
