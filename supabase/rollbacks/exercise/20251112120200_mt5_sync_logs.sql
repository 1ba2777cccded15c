-- Exercise of 20251112120200 for invoke rollback-check: sync runs of every type and outcome.

insert into public.sync_logs
  (account_id, sync_type, started_at, completed_at, status, trades_synced, error_message, duration_ms)
values
  ('aaaaaaaa-0000-4000-8000-000000000001', 'scheduled', now() - interval '2 minutes',
   now() - interval '119 seconds', 'success', 12, null, 850),
  ('aaaaaaaa-0000-4000-8000-000000000001', 'manual', now() - interval '1 minute', now(),
   'partial', 3, 'Timeout fetching history after 3 of 5 pages', 60000),
  ('aaaaaaaa-0000-4000-8000-000000000003', 'realtime', now(), null, 'failed', 0,
   'Invalid account credentials', null);
