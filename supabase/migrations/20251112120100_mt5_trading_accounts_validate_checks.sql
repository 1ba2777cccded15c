-- Validate the checks that 20251112120000 added NOT VALID on public.trading_accounts.
--
-- What: VALIDATE CONSTRAINT for trading_accounts_connection_status_check,
--   trading_accounts_sync_failure_count_check and
--   trading_accounts_broker_server_time_offset_check.
-- Why: a validated check is one the planner and pg_dump trust; validating in its own
--   transaction takes only a SHARE UPDATE EXCLUSIVE lock, so inserts and updates of
--   trading_accounts go on while the table is scanned (inside 20251112120000 the scan would
--   run under that file's ACCESS EXCLUSIVE lock and stall every writer).
-- Depends on: 20251112120000_mt5_trading_accounts_extensions.
-- Rollback: supabase/rollbacks/20251112120100_mt5_trading_accounts_validate_checks.sql
--   re-creates the three checks NOT VALID, the state 20251112120000 left.

set local lock_timeout = '5s';

alter table public.trading_accounts
  validate constraint trading_accounts_connection_status_check;
alter table public.trading_accounts
  validate constraint trading_accounts_sync_failure_count_check;
alter table public.trading_accounts
  validate constraint trading_accounts_broker_server_time_offset_check;
