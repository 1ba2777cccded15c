-- Rollback of 20251112120300_mt5_indexes_concurrently.
--
-- What: drops idx_trading_accounts_mt5_service_account_id and idx_trading_accounts_sync_status.
-- Why CONCURRENTLY: trading_accounts stays writable while the indexes go; the file therefore
--   runs outside a transaction, statement by statement.
-- Loses: nothing but the indexes (the sync's lookups by MT5 id get slower and lose uniqueness).
-- Run before: the rollback of 20251112120000, which drops the indexed column.

set lock_timeout = '5s';

drop index concurrently if exists public.idx_trading_accounts_mt5_service_account_id;

drop index concurrently if exists public.idx_trading_accounts_sync_status;
