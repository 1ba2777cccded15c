"""supabase_compat.sql: the Supabase roles, schemas and auth functions; idempotent."""

from __future__ import annotations

import psycopg

from dbharness import compat

SIGNATURE = """
select
  (select json_agg(json_build_array(rolname, rolcanlogin, rolinherit, rolbypassrls) order by rolname)
     from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')),
  (select json_agg(json_build_array(proname, md5(prosrc), proacl::text) order by proname)
     from pg_proc where pronamespace = 'auth'::regnamespace),
  (select json_agg(json_build_array(nspname, nspacl::text) order by nspname)
     from pg_namespace where nspname in ('public', 'auth', 'extensions')),
  (select json_agg(json_build_array(defaclobjtype, defaclacl::text) order by defaclobjtype)
     from pg_default_acl),
  (select json_agg(json_build_array(extname, extnamespace::regnamespace::text) order by extname)
     from pg_extension),
  (select json_agg(attname order by attnum) from pg_attribute
     where attrelid = 'auth.users'::regclass and attnum > 0),
  (select json_agg(setconfig) from pg_db_role_setting)
"""


def signature(conn: psycopg.Connection) -> tuple:
    return conn.execute(SIGNATURE).fetchone()


def test_applying_twice_changes_nothing(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        first = signature(conn)
        compat.install(conn)
        assert signature(conn) == first


def test_roles_as_on_supabase(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        roles = {r[0]: r[1:] for r in conn.execute(
            "select rolname, rolcanlogin, rolinherit, rolbypassrls from pg_roles "
            "where rolname in ('anon', 'authenticated', 'service_role', 'authenticator')")}
        assert roles["anon"][0] is False and roles["authenticated"][0] is False
        assert roles["service_role"] == (False, False, True)
        assert roles["authenticator"][:2] == (True, False)
        members = {r[0] for r in conn.execute(
            "select b.rolname from pg_auth_members m join pg_roles a on a.oid = m.member "
            "join pg_roles b on b.oid = m.roleid where a.rolname = 'authenticator'")}
        assert members == {"anon", "authenticated", "service_role"}


def test_auth_functions_read_both_claim_styles(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("select set_config('request.jwt.claims', "
                     "'{\"sub\": \"11111111-1111-4111-8111-111111111111\", \"role\": \"authenticated\", "
                     "\"email\": \"a@b.c\"}', true)")
        row = conn.execute("select auth.uid()::text, auth.role(), auth.email(), auth.jwt() ->> 'email'").fetchone()
        assert row == ("11111111-1111-4111-8111-111111111111", "authenticated", "a@b.c", "a@b.c")
        conn.rollback()
        conn.execute("select set_config('request.jwt.claim.sub', '22222222-2222-4222-8222-222222222222', true)")
        conn.execute("select set_config('request.jwt.claim.role', 'service_role', true)")
        assert conn.execute("select auth.uid()::text, auth.role()").fetchone() == (
            "22222222-2222-4222-8222-222222222222", "service_role")
        conn.rollback()
        assert conn.execute("select auth.uid(), auth.role(), auth.jwt()").fetchone() == (None, None, None)


def test_extensions_and_default_privileges(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        exts = dict(conn.execute("select extname, extnamespace::regnamespace::text from pg_extension"))
        assert exts["pgcrypto"] == "extensions" and exts["uuid-ossp"] == "extensions"
        conn.execute("create table public.t (a int)")
        privs = {r[0] for r in conn.execute(
            "select grantee from information_schema.role_table_grants where table_name = 't'")}
        assert {"anon", "authenticated", "service_role"} <= privs
        cols = {r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'auth' "
            "and table_name = 'users'")}
        assert {"id", "email", "phone", "raw_app_meta_data", "raw_user_meta_data",
                "created_at", "updated_at"} <= cols
