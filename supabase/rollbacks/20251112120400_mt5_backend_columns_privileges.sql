-- Rollback of 20251112120400_mt5_backend_columns_privileges.
--
-- What: gives the privileges and comments back exactly as they were: authenticated regains
--   table-wide INSERT and UPDATE on public.trading_accounts (the column grants go first, since
--   a table grant does not remove them), and TRUNCATE, TRIGGER and REFERENCES on profiles,
--   trading_accounts and trades (the default privileges had given it ALL there); sync_logs had
--   only SELECT for authenticated and nothing for anon, and gets nothing back; the six comments
--   lose the Backend-only marker.
-- Loses: nothing; no row is touched.
-- Locks: catalog rows only, bounded by lock_timeout.

set local lock_timeout = '5s';

revoke insert (user_id, platform, broker_name, server, login_number, account_name, currency, leverage,
               is_active, balance, equity, margin, free_margin, margin_level)
  on table public.trading_accounts from authenticated;
revoke update (platform, broker_name, server, login_number, account_name, currency, leverage,
               is_active, balance, equity, margin, free_margin, margin_level, updated_at)
  on table public.trading_accounts from authenticated;
grant insert, update on table public.trading_accounts to authenticated;
grant truncate, trigger, references
  on table public.profiles, public.trading_accounts, public.trades
  to authenticated;

comment on column public.trading_accounts.mt5_service_account_id is
  'Id of this account in the MT5 service. Written by the connect-mt5-account edge function '
  '(story 4.1) when it registers the account; read by the sync-mt5-trades edge function '
  '(story 4.2) to look the account up. Unique where set.';
comment on column public.trading_accounts.connection_status is
  'connected, disconnected, error or active. Written by connect-mt5-account (story 4.1) and by '
  'sync-mt5-trades (story 4.2), which sets active after a successful sync; read by the '
  'accounts page and the sync scheduler.';
comment on column public.trading_accounts.last_connection_error is
  'Last error the MT5 service reported for this account, as text; null after a clean connect. '
  'Written by connect-mt5-account (story 4.1) and sync-mt5-trades (story 4.2); read by the '
  'accounts page.';
comment on column public.trading_accounts.last_successful_sync_at is
  'When the last sync of this account succeeded (timestamptz, UTC). Written by sync-mt5-trades '
  '(story 4.2); read by the sync scheduler (idx_trading_accounts_sync_status) and the '
  'accounts page.';
comment on column public.trading_accounts.sync_failure_count is
  'Consecutive failed syncs (count, never negative; reset to 0 on success). Written by '
  'sync-mt5-trades (story 4.2); read by the sync scheduler to back off and by the accounts page.';
comment on column public.trading_accounts.broker_server_time_offset is
  'Offset of the broker''s MT5 server clock from UTC, in seconds (-50400..50400, i.e. '
  'UTC-14h..UTC+14h). Written by connect-mt5-account (story 4.1); read by sync-mt5-trades '
  '(story 4.2) to convert trade times to UTC.';
