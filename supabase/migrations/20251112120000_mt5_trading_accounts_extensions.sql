-- MT5 connection health on public.trading_accounts.
--
-- What: adds mt5_service_account_id, last_connection_error, last_successful_sync_at,
--   sync_failure_count and broker_server_time_offset; keeps connection_status (adding it
--   only on a database that lacks it) and widens its check to allow 'active'; adds checks
--   that failure counts are never negative and that the broker offset lies within
--   UTC-14h..UTC+14h. Every new column carries a comment naming who writes and reads it.
-- Why: story 4.1 (the connect-mt5-account edge function) records the MT5 service's account id
--   and connection errors; story 4.2 (the sync-mt5-trades edge function and the Python MT5
--   service) records sync health and marks accounts 'active'.
-- Locks: constant defaults only, so no table rewrite; checks are added NOT VALID (no scan
--   under the ACCESS EXCLUSIVE lock) and validated by 20251112120100, in a transaction of
--   its own that takes only SHARE UPDATE EXCLUSIVE, so writers keep going during the scan.
--   lock_timeout bounds the wait for the lock to 5 seconds.
-- Depends on: 20251101000000_baseline. Used by: 20251112120100 (validates these checks),
--   20251112120300 (indexes these columns), the edge functions above.
-- Note: the PRD's sketch used timestamp and uuid_generate_v4(); this schema uses timestamptz
--   and gen_random_uuid() like the rest of the journal.
-- Rollback: supabase/rollbacks/20251112120000_mt5_trading_accounts_extensions.sql drops the
--   new columns and checks and restores the original connection_status check, mapping rows
--   written as 'active' to 'connected' first.

set local lock_timeout = '5s';

alter table public.trading_accounts
  add column if not exists mt5_service_account_id text,
  add column if not exists connection_status text default 'disconnected',
  add column if not exists last_connection_error text,
  add column if not exists last_successful_sync_at timestamptz,
  add column if not exists sync_failure_count integer not null default 0,
  add column if not exists broker_server_time_offset integer not null default 0;

-- Replace the check in place: the old one allowed a subset of the new values, so every
-- existing row already satisfies the new one; validation happens in the next migration.
alter table public.trading_accounts
  -- squawk-ignore ban-drop-constraint -- the check is re-added, wider, in this same statement
  drop constraint if exists trading_accounts_connection_status_check,
  add constraint trading_accounts_connection_status_check
    check (connection_status in ('connected', 'disconnected', 'error', 'active')) not valid,
  add constraint trading_accounts_sync_failure_count_check
    check (sync_failure_count >= 0) not valid,
  add constraint trading_accounts_broker_server_time_offset_check
    check (broker_server_time_offset between -50400 and 50400) not valid;

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
