-- Supabase Realtime as migrations meet it.
--
-- What: the supabase_realtime publication (owned by postgres, no tables, so
--   `alter publication supabase_realtime add table ...` works as on the platform), and the
--   realtime schema with realtime.messages (Broadcast authorization policies are written on it)
--   and realtime.topic().
-- Why: projects add their tables to supabase_realtime and write policies on realtime.messages.
-- Simplified: on the platform realtime.messages is partitioned by day; here it is one table.

-- @provide publication supabase_realtime
create publication supabase_realtime;
alter publication supabase_realtime owner to postgres;

-- @provide schema realtime
create schema realtime authorization supabase_admin;
grant usage on schema realtime to postgres with grant option;
grant usage on schema realtime to anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin;

-- @provide table realtime.messages
create table realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  primary key (id, inserted_at)
);
alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
grant all on realtime.messages to postgres, dashboard_user, service_role;
grant select, insert, update on realtime.messages to anon, authenticated;

-- @provide function realtime.topic()
create function realtime.topic() returns text
  language sql stable
  as $fn$ select nullif(current_setting('realtime.topic', true), '')::text $fn$;
alter function realtime.topic() owner to supabase_realtime_admin;
grant execute on function realtime.topic() to postgres, anon, authenticated, service_role;
