-- pg_net, offline (dbharness): the interface of Supabase's pg_net with no background worker.
--
-- What: schema net, the request queue and response tables, and net.http_get, net.http_post and
--   net.http_delete with pg_net's signatures and defaults. A call validates its arguments as
--   pg_net does, appends the URL-encoded params to the URL, queues the request and returns its
--   id; nothing is ever sent and no response ever arrives.
-- Why: triggers and functions that call pg_net must apply and run on a machine with no network,
--   and a pgTAP test can assert what was queued:
--     select results_eq('select method, url from net.http_request_queue', ...).
-- Installed into the server's extension directory by `dbharness setup`; the real pg_net replaces it
--   on the docker engine and on Supabase.

\echo Use "CREATE EXTENSION pg_net" to load this file. \quit

create schema net;

create domain net.http_method as text
  check (value ilike 'get' or value ilike 'post' or value ilike 'delete');

create table net.http_request_queue (
  id bigserial,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create unlogged table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
create index on net._http_response (created);

create function net._encode_url_with_params_array(url text, params jsonb) returns text
  language sql immutable
  as $fn$
    select case
      when params is null or params = '{}'::jsonb then url
      else url || case when strpos(url, '?') > 0 then '&' else '?' end || (
        select string_agg(net._urlencode_string(key) || '=' || net._urlencode_string(value), '&')
        from jsonb_each_text(params))
    end
  $fn$;

create function net._urlencode_string(string text) returns text
  language sql immutable strict
  as $fn$
    select string_agg(
      case
        when ch ~ '^[A-Za-z0-9_.~-]$' then ch
        else (select string_agg('%' || upper(lpad(to_hex(b), 2, '0')), '')
              from (select get_byte(convert_to(ch, 'UTF8'), i) as b
                    from generate_series(0, octet_length(convert_to(ch, 'UTF8')) - 1) as i) as bytes)
      end, '' order by n)
    from regexp_split_to_table(string, '') with ordinality as chars(ch, n)
  $fn$;

create function net._queue(method text, url text, params jsonb, headers jsonb, body bytea,
                           timeout_milliseconds integer) returns bigint
  language plpgsql
  as $fn$
  declare
    request_id bigint;
  begin
    if url is null then
      raise exception 'url must not be null';
    end if;
    if timeout_milliseconds is null or timeout_milliseconds <= 0 then
      raise exception 'timeout_milliseconds must be a positive integer';
    end if;
    insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
      values (method, net._encode_url_with_params_array(url, params), coalesce(headers, '{}'::jsonb),
              body, timeout_milliseconds)
      returning id into request_id;
    return request_id;
  end
  $fn$;

create function net.http_get(url text, params jsonb default '{}'::jsonb,
                             headers jsonb default '{}'::jsonb,
                             timeout_milliseconds integer default 5000) returns bigint
  language plpgsql strict volatile parallel safe security definer set search_path = net
  as $fn$
  begin
    return net._queue('GET', url, params, headers, null, timeout_milliseconds);
  end
  $fn$;

create function net.http_post(url text, body jsonb default '{}'::jsonb,
                              params jsonb default '{}'::jsonb,
                              headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
                              timeout_milliseconds integer default 5000) returns bigint
  language plpgsql volatile parallel safe security definer set search_path = net
  as $fn$
  declare
    content_type text;
  begin
    select value into content_type from jsonb_each_text(coalesce(headers, '{}'::jsonb))
      where lower(key) = 'content-type' limit 1;
    if content_type is null then
      headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
    elsif content_type <> 'application/json' then
      raise exception 'Content-Type header must be "application/json"';
    end if;
    return net._queue('POST', url, params, headers, convert_to(body::text, 'UTF8'),
                      timeout_milliseconds);
  end
  $fn$;

create function net.http_delete(url text, params jsonb default '{}'::jsonb,
                                headers jsonb default '{}'::jsonb,
                                timeout_milliseconds integer default 5000,
                                body jsonb default null) returns bigint
  language plpgsql volatile parallel safe security definer set search_path = net
  as $fn$
  begin
    return net._queue('DELETE', url, params, headers, convert_to(body::text, 'UTF8'),
                      timeout_milliseconds);
  end
  $fn$;

-- No worker runs offline: these answer as pg_net's do when its worker is up.
create function net.worker_restart() returns boolean
  language sql security definer set search_path = net
  as $fn$ select true $fn$;

create function net.wait_until_running() returns void
  language sql security definer set search_path = net
  as $fn$ select $fn$;

revoke all on schema net from public;
revoke all on all functions in schema net from public;
do $grants$
declare
  r text;
begin
  for r in select rolname from pg_catalog.pg_roles
           where rolname in ('postgres', 'anon', 'authenticated', 'service_role', 'supabase_functions_admin')
  loop
    execute format('grant usage on schema net to %I', r);
    execute format('grant execute on function net.http_get(text, jsonb, jsonb, integer), '
                   'net.http_post(text, jsonb, jsonb, jsonb, integer), '
                   'net.http_delete(text, jsonb, jsonb, integer, jsonb) to %I', r);
  end loop;
end
$grants$;
