-- Supabase compatibility for a vanilla PostgreSQL.
--
-- What: the roles, schemas, auth.* objects, extensions and default privileges that every
--   Supabase database has and a plain initdb cluster lacks.
-- Why: migrations written for Supabase (policies "to authenticated", auth.uid() in RLS,
--   auth.users as a foreign-key target) must run unchanged on the harness's throwaway server.
-- Idempotent: every object is created only when missing, so a second run and a run on the
--   real supabase/postgres image change nothing (a test compares catalog snapshots).
-- Definitions of auth.uid(), auth.role(), auth.email() and auth.jwt() follow Supabase's own:
--   read request.jwt.claims (the JSON that PostgREST sets) and fall back to the older
--   request.jwt.claim.<name> settings.

do $compat$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
  -- On the platform the managed schemas (auth, storage, ...) belong to supabase_admin; the
  -- Supabase CLI's remote `db reset` keeps exactly the schemas that role owns.
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'supabase_admin') then
    create role supabase_admin nologin;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  if not pg_catalog.pg_has_role('authenticator', 'anon', 'member') then
    grant anon to authenticator;
  end if;
  if not pg_catalog.pg_has_role('authenticator', 'authenticated', 'member') then
    grant authenticated to authenticator;
  end if;
  if not pg_catalog.pg_has_role('authenticator', 'service_role', 'member') then
    grant service_role to authenticator;
  end if;
end
$compat$;

create schema if not exists auth;
create schema if not exists extensions;
do $compat$
begin
  -- only when this run created it: on the real image auth already belongs to supabase_admin
  if (select nspowner from pg_catalog.pg_namespace where nspname = 'auth') = current_user::regrole then
    alter schema auth owner to supabase_admin;
  end if;
end
$compat$;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  phone text default null,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  last_sign_in_at timestamptz,
  is_anonymous boolean not null default false
);

do $compat$
begin
  if pg_catalog.to_regprocedure('auth.uid()') is null then
    create function auth.uid() returns uuid
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.sub', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $fn$;
  end if;
  if pg_catalog.to_regprocedure('auth.role()') is null then
    create function auth.role() returns text
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.role', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
      $fn$;
  end if;
  if pg_catalog.to_regprocedure('auth.email()') is null then
    create function auth.email() returns text
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim.email', true), ''),
          (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
        )::text
      $fn$;
  end if;
  if pg_catalog.to_regprocedure('auth.jwt()') is null then
    create function auth.jwt() returns jsonb
      language sql stable
      as $fn$
        select coalesce(
          nullif(current_setting('request.jwt.claim', true), ''),
          nullif(current_setting('request.jwt.claims', true), '')
        )::jsonb
      $fn$;
  end if;
end
$compat$;

-- Supabase lets the API roles reach these schemas; RLS then decides which rows they see.
grant usage on schema public to anon, authenticated, service_role;
grant usage on schema auth to anon, authenticated, service_role;
grant usage on schema extensions to anon, authenticated, service_role;

-- As on Supabase: new objects in public are reachable by the API roles unless a migration revokes.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

-- Supabase's postgres role searches extensions after public; set it only where nothing is set.
do $compat$
begin
  if not exists (
    select 1 from pg_catalog.pg_db_role_setting s
    join pg_catalog.pg_roles r on r.oid = s.setrole
    where r.rolname = current_user and s.setdatabase = 0
  ) then
    execute format('alter role %I set search_path = "$user", public, extensions', current_user);
  end if;
end
$compat$;
