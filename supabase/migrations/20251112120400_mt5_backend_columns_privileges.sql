-- The MT5 columns are the backend's: account owners may read them, never write them.
--
-- What: authenticated loses its table-wide INSERT and UPDATE on public.trading_accounts and
--   gets them back column by column, on what a person edits in the app:
--     insert: user_id (checked by the insert policy), platform, broker_name, server,
--             login_number, account_name, currency, leverage, is_active, balance, equity,
--             margin, free_margin, margin_level;
--     update: the same without user_id (an account never changes owner), plus updated_at.
--   Not in either list, so written only by service_role (the edge functions and the MT5
--   service): the six MT5 columns (mt5_service_account_id, connection_status,
--   last_connection_error, last_successful_sync_at, sync_failure_count,
--   broker_server_time_offset) and last_sync_at, which the sync scheduler reads; id and
--   created_at keep their defaults. Balances stay editable: accounts without a sync are kept
--   by hand. anon and authenticated lose TRUNCATE (it bypasses row-level security), TRIGGER and
--   REFERENCES on every table of public; service_role keeps all of its privileges. The six
--   columns' comments get the "Backend-only" marker that invoke lint's
--   backend-columns-table-wide-write check reads.
-- Why: an owner who could write these columns could reset sync_failure_count and skip the
--   sync back-off, fake a healthy connection_status, or squat an mt5_service_account_id before
--   the backend assigns it (and learn which ids exist from 23505), so that the sync, which looks
--   accounts up by that id, would write someone else's trades into the squatter's journal.
--   The row policies only check user_id, and Supabase's default privileges give authenticated
--   INSERT and UPDATE on every column; a column REVOKE does nothing while a table grant exists,
--   hence revoke table-wide, then grant by column.
-- Locks: GRANT, REVOKE and COMMENT take brief locks on the catalog rows only; no rewrite, no scan.
-- Depends on: 20251101000000_baseline (the tables), 20251112120000 (the MT5 columns),
--   20251112120200 (sync_logs).
-- Used by: the journal's web app (its writes must stay within the granted columns); the edge
--   functions of stories 4.1 and 4.2, which write as service_role.
-- Rollback: supabase/rollbacks/20251112120400_mt5_backend_columns_privileges.sql restores the
--   previous privileges and comments exactly; no data changes either way.

set local lock_timeout = '5s';

revoke insert, update on table public.trading_accounts from authenticated;
grant insert (user_id, platform, broker_name, server, login_number, account_name, currency, leverage,
              is_active, balance, equity, margin, free_margin, margin_level)
  on table public.trading_accounts to authenticated;
grant update (platform, broker_name, server, login_number, account_name, currency, leverage,
              is_active, balance, equity, margin, free_margin, margin_level, updated_at)
  on table public.trading_accounts to authenticated;

revoke truncate, trigger, references
  on table public.profiles, public.trading_accounts, public.trades, public.sync_logs
  from anon, authenticated;

comment on column public.trading_accounts.mt5_service_account_id is
  'Id of this account in the MT5 service. Written by the connect-mt5-account edge function '
  '(story 4.1) when it registers the account; read by the sync-mt5-trades edge function '
  '(story 4.2) to look the account up. Unique where set. Backend-only: written by service_role.';
comment on column public.trading_accounts.connection_status is
  'connected, disconnected, error or active. Written by connect-mt5-account (story 4.1) and by '
  'sync-mt5-trades (story 4.2), which sets active after a successful sync; read by the '
  'accounts page and the sync scheduler. Backend-only: written by service_role.';
comment on column public.trading_accounts.last_connection_error is
  'Last error the MT5 service reported for this account, as text; null after a clean connect. '
  'Written by connect-mt5-account (story 4.1) and sync-mt5-trades (story 4.2); read by the '
  'accounts page. Backend-only: written by service_role.';
comment on column public.trading_accounts.last_successful_sync_at is
  'When the last sync of this account succeeded (timestamptz, UTC). Written by sync-mt5-trades '
  '(story 4.2); read by the sync scheduler (idx_trading_accounts_sync_status) and the '
  'accounts page. Backend-only: written by service_role.';
comment on column public.trading_accounts.sync_failure_count is
  'Consecutive failed syncs (count, never negative; reset to 0 on success). Written by '
  'sync-mt5-trades (story 4.2); read by the sync scheduler to back off and by the accounts page. '
  'Backend-only: written by service_role.';
comment on column public.trading_accounts.broker_server_time_offset is
  'Offset of the broker''s MT5 server clock from UTC, in seconds (-50400..50400, i.e. '
  'UTC-14h..UTC+14h). Written by connect-mt5-account (story 4.1); read by sync-mt5-trades '
  '(story 4.2) to convert trade times to UTC. Backend-only: written by service_role.';
