-- MT5 sync telemetry: public.sync_logs, one row per sync run of a trading account.
--
-- What: the sync_logs table with checks on its enumerations, counts and times, the index
--   idx_sync_logs_account on (account_id, started_at desc) for "latest syncs of an account",
--   comments, and row-level security: owners of the account may read its logs; only
--   service_role (which bypasses RLS) writes them.
-- Why: story 4.2's sync-mt5-trades edge function and the Python MT5 service record each run;
--   the accounts page shows the history.
-- Locks: the table is new, so its index is built here without CONCURRENTLY (nobody can be
--   writing to it yet); the foreign key takes a brief SHARE ROW EXCLUSIVE lock on
--   trading_accounts, bounded by lock_timeout.
-- Note: the PRD's sketch used timestamp and uuid_generate_v4(); this uses timestamptz and
--   gen_random_uuid() like the rest of the schema.
-- Depends on: 20251101000000_baseline (trading_accounts, auth.uid()).
-- Rollback: supabase/rollbacks/20251112120200_mt5_sync_logs.sql drops the table; its rows
--   are lost by design (telemetry, re-created by the next syncs).

set local lock_timeout = '5s';

create table public.sync_logs (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.trading_accounts (id) on delete cascade,
  sync_type text not null
    constraint sync_logs_sync_type_check check (sync_type in ('scheduled', 'manual', 'realtime')),
  started_at timestamptz not null default now(),
  completed_at timestamptz,
  status text not null
    constraint sync_logs_status_check check (status in ('success', 'failed', 'partial')),
  trades_synced integer not null default 0
    constraint sync_logs_trades_synced_check check (trades_synced >= 0),
  error_message text,
  duration_ms integer
    constraint sync_logs_duration_ms_check check (duration_ms >= 0),
  created_at timestamptz not null default now(),
  constraint sync_logs_completed_after_started_check
    check (completed_at is null or completed_at >= started_at)
);

-- No CONCURRENTLY: sync_logs is created above, in this transaction, so nobody writes to it yet.
create index idx_sync_logs_account on public.sync_logs (account_id, started_at desc);

comment on table public.sync_logs is
  'One row per MT5 sync run of a trading account. Written by the sync-mt5-trades edge function '
  '(story 4.2) and the Python MT5 service as service_role; read by account owners on the '
  'accounts page. Deleted with the account.';
comment on column public.sync_logs.id is 'Primary key of the sync run.';
comment on column public.sync_logs.account_id is
  'The synced trading account (public.trading_accounts.id); logs go when the account goes.';
comment on column public.sync_logs.sync_type is
  'What started the run: scheduled (the sync scheduler), manual (the user, via sync-mt5-trades) '
  'or realtime (the MT5 service''s push).';
comment on column public.sync_logs.started_at is 'When the run started (timestamptz, UTC).';
comment on column public.sync_logs.completed_at is
  'When the run ended (timestamptz, UTC), never before started_at; null while it runs.';
comment on column public.sync_logs.status is 'Outcome: success, failed or partial.';
comment on column public.sync_logs.trades_synced is
  'Trades inserted or updated by the run (count, never negative).';
comment on column public.sync_logs.error_message is
  'Error text of a failed or partial run; shown on the accounts page.';
comment on column public.sync_logs.duration_ms is
  'Duration of the run in milliseconds (never negative), as measured by sync-mt5-trades.';
comment on column public.sync_logs.created_at is 'When the row was written (timestamptz, UTC).';

alter table public.sync_logs enable row level security;

-- Supabase's default privileges gave anon and authenticated everything; owners only read.
revoke all on table public.sync_logs from anon, authenticated;
grant select on table public.sync_logs to authenticated;
grant all on table public.sync_logs to service_role;

create policy sync_logs_select_own on public.sync_logs
  for select to authenticated
  using (exists (select 1 from public.trading_accounts a
                 where a.id = sync_logs.account_id and a.user_id = (select auth.uid())));
