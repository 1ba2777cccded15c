-- The roles of a hosted Supabase database, with the attributes and memberships they have there.
--
-- What: postgres (the role migrations run as: no superuser, but CREATEROLE, CREATEDB,
--   REPLICATION, BYPASSRLS), the API roles (anon, authenticated, service_role), the login role
--   PostgREST uses (authenticator), the service owners (supabase_auth_admin,
--   supabase_storage_admin, supabase_functions_admin, supabase_realtime_admin), dashboard_user,
--   pgbouncer and supabase_replication_admin. supabase_admin is the bootstrap superuser of the
--   local engine (initdb -U supabase_admin), as on the platform.
-- Why: migrations grant to these roles, and a migration that needs superuser must fail here as
--   it fails on Supabase.
-- Each section runs only when its object is missing (see compat.py), so nothing the real image
--   already has is created or changed.

-- @provide role supabase_admin
create role supabase_admin superuser createdb createrole replication bypassrls login;

-- @provide role postgres
create role postgres login createrole createdb replication bypassrls nosuperuser;
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;

-- @provide role anon
create role anon nologin noinherit;
alter role anon set statement_timeout = '3s';

-- @provide role authenticated
create role authenticated nologin noinherit;
alter role authenticated set statement_timeout = '8s';

-- @provide role service_role
create role service_role nologin noinherit bypassrls;

-- @provide role authenticator
create role authenticator login noinherit;
alter role authenticator set statement_timeout = '8s';
grant anon, authenticated, service_role to authenticator;

-- @provide role supabase_auth_admin
create role supabase_auth_admin login noinherit createrole noreplication;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_auth_admin set idle_in_transaction_session_timeout = '60s';

-- @provide role supabase_storage_admin
create role supabase_storage_admin login noinherit createrole noreplication;
alter role supabase_storage_admin set search_path = storage;
grant authenticator to supabase_storage_admin;

-- @provide role supabase_functions_admin
create role supabase_functions_admin login noinherit createrole noreplication;

-- @provide role supabase_realtime_admin
create role supabase_realtime_admin nologin noinherit;

-- @provide role supabase_replication_admin
create role supabase_replication_admin login replication;

-- @provide role dashboard_user
create role dashboard_user nosuperuser createdb createrole replication;

-- @provide role pgbouncer
create role pgbouncer login;

-- @provide membership postgres authenticated
-- The SQL editor and pgTAP suites switch to the API roles with SET ROLE, as postgres.
grant anon, authenticated, service_role to postgres;
