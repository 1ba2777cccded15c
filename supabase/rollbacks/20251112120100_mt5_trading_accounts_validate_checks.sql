-- Rollback of 20251112120100_mt5_trading_accounts_validate_checks.
--
-- What: puts the three checks back in the NOT VALID state that 20251112120000 left, by
--   re-creating them NOT VALID (PostgreSQL cannot un-validate a constraint in place).
-- Loses: nothing; the checks keep being enforced on every insert and update.
-- Locks: metadata only, no scan; lock_timeout bounds the wait.

set local lock_timeout = '5s';

alter table public.trading_accounts
  -- squawk-ignore ban-drop-constraint -- re-added NOT VALID in this same statement, as 20251112120000 left it
  drop constraint trading_accounts_connection_status_check,
  add constraint trading_accounts_connection_status_check
    check (connection_status in ('connected', 'disconnected', 'error', 'active')) not valid,
  -- squawk-ignore ban-drop-constraint -- re-added NOT VALID in this same statement, as 20251112120000 left it
  drop constraint trading_accounts_sync_failure_count_check,
  add constraint trading_accounts_sync_failure_count_check
    check (sync_failure_count >= 0) not valid,
  -- squawk-ignore ban-drop-constraint -- re-added NOT VALID in this same statement, as 20251112120000 left it
  drop constraint trading_accounts_broker_server_time_offset_check,
  add constraint trading_accounts_broker_server_time_offset_check
    check (broker_server_time_offset between -50400 and 50400) not valid;
