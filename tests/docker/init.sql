-- The supabase/postgres stand-in's first-start script: what the real image has before any
-- project, where the harness depends on it.
--
-- What: postgres as on the platform (no superuser; CREATEROLE, CREATEDB, REPLICATION,
--   BYPASSRLS), the API roles, an auth schema postgres may not create in, with auth.users and the
--   bare image's auth.uid(), which reads request.jwt.claim.sub only (GoTrue's migrations, which
--   add the request.jwt.claims form, have not run on a bare image), and the extensions schema.
-- Why: the docker engine's tests must meet what the real image gives (see tests/docker).

create role postgres login createrole createdb replication bypassrls nosuperuser password :'pgpass';
grant pg_monitor, pg_read_all_data, pg_signal_backend to postgres;
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit password :'pgpass';
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
create role supabase_auth_admin login noinherit createrole noreplication password :'pgpass';

create schema extensions authorization supabase_admin;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
create extension pgcrypto with schema extensions;
create extension "uuid-ossp" with schema extensions;

create schema auth authorization supabase_admin;
grant usage on schema auth to postgres, anon, authenticated, service_role;
grant all on schema auth to supabase_auth_admin;
create table auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255) unique,
  encrypted_password varchar(255),
  confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz
);
create function auth.uid() returns uuid language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
create function auth.role() returns text language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.role', true), '')::text $$;
create function auth.email() returns text language sql stable
  as $$ select nullif(current_setting('request.jwt.claim.email', true), '')::text $$;
alter table auth.users owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
grant all on auth.users to postgres;

alter schema public owner to postgres;
grant create, connect, temporary on database postgres to postgres;
alter default privileges for role postgres in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges for role postgres in schema public grant all on functions to anon, authenticated, service_role;
alter role postgres set search_path = "$user", public, extensions;
create publication supabase_realtime;
alter publication supabase_realtime owner to postgres;
