-- Row-level security on sync_logs as a matrix by behaviour: anon, another user, the owner and
-- service_role, each trying select, insert, update and delete.
begin;
select plan(23);

select is((select relrowsecurity from pg_class where oid = 'public.sync_logs'::regclass), true,
  'sync_logs has row-level security enabled');
select policies_are('public', 'sync_logs', array['sync_logs_select_own'], 'sync_logs has only the owner read policy');
select policy_cmd_is('public', 'sync_logs', 'sync_logs_select_own', 'select', 'the policy is for select');
select policy_roles_are('public', 'sync_logs', 'sync_logs_select_own', array['authenticated'],
  'the policy applies to authenticated only');
select is((select qual from pg_policies where schemaname = 'public' and tablename = 'sync_logs'
             and policyname = 'sync_logs_select_own'),
  '(EXISTS ( SELECT 1
   FROM trading_accounts a
  WHERE ((a.id = sync_logs.account_id) AND (a.user_id = ( SELECT auth.uid() AS uid)))))',
  'the policy admits the account''s owner only, with auth.uid() evaluated once per query');
select table_privs_are('public', 'sync_logs', 'anon', array[]::text[], 'anon has no privilege on sync_logs');
select table_privs_are('public', 'sync_logs', 'authenticated', array['SELECT'], 'authenticated may only select');

select tests.create_user('owner@rls.local', 'c3000000-0000-4000-8000-000000000001');
select tests.create_user('other@rls.local', 'c3000000-0000-4000-8000-000000000002');
insert into public.trading_accounts (id, user_id, platform, broker_name, server, login_number)
values ('d3000000-0000-4000-8000-000000000001', 'c3000000-0000-4000-8000-000000000001', 'MT5', 'B', 'S', '1');
insert into public.sync_logs (id, account_id, sync_type, status)
values ('f3000000-0000-4000-8000-000000000001', 'd3000000-0000-4000-8000-000000000001', 'manual', 'success');

-- anon
select tests.authenticate_as_anon();
select throws_ok($$select 1 from public.sync_logs$$, '42501', null, 'anon: select refused');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d3000000-0000-4000-8000-000000000001', 'manual', 'success')$$, '42501', null, 'anon: insert refused');
select throws_ok($$update public.sync_logs set status = 'failed'$$, '42501', null, 'anon: update refused');
select throws_ok($$delete from public.sync_logs$$, '42501', null, 'anon: delete refused');

-- another authenticated user
select tests.authenticate_as('c3000000-0000-4000-8000-000000000002');
select is_empty($$select 1 from public.sync_logs where id = 'f3000000-0000-4000-8000-000000000001'$$,
  'another user: sees none of the owner''s logs');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d3000000-0000-4000-8000-000000000001', 'manual', 'success')$$, '42501', null, 'another user: insert refused');
select throws_ok($$update public.sync_logs set status = 'failed'$$, '42501', null, 'another user: update refused');
select throws_ok($$delete from public.sync_logs$$, '42501', null, 'another user: delete refused');

-- the owner
select tests.authenticate_as('c3000000-0000-4000-8000-000000000001');
select results_eq($$select id::text from public.sync_logs$$, array['f3000000-0000-4000-8000-000000000001'],
  'owner: sees the logs of their account');
select throws_ok($$insert into public.sync_logs (account_id, sync_type, status)
  values ('d3000000-0000-4000-8000-000000000001', 'manual', 'success')$$, '42501', null, 'owner: insert refused');
select throws_ok($$update public.sync_logs set status = 'failed'$$, '42501', null, 'owner: update refused');
select throws_ok($$delete from public.sync_logs$$, '42501', null, 'owner: delete refused');

-- service_role (bypasses RLS)
select tests.authenticate_as_service_role();
select results_eq($$select count(*)::int from public.sync_logs where id = 'f3000000-0000-4000-8000-000000000001'$$,
  array[1], 'service_role: selects any log');
select lives_ok($$insert into public.sync_logs (id, account_id, sync_type, status)
  values ('f3000000-0000-4000-8000-000000000002', 'd3000000-0000-4000-8000-000000000001', 'realtime', 'partial')$$,
  'service_role: inserts');
select results_eq($$update public.sync_logs set status = 'failed'
  where id = 'f3000000-0000-4000-8000-000000000002' returning status$$, array['failed'], 'service_role: updates');
select results_eq($$delete from public.sync_logs where id = 'f3000000-0000-4000-8000-000000000002' returning id::text$$,
  array['f3000000-0000-4000-8000-000000000002'], 'service_role: deletes');
select tests.clear_authentication();

select * from finish();
rollback;
