-- Rollback of 20251112120000_mt5_trading_accounts_extensions.
--
-- What: drops mt5_service_account_id, last_connection_error, last_successful_sync_at,
--   sync_failure_count and broker_server_time_offset (their checks and comments go with them)
--   and restores connection_status exactly as the baseline had it: same column, data and
--   default, its original check (connected, disconnected, error) and no comment.
-- Data: rows the sync marked 'active' after the upgrade are mapped to 'connected' (an active
--   account is a connected one) before the original check returns; no other value of
--   connection_status changes. The dropped columns' values are lost by design.
-- Run after: the rollbacks of 20251112120300 (indexes on these columns), 20251112120200 and
--   20251112120100.
-- Locks: one transaction with ACCESS EXCLUSIVE on trading_accounts while the old check is
--   validated (one scan); lock_timeout bounds the wait for it.

set local lock_timeout = '5s';

update public.trading_accounts
   set connection_status = 'connected'
 where connection_status = 'active';

alter table public.trading_accounts
  drop constraint if exists trading_accounts_connection_status_check,
  drop constraint if exists trading_accounts_sync_failure_count_check,
  drop constraint if exists trading_accounts_broker_server_time_offset_check;

alter table public.trading_accounts
  drop column if exists mt5_service_account_id,
  drop column if exists last_connection_error,
  drop column if exists last_successful_sync_at,
  drop column if exists sync_failure_count,
  drop column if exists broker_server_time_offset;

alter table public.trading_accounts
  -- squawk-ignore constraint-missing-not-valid -- restores the baseline's validated check; this file holds the lock already
  add constraint trading_accounts_connection_status_check
  check (connection_status in ('connected', 'disconnected', 'error'));

comment on column public.trading_accounts.connection_status is null;
