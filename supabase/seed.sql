-- Seed data for local runs and rollback checks: two users, their profiles, accounts in every
-- connection_status the baseline allows, and a few trades. Fixed ids so tests can name rows.

insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values
  ('11111111-1111-4111-8111-111111111111', 'alice@example.com', '{}', '{}', now(), now()),
  ('22222222-2222-4222-8222-222222222222', 'bob@example.com', '{}', '{}', now(), now());

insert into public.profiles (user_id, display_name)
values
  ('11111111-1111-4111-8111-111111111111', 'Alice'),
  ('22222222-2222-4222-8222-222222222222', 'Bob');

insert into public.trading_accounts
  (id, user_id, platform, broker_name, server, login_number, account_name, currency, leverage,
   balance, equity, margin, free_margin, margin_level, is_active, last_sync_at, connection_status)
values
  ('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'MT5',
   'IC Markets', 'ICMarketsSC-Demo', '5001001', 'Alice demo', 'USD', 500,
   10000.00, 10125.50, 250.00, 9875.50, 4050.20, true, '2025-11-10 08:00:00+00', 'connected'),
  ('aaaaaaaa-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'MT4',
   'Pepperstone', 'Pepperstone-Live01', '7002002', 'Alice live', 'EUR', 100,
   2500.00, 2480.00, 0.00, 2480.00, null, true, null, 'disconnected'),
  ('aaaaaaaa-0000-4000-8000-000000000003', '22222222-2222-4222-8222-222222222222', 'MT5',
   'FTMO', 'FTMO-Server3', '9003003', null, 'USD', 100,
   100000.00, 99500.00, 1200.00, 98300.00, 8291.67, false, '2025-11-01 12:30:00+00', 'error');

insert into public.trades
  (id, account_id, symbol, direction, volume, entry_price, exit_price, opened_at, closed_at,
   pnl, commission, swap)
values
  ('bbbbbbbb-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'EURUSD',
   'BUY', 1.0000, 1.08500, 1.08750, '2025-11-03 09:15:00+00', '2025-11-03 11:40:00+00',
   250.00, -7.00, 0),
  ('bbbbbbbb-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000001', 'XAUUSD',
   'SELL', 0.1000, 1985.40000, null, '2025-11-09 14:00:00+00', null, null, -0.70, -1.25),
  ('bbbbbbbb-0000-4000-8000-000000000003', 'aaaaaaaa-0000-4000-8000-000000000003', 'US30',
   'BUY', 2.0000, 34100.00000, 34050.00000, '2025-10-30 15:30:00+00', '2025-10-30 16:05:00+00',
   -100.00, 0, 0);
