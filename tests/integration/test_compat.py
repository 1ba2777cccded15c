"""supabase_compat.sql: the Supabase roles, schemas and auth functions; idempotent."""

from __future__ import annotations

import psycopg
import pytest

from dbharness.hosted import compat
from tests.platform_schemas.facts import facts

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
        first, first_facts = signature(conn), facts(conn)
        compat.install(conn)
        assert signature(conn) == first
        assert facts(conn) == first_facts  # auth, storage and realtime, object by object


# The bare supabase/postgres image before GoTrue's migrations, as tests/docker/init.sql stands it in:
# an older auth.users and auth.uid() reading request.jwt.claim.sub only.
BARE_IMAGE_AUTH = [
    "create schema auth authorization supabase_admin",
    "create table auth.users (instance_id uuid, id uuid not null primary key, email varchar(255) unique, "
    "confirmed_at timestamptz, email_change_token varchar(255), raw_app_meta_data jsonb)",
    "create function auth.uid() returns uuid language sql stable "
    "as $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$",
    "alter table auth.users owner to supabase_auth_admin",
    "alter function auth.uid() owner to supabase_auth_admin",
]


def test_on_the_bare_image_compat_adds_the_newer_auth_tables_and_keeps_what_is_there(server):
    from dbharness.builder import database

    with database.scratch(server, "bareimage") as db, \
            psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
        for statement in BARE_IMAGE_AUTH:
            admin.execute(statement)
        uid_source = admin.execute("select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure").fetchone()
        compat.install(admin)
        cols = [r[0] for r in admin.execute(
            "select attname from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0 order by attnum")]
        assert cols == ["instance_id", "id", "email", "confirmed_at", "email_change_token", "raw_app_meta_data"]
        assert admin.execute("select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure"
                             ).fetchone() == uid_source
        owners = dict(admin.execute(
            "select c.relname, pg_get_userbyid(c.relowner) from pg_class c where c.relnamespace = 'auth'::regnamespace "
            "and c.relname in ('saml_relay_states', 'mfa_factors', 'sessions', 'one_time_tokens')").fetchall())
        assert set(owners.values()) == {"supabase_auth_admin"} and len(owners) == 4
        again = facts(admin)
        compat.install(admin)
        assert facts(admin) == again


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


def test_postgres_is_the_platforms_postgres_not_a_superuser(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        attrs = conn.execute("select rolsuper, rolcanlogin, rolcreaterole, rolcreatedb, rolreplication, "
                             "rolbypassrls from pg_roles where rolname = 'postgres'").fetchone()
        assert attrs == (False, True, True, True, True, True)
        assert conn.execute("select rolsuper from pg_roles where rolname = 'supabase_admin'").fetchone() == (True,)
        assert conn.execute("select current_user").fetchone() == ("postgres",)
        for role in ("anon", "authenticated", "service_role"):
            conn.execute(f"set role {role}")  # the SQL editor's and pgTAP suites' way to test RLS
        conn.execute("reset role")
        services = {r[0] for r in conn.execute(
            "select rolname from pg_roles where rolname in ('supabase_auth_admin', 'supabase_storage_admin', "
            "'supabase_functions_admin', 'dashboard_user', 'authenticator', 'pgbouncer')")}
        assert len(services) == 6


def test_managed_objects_are_owned_as_on_the_platform(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        owners = dict(conn.execute(
            "select c.oid::regclass::text, pg_get_userbyid(c.relowner) from pg_class c "
            "where c.oid::regclass::text in ('auth.users', 'auth.identities', 'storage.objects', "
            "'storage.buckets', 'realtime.messages')").fetchall())
        assert owners == {"auth.users": "supabase_auth_admin", "auth.identities": "supabase_auth_admin",
                          "storage.objects": "supabase_storage_admin", "storage.buckets": "supabase_storage_admin",
                          "realtime.messages": "supabase_realtime_admin"}
        schemas = dict(conn.execute("select nspname, pg_get_userbyid(nspowner) from pg_namespace "
                                    "where nspname in ('auth', 'storage', 'public', 'extensions')").fetchall())
        assert schemas == {"auth": "supabase_admin", "storage": "supabase_admin", "public": "postgres",
                           "extensions": "supabase_admin"}
        assert conn.execute("select pg_get_userbyid(pubowner) from pg_publication "
                            "where pubname = 'supabase_realtime'").fetchone() == ("postgres",)
        rls = dict(conn.execute("select oid::regclass::text, relrowsecurity from pg_class "
                                "where oid in ('storage.objects'::regclass, 'auth.users'::regclass)").fetchall())
        assert rls == {"storage.objects": True, "auth.users": True}


def test_database_webhooks_are_made_only_when_the_project_enables_them(server):
    from dbharness.builder import database
    from dbharness.hosted import compat

    made = ("select pg_catalog.to_regnamespace('supabase_functions') is not null, "
            "exists (select from pg_extension where extname = 'pg_net')")
    with database.scratch(server, "no_hooks") as db, \
            psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
        compat.install(admin)
        assert admin.execute(made).fetchone() == (False, False)
        compat.install(admin, frozenset({"webhooks"}))
        assert admin.execute(made).fetchone() == (True, True)
        owner = admin.execute("select pg_get_userbyid(relowner) from pg_class "
                              "where oid = 'supabase_functions.hooks'::regclass").fetchone()
        assert owner == ("supabase_functions_admin",)


def test_auth_users_has_the_columns_gotrue_seeds_write(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        cols = {r[0] for r in conn.execute(
            "select attname from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0")}
        assert {"confirmation_token", "recovery_token", "email_change_token_new", "email_change",
                "email_change_token_current", "reauthentication_token", "is_sso_user", "confirmed_at",
                "phone_change", "banned_until", "deleted_at", "is_anonymous"} <= cols
        identity = {r[0] for r in conn.execute(
            "select attname from pg_attribute where attrelid = 'auth.identities'::regclass and attnum > 0")}
        assert {"id", "provider_id", "user_id", "identity_data", "provider", "email"} <= identity


def test_vault_keeps_secrets_encrypted_at_rest(fresh_db):
    with psycopg.connect(fresh_db) as conn:
        conn.execute("select vault.create_secret('s3cret', 'k')")
        stored, plain = conn.execute("select s.secret, d.decrypted_secret from vault.secrets s "
                                     "join vault.decrypted_secrets d using (id) where s.name = 'k'").fetchone()
        assert plain == "s3cret" and "s3cret" not in stored
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # postgres reads every table, not the key
            conn.execute("select vault._root_key()")


def test_compat_creates_nothing_that_exists_even_in_another_shape(server):
    from dbharness.builder import database

    with database.scratch(server, "othershape") as db, \
            psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
        admin.execute("create schema auth")
        admin.execute("create table auth.users (id uuid primary key, email text)")
        compat.install(admin)
        cols = [r[0] for r in admin.execute(
            "select attname from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0 "
            "order by attnum")]
        assert cols == ["id", "email"]
        assert admin.execute("select to_regclass('auth.identities') is not null").fetchone() == (True,)


def test_a_failing_section_is_named_by_its_file_and_line_and_leaves_nothing(server, tmp_path, monkeypatch):
    from dbharness.builder import database
    from dbharness.errors import EngineError

    (tmp_path / "01_demo.sql").write_text(
        "-- a demo\n-- @provide schema demo_ok\ncreate schema demo_ok;\n"
        "-- @provide schema demo_bad\ncreate schema demo_bad;\n\nselect pg_catalog.no_such_function();\n")
    every = compat.sections
    monkeypatch.setattr(compat, "sections", lambda: every(tmp_path))
    with database.scratch(server, "failingcompat") as db, \
            psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
        with pytest.raises(EngineError, match=r"01_demo.sql:7: Supabase compat failed: function "
                                              r"pg_catalog.no_such_function\(\) does not exist"):
            compat.install(admin)
        assert admin.execute("select count(*) from pg_namespace where nspname like 'demo_%'").fetchone() == (0,)
