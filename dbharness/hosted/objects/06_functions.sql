-- Database webhooks (supabase_functions), as the dashboard creates them when they are enabled.
-- @opt-in webhooks
--
-- Made only for a project that sets `webhooks = true` in [tool.dbharness]: a new Supabase project
--   has no supabase_functions schema until database webhooks are enabled, and a project may
--   create that schema itself. Enabling them also enables pg_net (in schema extensions).
-- What: the supabase_functions schema with its hooks and migrations tables and the trigger
--   function supabase_functions.http_request(url, method, headers, params, timeout_ms), which
--   queues the request through pg_net and records it in supabase_functions.hooks.
-- Why: projects dumped from the platform carry webhook triggers
--   (`execute function supabase_functions.http_request('https://...', 'POST', ...)`).
-- The request goes to pg_net's queue; the local engine's pg_net is the offline one (never sent).

-- @provide extension pg_net
create extension pg_net with schema extensions;

-- @provide schema supabase_functions
create schema supabase_functions authorization supabase_admin;
grant usage on schema supabase_functions to postgres, anon, authenticated, service_role;
grant all on schema supabase_functions to supabase_functions_admin;

-- @provide table supabase_functions.migrations
create table supabase_functions.migrations (
  version text not null primary key,
  inserted_at timestamptz not null default now()
);

-- @provide table supabase_functions.hooks
create table supabase_functions.hooks (
  id bigserial primary key,
  hook_table_id integer not null,
  hook_name text not null,
  created_at timestamptz not null default now(),
  request_id bigint
);
create index supabase_functions_hooks_request_id_idx on supabase_functions.hooks using btree (request_id);
create index supabase_functions_hooks_h_table_id_h_name_idx
  on supabase_functions.hooks using btree (hook_table_id, hook_name);
comment on table supabase_functions.hooks is
  'Supabase Functions Hooks: Audit trail for triggered hooks.';

-- @provide function supabase_functions.http_request()
-- The trigger's arguments: url, method (GET or POST), headers and params as JSON text, timeout in ms.
create function supabase_functions.http_request() returns trigger
  language plpgsql security definer set search_path = supabase_functions
  as $fn$
  declare
    request_id bigint;
    payload jsonb;
    url text := tg_argv[0]::text;
    method text := tg_argv[1]::text;
    headers jsonb default '{}'::jsonb;
    params jsonb default '{}'::jsonb;
    timeout_ms integer default 1000;
  begin
    if url is null or url = 'null' then
      raise exception 'url argument is missing';
    end if;
    if method is null or method = 'null' then
      raise exception 'method argument is missing';
    end if;
    if tg_argv[2] is not null and tg_argv[2] <> 'null' then
      headers := tg_argv[2]::jsonb;
    end if;
    if tg_argv[3] is not null and tg_argv[3] <> 'null' then
      params := tg_argv[3]::jsonb;
    end if;
    if tg_argv[4] is not null and tg_argv[4] <> 'null' then
      timeout_ms := tg_argv[4]::integer;
    end if;
    case
      when method = 'GET' then
        select net.http_get(url, params, headers, timeout_ms) into request_id;
      when method = 'POST' then
        payload := jsonb_build_object(
          'old_record', old, 'record', new, 'type', tg_op,
          'table', tg_table_name, 'schema', tg_table_schema);
        select net.http_post(url, payload, params, headers, timeout_ms) into request_id;
      else
        raise exception 'method argument % is invalid', method;
    end case;
    insert into supabase_functions.hooks (hook_table_id, hook_name, request_id)
      values (tg_relid, tg_name, request_id);
    return new;
  end
  $fn$;

-- @provide owner supabase_functions supabase_functions_admin
select pg_temp.hand_over('supabase_functions', 'supabase_functions_admin');
grant all on all tables in schema supabase_functions to postgres, anon, authenticated, service_role;
grant all on all sequences in schema supabase_functions to postgres, anon, authenticated, service_role;
revoke all on function supabase_functions.http_request() from public;
grant execute on function supabase_functions.http_request() to postgres, anon, authenticated, service_role;
