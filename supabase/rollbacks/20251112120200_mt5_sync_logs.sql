-- Rollback of 20251112120200_mt5_sync_logs.
--
-- What: drops public.sync_logs with its index, policy and comments.
-- Loses: every sync_logs row, by design: the table is telemetry that the next syncs write
--   again, and nothing older than this migration refers to it.
-- Locks: dropping the table's foreign key takes a brief ACCESS EXCLUSIVE lock on
--   trading_accounts, bounded by lock_timeout.

set local lock_timeout = '5s';

drop table if exists public.sync_logs;
