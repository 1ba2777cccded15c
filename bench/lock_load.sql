-- Load for the lock benchmark (invoke bench): :rows trading accounts of :rows/100 users, and trades.
-- Runs after the baseline; the MT5 migrations are then applied on these rows under write load.
insert into auth.users (id, email, created_at, updated_at)
  select gen_random_uuid(), 'bench' || g || '@example.com', now(), now()
  from generate_series(1, greatest(:rows / 100, 10)) g;
insert into public.profiles (user_id, display_name)
  select id, email from auth.users where email like 'bench%';
insert into public.trading_accounts (user_id, platform, broker_name, server, login_number, balance,
                                     equity, connection_status, last_sync_at)
  select p.user_id, case when g % 3 = 0 then 'MT4' else 'MT5' end, 'Broker ' || (g % 40), 'Srv-' || (g % 97),
         g::text, (g % 10000)::numeric, (g % 9000)::numeric,
         (array['connected', 'disconnected', 'error'])[1 + g % 3], now() - (g % 1000) * interval '1 minute'
  from generate_series(1, :rows) g
  join (select user_id, row_number() over () as n from public.profiles where display_name like 'bench%') p
    on p.n = 1 + g % greatest(:rows / 100, 10);
insert into public.trades (account_id, symbol, direction, volume, entry_price, opened_at)
  select id, 'EURUSD', 'BUY', 1, 1.1, now()
  from public.trading_accounts tablesample system (1) limit greatest(:rows / 100, 100);
analyze;
