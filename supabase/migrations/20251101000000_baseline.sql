-- Baseline: the trading journal as it stood before the MT5 work.
--
-- What: public.profiles, public.trading_accounts and public.trades, with row-level security
--   that lets each signed-in user reach only their own rows.
-- Why: the MT5 migrations that follow extend this schema; the harness needs the real starting
--   point to prove that they, and their rollbacks, keep existing data intact.
-- Depends on: auth.users (Supabase, or dbharness/supabase_compat.sql in the harness).
-- Used by: every later migration; the journal's web app; supabase/seed.sql.
-- Rollback: there is none; rolling the baseline back would mean dropping the journal.
-- rollback: none - baseline schema; nothing older to return to

set local lock_timeout = '5s';

create table public.profiles (
  user_id uuid primary key references auth.users (id) on delete cascade,
  display_name text,
  created_at timestamptz not null default now()
);

create table public.trading_accounts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.profiles (user_id) on delete cascade,
  platform text not null check (platform in ('MT4', 'MT5')),
  broker_name text not null,
  server text not null,
  login_number text not null,
  account_name text,
  currency text default 'USD',
  leverage integer,
  balance numeric(15, 2),
  equity numeric(15, 2),
  margin numeric(15, 2),
  free_margin numeric(15, 2),
  margin_level numeric(10, 2),
  is_active boolean default true,
  last_sync_at timestamptz,
  connection_status text default 'disconnected'
    constraint trading_accounts_connection_status_check
    check (connection_status in ('connected', 'disconnected', 'error')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint trading_accounts_user_platform_server_login_key
    unique (user_id, platform, server, login_number)
);

create table public.trades (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.trading_accounts (id) on delete cascade,
  symbol text not null,
  direction text not null check (direction in ('BUY', 'SELL')),
  volume numeric(10, 4) not null,
  entry_price numeric(15, 5) not null,
  exit_price numeric(15, 5),
  opened_at timestamptz not null,
  closed_at timestamptz,
  pnl numeric(15, 2),
  commission numeric(15, 2) default 0,
  swap numeric(15, 2) default 0,
  created_at timestamptz not null default now()
);

create index idx_trades_account_id on public.trades (account_id);

alter table public.profiles enable row level security;
alter table public.trading_accounts enable row level security;
alter table public.trades enable row level security;

-- anon gets nothing at all; RLS below narrows authenticated to its own rows.
revoke all on public.profiles, public.trading_accounts, public.trades from anon;

create policy profiles_select_own on public.profiles
  for select to authenticated using ((select auth.uid()) = user_id);
create policy profiles_insert_own on public.profiles
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy profiles_update_own on public.profiles
  for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy profiles_delete_own on public.profiles
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy trading_accounts_select_own on public.trading_accounts
  for select to authenticated using ((select auth.uid()) = user_id);
create policy trading_accounts_insert_own on public.trading_accounts
  for insert to authenticated with check ((select auth.uid()) = user_id);
create policy trading_accounts_update_own on public.trading_accounts
  for update to authenticated
  using ((select auth.uid()) = user_id) with check ((select auth.uid()) = user_id);
create policy trading_accounts_delete_own on public.trading_accounts
  for delete to authenticated using ((select auth.uid()) = user_id);

create policy trades_select_own on public.trades
  for select to authenticated using (
    exists (select 1 from public.trading_accounts a
            where a.id = account_id and a.user_id = (select auth.uid())));
create policy trades_insert_own on public.trades
  for insert to authenticated with check (
    exists (select 1 from public.trading_accounts a
            where a.id = account_id and a.user_id = (select auth.uid())));
create policy trades_update_own on public.trades
  for update to authenticated
  using (exists (select 1 from public.trading_accounts a
                 where a.id = account_id and a.user_id = (select auth.uid())))
  with check (exists (select 1 from public.trading_accounts a
                      where a.id = account_id and a.user_id = (select auth.uid())));
create policy trades_delete_own on public.trades
  for delete to authenticated using (
    exists (select 1 from public.trading_accounts a
            where a.id = account_id and a.user_id = (select auth.uid())));
