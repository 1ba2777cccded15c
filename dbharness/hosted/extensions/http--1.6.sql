-- http, offline (dbharness): pgsql-http's interface with no network.
--
-- What: in the schema the extension is created in (Supabase: extensions), pgsql-http's types
--   (http_method, content_type, http_header, http_request, http_response) and functions (http,
--   http_get, http_post, http_put, http_patch, http_delete, http_head, http_header, urlencode,
--   the curl option functions, text_to_bytea, bytea_to_text). A request is recorded in
--   http_offline_requests and answered from http_offline_responses: the newest row whose method
--   is null or the request's and whose uri_like matches the URL (SQL LIKE); with none, the answer
--   is status 503 with a body that says the request never left the server.
-- Why: functions that call http_get or http_post must apply and run on a machine with no
--   network, and a pgTAP test can give them the answer it needs and assert what they sent:
--     insert into extensions.http_offline_responses (uri_like, status, content)
--       values ('https://api.example.com/%', 200, '{"ok": true}');
-- Installed into the server's extension directory by `dbharness setup`; the real http replaces it
--   on the docker engine and on Supabase.

\echo Use "CREATE EXTENSION http" to load this file. \quit

create domain @extschema@.http_method as text;
create domain @extschema@.content_type as text check (value ~ '^\S+\/\S+');
create type @extschema@.http_header as (field character varying, value character varying);
create type @extschema@.http_request as (
  method @extschema@.http_method,
  uri character varying,
  headers @extschema@.http_header[],
  content_type character varying,
  content character varying
);
create type @extschema@.http_response as (
  status integer,
  content_type character varying,
  headers @extschema@.http_header[],
  content character varying
);

create table @extschema@.http_offline_requests (
  id bigint generated always as identity primary key,
  requested_at timestamptz not null default now(),
  method text not null,
  uri text not null,
  headers @extschema@.http_header[],
  content_type text,
  content text
);

create table @extschema@.http_offline_responses (
  id bigint generated always as identity primary key,
  method text,
  uri_like text not null,
  status integer not null default 200,
  content_type text not null default 'application/json',
  headers @extschema@.http_header[] not null default '{}',
  content text
);

create function @extschema@.http(request @extschema@.http_request) returns @extschema@.http_response
  language plpgsql security definer
  as $fn$
  declare
    answer @extschema@.http_response;
  begin
    if request.uri is null or request.uri = '' then
      raise exception 'http: a request needs a URI' using errcode = '22023';
    end if;
    insert into @extschema@.http_offline_requests (method, uri, headers, content_type, content)
      values (upper(coalesce(request.method, 'GET')), request.uri, request.headers,
              request.content_type, request.content);
    select r.status, r.content_type, r.headers, r.content into answer
      from @extschema@.http_offline_responses r
      where (r.method is null or upper(r.method) = upper(coalesce(request.method, 'GET')))
        and request.uri like r.uri_like
      order by r.id desc
      limit 1;
    if not found then
      answer := row(503, 'text/plain', '{}'::@extschema@.http_header[],
                    'dbharness offline http: no request leaves this server; insert an answer into '
                    'http_offline_responses')::@extschema@.http_response;
    end if;
    return answer;
  end
  $fn$;

create function @extschema@.http_header(field character varying, value character varying)
  returns @extschema@.http_header
  language sql immutable
  as $fn$ select row(field, value)::@extschema@.http_header $fn$;

create function @extschema@.urlencode(string character varying) returns text
  language plpgsql immutable strict
  as $fn$
  declare
    b bytea := pg_catalog.convert_to(string, 'utf8');
    out text := '';
    c integer;
  begin
    for i in 0 .. pg_catalog.length(b) - 1 loop
      c := pg_catalog.get_byte(b, i);
      if (c between 48 and 57) or (c between 65 and 90) or (c between 97 and 122) or c in (45, 46, 95, 126) then
        out := out || pg_catalog.chr(c);
      else
        out := out || '%' || pg_catalog.upper(pg_catalog.lpad(pg_catalog.to_hex(c), 2, '0'));
      end if;
    end loop;
    return out;
  end
  $fn$;

create function @extschema@.urlencode(string bytea) returns text
  language sql immutable strict
  as $fn$ select @extschema@.urlencode(pg_catalog.convert_from(string, 'utf8')::character varying) $fn$;

create function @extschema@.urlencode(data jsonb) returns text
  language sql immutable strict
  as $fn$
    select coalesce(pg_catalog.string_agg(@extschema@.urlencode(key::character varying) || '='
                                          || @extschema@.urlencode(value::character varying), '&'
                                          order by key), '')
    from pg_catalog.jsonb_each_text(data)
  $fn$;

create function @extschema@.http_get(uri character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('GET', uri, null, null, null)::@extschema@.http_request) $fn$;

create function @extschema@.http_get(uri character varying, data jsonb) returns @extschema@.http_response
  language sql
  as $fn$
    select @extschema@.http(row('GET', uri || '?' || @extschema@.urlencode(data), null, null,
                                null)::@extschema@.http_request)
  $fn$;

create function @extschema@.http_post(uri character varying, content character varying,
                                      content_type character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('POST', uri, null, content_type, content)::@extschema@.http_request) $fn$;

create function @extschema@.http_post(uri character varying, data jsonb) returns @extschema@.http_response
  language sql
  as $fn$
    select @extschema@.http(row('POST', uri, null, 'application/x-www-form-urlencoded',
                                @extschema@.urlencode(data))::@extschema@.http_request)
  $fn$;

create function @extschema@.http_put(uri character varying, content character varying,
                                     content_type character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('PUT', uri, null, content_type, content)::@extschema@.http_request) $fn$;

create function @extschema@.http_patch(uri character varying, content character varying,
                                       content_type character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('PATCH', uri, null, content_type, content)::@extschema@.http_request) $fn$;

create function @extschema@.http_delete(uri character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('DELETE', uri, null, null, null)::@extschema@.http_request) $fn$;

create function @extschema@.http_delete(uri character varying, content character varying,
                                        content_type character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('DELETE', uri, null, content_type, content)::@extschema@.http_request) $fn$;

create function @extschema@.http_head(uri character varying) returns @extschema@.http_response
  language sql
  as $fn$ select @extschema@.http(row('HEAD', uri, null, null, null)::@extschema@.http_request) $fn$;

-- Curl options change nothing offline: setting one succeeds, and none is ever listed.
create function @extschema@.http_set_curlopt(curlopt character varying, value character varying)
  returns boolean
  language sql
  as $fn$ select true $fn$;

create function @extschema@.http_reset_curlopt() returns boolean
  language sql
  as $fn$ select true $fn$;

create function @extschema@.http_list_curlopt() returns table (curlopt text, value text)
  language sql
  as $fn$ select null::text, null::text where false $fn$;

create function @extschema@.text_to_bytea(data text) returns bytea
  language sql immutable strict
  as $fn$ select pg_catalog.convert_to(data, 'utf8') $fn$;

create function @extschema@.bytea_to_text(data bytea) returns text
  language sql immutable strict
  as $fn$ select pg_catalog.convert_from(data, 'utf8') $fn$;

alter function @extschema@.http(@extschema@.http_request) set search_path = pg_catalog;
grant select on @extschema@.http_offline_requests to public;
grant select, insert, update, delete on @extschema@.http_offline_responses to public;
