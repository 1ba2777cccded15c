-- Indexes for the MT5 sync on public.trading_accounts, built CONCURRENTLY.
--
-- What: idx_trading_accounts_sync_status on (is_active, connection_status, last_sync_at) for
--   the sync scheduler's "active accounts due for a sync" query, and the unique partial index
--   idx_trading_accounts_mt5_service_account_id on (mt5_service_account_id) where it is set,
--   used by sync-mt5-trades (story 4.2) to find an account by its MT5 service id.
-- Why CONCURRENTLY: trading_accounts is live; a plain CREATE INDEX would block every write
--   for the whole build. This file therefore holds only CONCURRENTLY statements and runs
--   outside a transaction; if a build fails, the harness drops the INVALID index it leaves.
-- Depends on: 20251112120000_mt5_trading_accounts_extensions (mt5_service_account_id).
-- Rollback: supabase/rollbacks/20251112120300_mt5_indexes_concurrently.sql drops both
--   indexes concurrently; no data is lost.

set lock_timeout = '5s';

create index concurrently idx_trading_accounts_sync_status
  on public.trading_accounts (is_active, connection_status, last_sync_at);

create unique index concurrently idx_trading_accounts_mt5_service_account_id
  on public.trading_accounts (mt5_service_account_id)
  where mt5_service_account_id is not null;
