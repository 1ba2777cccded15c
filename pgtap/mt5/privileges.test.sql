-- Who may write what (migration 20251112120400): the privilege matrix pinned, then by behaviour.
-- Owners read every column of their accounts but write only what a person edits in the app; the
-- MT5 columns are written by service_role only; no API role may TRUNCATE (it bypasses RLS).
begin;
select plan(71);

-- table privileges of every API role on every table of public
select table_privs_are('public', t, r, p, format('%s on public.%s: exactly %s', r, t, p))
  from (values
    ('profiles', 'anon', array[]::text[]),
    ('profiles', 'authenticated', array['SELECT', 'INSERT', 'UPDATE', 'DELETE']),
    ('profiles', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']),
    ('trading_accounts', 'anon', array[]::text[]),
    ('trading_accounts', 'authenticated', array['SELECT', 'DELETE']),
    ('trading_accounts', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']),
    ('trades', 'anon', array[]::text[]),
    ('trades', 'authenticated', array['SELECT', 'INSERT', 'UPDATE', 'DELETE']),
    ('trades', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']),
    ('sync_logs', 'anon', array[]::text[]),
    ('sync_logs', 'authenticated', array['SELECT']),
    ('sync_logs', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'])
  ) as m (t, r, p);

-- the column matrix below covers every column: a new column must take a side
select columns_are('public', 'trading_accounts', array[
  'id', 'user_id', 'platform', 'broker_name', 'server', 'login_number', 'account_name', 'currency',
  'leverage', 'balance', 'equity', 'margin', 'free_margin', 'margin_level', 'is_active', 'last_sync_at',
  'connection_status', 'created_at', 'updated_at', 'mt5_service_account_id', 'last_connection_error',
  'last_successful_sync_at', 'sync_failure_count', 'broker_server_time_offset'],
  'trading_accounts has exactly the columns of the privilege matrix');

-- authenticated on each column of trading_accounts (SELECT comes from the table grant)
select column_privs_are('public', 'trading_accounts', c, 'authenticated', p,
                        format('authenticated on trading_accounts.%s: exactly %s', c, p))
  from (values
    ('id', array['SELECT']), ('created_at', array['SELECT']), ('last_sync_at', array['SELECT']),
    ('mt5_service_account_id', array['SELECT']), ('connection_status', array['SELECT']),
    ('last_connection_error', array['SELECT']), ('last_successful_sync_at', array['SELECT']),
    ('sync_failure_count', array['SELECT']), ('broker_server_time_offset', array['SELECT']),
    ('user_id', array['SELECT', 'INSERT']), ('updated_at', array['SELECT', 'UPDATE']),
    ('platform', array['SELECT', 'INSERT', 'UPDATE']), ('broker_name', array['SELECT', 'INSERT', 'UPDATE']),
    ('server', array['SELECT', 'INSERT', 'UPDATE']), ('login_number', array['SELECT', 'INSERT', 'UPDATE']),
    ('account_name', array['SELECT', 'INSERT', 'UPDATE']), ('currency', array['SELECT', 'INSERT', 'UPDATE']),
    ('leverage', array['SELECT', 'INSERT', 'UPDATE']), ('is_active', array['SELECT', 'INSERT', 'UPDATE']),
    ('balance', array['SELECT', 'INSERT', 'UPDATE']), ('equity', array['SELECT', 'INSERT', 'UPDATE']),
    ('margin', array['SELECT', 'INSERT', 'UPDATE']), ('free_margin', array['SELECT', 'INSERT', 'UPDATE']),
    ('margin_level', array['SELECT', 'INSERT', 'UPDATE'])
  ) as m (c, p);

select tests.create_user('owner@privs.local', 'c4000000-0000-4000-8000-000000000001');
insert into public.trading_accounts (id, user_id, platform, broker_name, server, login_number,
                                     mt5_service_account_id, connection_status)
values ('d4000000-0000-4000-8000-000000000001', 'c4000000-0000-4000-8000-000000000001', 'MT5', 'B', 'S', '1',
        'svc-taken-1', 'error');

-- the owner, through the API: each backend column refused on update and on insert, 42501
select tests.authenticate_as('c4000000-0000-4000-8000-000000000001');
select throws_ok(format('update public.trading_accounts set %I = %s where id = %L', c, v,
                        'd4000000-0000-4000-8000-000000000001'),
                 '42501', null, format('owner: update of %s refused', c))
  from (values ('mt5_service_account_id', '''svc-next-999'''), ('connection_status', '''active'''),
               ('last_connection_error', 'null'), ('last_successful_sync_at', 'now() + interval ''10 years'''),
               ('sync_failure_count', '0'), ('broker_server_time_offset', '50400'), ('last_sync_at', 'now()'))
       as m (c, v);
select throws_ok($$update public.trading_accounts set mt5_service_account_id = 'svc-taken-1'
  where id = 'd4000000-0000-4000-8000-000000000001'$$, '42501', null,
  'owner: a taken service id gives 42501, not 23505 (no oracle of which ids exist)');
select throws_ok(format('insert into public.trading_accounts (user_id, platform, broker_name, server, '
                        'login_number, %I) values (%L, ''MT5'', ''B'', ''S'', %L, %s)',
                        c, 'c4000000-0000-4000-8000-000000000001', c, v),
                 '42501', null, format('owner: insert with %s refused', c))
  from (values ('mt5_service_account_id', '''svc-forged-1'''), ('connection_status', '''active'''),
               ('last_connection_error', '''x'''), ('last_successful_sync_at', 'now()'),
               ('sync_failure_count', '0'), ('broker_server_time_offset', '0'), ('last_sync_at', 'now()'))
       as m (c, v);

-- the owner's own edits still work, and the health columns are readable
select lives_ok($$update public.trading_accounts set account_name = 'Main', broker_name = 'IC', server = 'IC-Live',
  login_number = '2', currency = 'EUR', leverage = 100, is_active = false, balance = 10, updated_at = now()
  where id = 'd4000000-0000-4000-8000-000000000001'$$, 'owner: renames the account and edits its broker details');
select lives_ok($$insert into public.trading_accounts (user_id, platform, broker_name, server, login_number,
  account_name) values ('c4000000-0000-4000-8000-000000000001', 'MT4', 'B', 'S', '3', 'Second')$$,
  'owner: adds an account with the columns a person fills in');
select results_eq($$select account_name, mt5_service_account_id, connection_status, sync_failure_count,
    broker_server_time_offset, last_connection_error is null, last_successful_sync_at is null
  from public.trading_accounts where id = 'd4000000-0000-4000-8000-000000000001'$$,
  $$values ('Main'::text, 'svc-taken-1'::text, 'error'::text, 0, 0, true, true)$$,
  'owner: reads the rename and every health column of the account');

-- service_role (the edge functions, the MT5 service) writes each backend column
select tests.authenticate_as_service_role();
select lives_ok(format('update public.trading_accounts set %I = %s where id = %L', c, v,
                       'd4000000-0000-4000-8000-000000000001'),
                format('service_role: updates %s', c))
  from (values ('mt5_service_account_id', '''svc-next-999'''), ('connection_status', '''active'''),
               ('last_connection_error', '''timeout'''), ('last_successful_sync_at', 'now()'),
               ('sync_failure_count', '3'), ('broker_server_time_offset', '7200'), ('last_sync_at', 'now()'))
       as m (c, v);
select lives_ok($$insert into public.trading_accounts (user_id, platform, broker_name, server, login_number,
  mt5_service_account_id, connection_status, last_connection_error, last_successful_sync_at,
  sync_failure_count, broker_server_time_offset) values ('c4000000-0000-4000-8000-000000000001', 'MT5',
  'B', 'S', '4', 'svc-4', 'connected', null, now(), 0, 3600)$$, 'service_role: inserts with every MT5 column');

-- TRUNCATE bypasses row-level security: refused to both API roles on every table of public
select tests.authenticate_as('c4000000-0000-4000-8000-000000000001');
select throws_ok(format('truncate public.%I cascade', t), '42501', null,
                 format('authenticated: truncate public.%s refused', t))
  from (values ('profiles'), ('trading_accounts'), ('trades'), ('sync_logs')) as m (t);
select tests.authenticate_as_anon();
select throws_ok(format('truncate public.%I cascade', t), '42501', null, format('anon: truncate public.%s refused', t))
  from (values ('profiles'), ('trading_accounts'), ('trades'), ('sync_logs')) as m (t);
select tests.clear_authentication();

select * from finish();
rollback;
