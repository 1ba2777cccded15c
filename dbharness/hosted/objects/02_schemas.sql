-- The schemas every Supabase database has, owned and granted as on the platform.
--
-- What: public belongs to postgres; extensions (where pgcrypto and uuid-ossp live), auth,
--   storage, realtime, graphql_public, supabase_functions, vault and pgbouncer belong to
--   supabase_admin; postgres may create in public and extensions and in the database (schemas,
--   publications) but not in the managed schemas.
-- Why: migrations written for Supabase rely on these grants; a migration that creates objects in
--   auth or storage fails on the platform (permission denied for schema auth) and must fail here.
-- Each section runs only when its object is missing (see compat.py).

-- @provide database-grant postgres
do $compat$
begin
  execute format('grant create, connect, temporary on database %I to postgres', current_database());
end
$compat$;

-- @provide public-owner postgres
alter schema public owner to postgres;

-- @provide schema extensions
create schema extensions authorization supabase_admin;
grant usage on schema extensions to postgres with grant option;
grant usage on schema extensions to anon, authenticated, service_role, dashboard_user;
grant create on schema extensions to postgres;
alter default privileges for role supabase_admin in schema extensions
  grant all on tables to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on sequences to postgres with grant option;
alter default privileges for role supabase_admin in schema extensions
  grant all on functions to postgres with grant option;

-- @provide extension pgcrypto
create extension pgcrypto with schema extensions;

-- @provide extension uuid-ossp
create extension "uuid-ossp" with schema extensions;

-- @provide schema graphql_public
create schema graphql_public authorization supabase_admin;
grant usage on schema graphql_public to postgres, anon, authenticated, service_role;

-- @provide default-privileges postgres public
-- As on Supabase: new objects in public are reachable by the API roles unless a migration revokes.
grant usage on schema public to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role supabase_admin in schema public grant all on functions to postgres, anon, authenticated, service_role;

-- @provide role-setting postgres search_path
alter role postgres set search_path = "$user", public, extensions;

-- @provide schema pgbouncer
create schema pgbouncer authorization pgbouncer;
create function pgbouncer.get_auth(p_usename text) returns table (username text, password text)
  language plpgsql security definer set search_path = ''
  as $fn$
  begin
    return query
      select rolname::text, case when rolvaliduntil < now() then null else rolpassword::text end
      from pg_catalog.pg_authid where rolname = p_usename;
  end
  $fn$;
alter function pgbouncer.get_auth(text) owner to supabase_admin;
revoke all on function pgbouncer.get_auth(text) from public;
grant execute on function pgbouncer.get_auth(text) to pgbouncer;
