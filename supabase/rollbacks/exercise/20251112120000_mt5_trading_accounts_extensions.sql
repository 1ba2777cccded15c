-- Exercise of 20251112120000 for invoke rollback-check: write what the MT5 sync writes, so the
-- rollback must cope with it. The seeded 'connected' account becomes 'active' (the rollback
-- maps it back), failure counts and offsets are raised, and a new account is added as active.

update public.trading_accounts
   set connection_status = 'active',
       mt5_service_account_id = 'svc-alice-demo',
       last_successful_sync_at = now(),
       broker_server_time_offset = 7200
 where id = 'aaaaaaaa-0000-4000-8000-000000000001';

update public.trading_accounts
   set sync_failure_count = 3,
       last_connection_error = 'Invalid account credentials'
 where id = 'aaaaaaaa-0000-4000-8000-000000000003';

insert into public.trading_accounts
  (user_id, platform, broker_name, server, login_number, connection_status, mt5_service_account_id,
   sync_failure_count, broker_server_time_offset)
values
  ('22222222-2222-4222-8222-222222222222', 'MT5', 'Exness', 'Exness-MT5Real8', '8004004', 'active',
   'svc-bob-exness', 0, -18000);
