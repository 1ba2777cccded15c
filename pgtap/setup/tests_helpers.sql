-- SQL helpers for the pgTAP suite, installed by the harness in the throwaway database only
-- (never a migration): create users and act as anon, a user or service_role, the way
-- PostgREST does it (role plus request.jwt.claims). The claims are also set one by one
-- (request.jwt.claim.sub, .role, .email), as Supabase's own test helpers do: the auth.uid() of a
-- bare supabase/postgres image, before GoTrue's migrations, reads only request.jwt.claim.sub.

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

create or replace function tests.create_user(p_email text, p_id uuid default gen_random_uuid())
returns uuid
language plpgsql security definer set search_path = ''
as $$
begin
  insert into auth.users (id, email, aud, role, raw_app_meta_data, raw_user_meta_data,
                          created_at, updated_at)
  values (p_id, p_email, 'authenticated', 'authenticated', '{}'::jsonb, '{}'::jsonb, now(), now());
  insert into public.profiles (user_id, display_name) values (p_id, split_part(p_email, '@', 1));
  return p_id;
end
$$;

create or replace function tests.set_claims(p_sub text, p_role text, p_email text)
returns void
language plpgsql
as $$
begin
  perform set_config('request.jwt.claims', case when p_role is null then '' else
    json_strip_nulls(json_build_object('sub', p_sub, 'role', p_role, 'email', p_email))::text end, true);
  perform set_config('request.jwt.claim.sub', coalesce(p_sub, ''), true);
  perform set_config('request.jwt.claim.role', coalesce(p_role, ''), true);
  perform set_config('request.jwt.claim.email', coalesce(p_email, ''), true);
end
$$;

create or replace function tests.authenticate_as(p_user uuid)
returns void
language plpgsql
as $$
declare
  v_email text;
begin
  -- back to the session user first, so the e-mail can be read whoever we were acting as
  perform set_config('role', 'none', true);
  select u.email into v_email from auth.users u where u.id = p_user;
  perform tests.set_claims(p_user::text, 'authenticated', v_email);
  perform set_config('role', 'authenticated', true);
end
$$;

create or replace function tests.authenticate_as_anon()
returns void
language plpgsql
as $$
begin
  perform tests.set_claims(null, 'anon', null);
  perform set_config('role', 'anon', true);
end
$$;

create or replace function tests.authenticate_as_service_role()
returns void
language plpgsql
as $$
begin
  perform tests.set_claims(null, 'service_role', null);
  perform set_config('role', 'service_role', true);
end
$$;

create or replace function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'none', true);
  perform tests.set_claims(null, null, null);
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

create or replace function tests.column_comment(p_table regclass, p_column text)
returns text
language sql stable
as $$
  select pg_catalog.col_description(p_table, a.attnum)
    from pg_catalog.pg_attribute a
   where a.attrelid = p_table and a.attname = p_column and not a.attisdropped
$$;

create or replace function tests.table_comment(p_table regclass)
returns text
language sql stable
as $$
  select pg_catalog.obj_description(p_table, 'pg_class')
$$;

create or replace function tests.index_def(p_index text)
returns text
language sql stable
as $$
  select pg_catalog.pg_get_indexdef(to_regclass(p_index))
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;
