"""Supabase-shaped projects (tests/platform) applied by `dbharness test` as a user would, verdict by verdict."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from junitparser import JUnitXml

from dbharness import config
from dbharness.builder import database
from dbharness.suite import pgtap
from tests.support import REPO, run_invoke

FIXTURES = REPO / "tests" / "platform"


def copy_fixture(name: str, dest: Path) -> Path:
    """A copy of the fixture project, so its reports are written under tmp_path."""
    return Path(shutil.copytree(FIXTURES / name, dest / name))


@pytest.mark.parametrize("name, passed", [
    ("storage", 12),       # buckets with limits, policies with storage.foldername() and owner_id, no direct delete
    ("auth_trigger", 4),   # handle_new_user on auth.users; a seed that makes a user and its identity
    ("realtime", 10),      # the publication; Broadcast policies; realtime.send, broadcast_changes in a trigger
    ("auth_dump", 11),     # a pulled schema's grants, keys and trigger on GoTrue's newer tables
    ("cron", 4),           # create extension pg_cron (offline 1.6); cron.schedule, also in seconds
    ("webhooks", 5),       # webhooks = true: net.http_post in a trigger; supabase_functions.http_request
    ("vault", 3),          # vault.create_secret; a function reading vault.decrypted_secrets
    ("stub", 2),           # a platform dump's extensions, pg_graphql declared stubbed
    ("names_and_seeds", 3),  # migration names with spaces and dots; [db.seed] sql_paths globs
    ("in_blocks", 5),      # the allowances in DO blocks and procedures; pgrst.*; a key to Vault
    ("own_functions_schema", 2),  # webhooks off (the default): the project makes supabase_functions
    ("offline_extensions", 11),   # pgjwt, pg_jsonschema and http, offline: a check, a token, a fetch
    ("atomic_bodies", 4),  # SQL-standard bodies (the CLI keeps each whole in its history)
    ("vector", 9),         # create extension vector with schema extensions; hnsw cosine; match_documents
    ("queues", 11),        # create extension pgmq (offline); a trigger sends, the tests read and archive
])
def test_the_fixture_project_applies_and_its_tests_pass(tmp_path, name, passed):
    root = copy_fixture(name, tmp_path)
    out = run_invoke("test", root=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == f"{passed} passed, 0 failed"
    assert "lint: 0 errors" in out.stdout


@pytest.mark.skipif(shutil.which("pg_prove") is None, reason="pg_prove is missing (Debian's pgtap package)")
def test_the_queues_fixtures_tests_get_the_verdicts_pg_prove_gives_on_the_same_database(server):
    root = FIXTURES / "queues"
    files = sorted((root / "supabase" / "tests" / "database").glob("*.sql"))
    with database.scratch(server, "queues_prove", config.load(root), database.EVERYTHING) as db:
        ours = {Path(r.path).name: (r.passed, len(r.assertions))
                for r in pgtap.run_files(db.conninfo(), files, 1, "30s")}
        for path in files:
            out = subprocess.run([shutil.which("pg_prove"), "--verbose", "-h", db.socket_dir or db.host,
                                  "-p", str(db.port), "-U", db.user, "-d", db.dbname, str(path)],
                                 capture_output=True, text=True, timeout=60)
            count = len(re.findall(r"^(?:not )?ok \d+", out.stdout, re.MULTILINE))
            assert ours[path.name] == (out.returncode == 0, count) == (True, count), out.stdout + out.stderr
    assert sum(n for _, n in ours.values()) == 11


def test_a_migration_that_needs_superuser_fails_as_on_supabase(tmp_path):
    root = copy_fixture("superuser", tmp_path)
    out = run_invoke("test", root=root)
    assert out.returncode != 0
    assert ("20240101000000_tuning.sql:6: permission denied for language c (SQLSTATE 42501)"
            in out.stderr), out.stdout + out.stderr


def test_altering_a_gotrue_table_fails_as_on_supabase_not_for_a_missing_table(tmp_path):
    """The table is there (as on a new project), and only GoTrue may alter it."""
    root = copy_fixture("auth_dump_alter", tmp_path)
    out = run_invoke("test", root=root)
    assert out.returncode != 0
    assert ("20240101000000_remote_schema.sql:5: must be owner of table saml_relay_states (SQLSTATE 42501)"
            in out.stderr), out.stdout + out.stderr


@pytest.mark.parametrize("name", ["realtime", "storage", "auth_dump", "auth_trigger"])
def test_pg_prove_gives_the_fixture_tests_the_same_verdicts(server, name):
    """pg_prove on a database built from the fixture project, and the harness on another."""
    from dbharness import config
    from dbharness.builder import database
    from dbharness.suite import pgtap

    root = FIXTURES / name
    settings = config.load(root)
    files = sorted((root / "supabase" / "tests").glob("*.sql"))
    exe = shutil.which("pg_prove")
    assert exe, "pg_prove is missing: apt-get install pgtap"
    with database.scratch(server, f"prove_{name}", settings, database.EVERYTHING) as db:
        prove = subprocess.run([exe, "--verbose", "-h", server.socket_dir or server.host, "-p", str(server.port),
                                "-U", server.user, "-d", db.dbname, *map(str, files)],
                               cwd=root, capture_output=True, text=True, timeout=120)
    passed = re.findall(r"^ok \d+", prove.stdout, re.MULTILINE)
    assert prove.returncode == 0 and not re.search(r"^not ok", prove.stdout, re.MULTILINE), prove.stdout
    with database.scratch(server, f"ours_{name}", settings, database.EVERYTHING) as db:
        results = pgtap.run_files(db.conninfo(), files, 1, "30s", root=root)
    assert [(r.passed, len(r.assertions)) for r in results] == [(True, len(passed))]


def test_a_stubbed_extension_is_said_in_the_output_and_skipped_in_junit(tmp_path):
    root = copy_fixture("stub", tmp_path)
    out = run_invoke("test", root=root)
    assert ("supabase/migrations/20240101000000_remote_schema.sql:2: create extension pg_graphql "
            "skipped: stubbed") in out.stdout
    cases = [c for suite in JUnitXml.fromfile(str(root / "reports/junit/pgtap.xml")) for c in suite]
    stubbed = [c for c in cases if c.classname == "platform.stubbed"]
    assert [c.name for c in stubbed] == [
        "create extension pg_graphql (supabase/migrations/20240101000000_remote_schema.sql:2)"]
    assert stubbed[0].is_skipped


def test_an_extension_the_server_lacks_fails_in_one_line_with_the_choices(tmp_path):
    root = copy_fixture("stub", tmp_path)
    (root / "pyproject.toml").write_text('[tool.dbharness]\ntest_timeout = "20s"\n')
    out = run_invoke("test", root=root)
    assert out.returncode != 0
    line = next(x for x in out.stderr.splitlines() if "pg_graphql" in x)
    assert line.startswith("error: supabase/migrations/20240101000000_remote_schema.sql:2: "
                           'extension "pg_graphql" is not available on this server')
    assert "--engine docker" in line and 'stub_extensions = ["pg_graphql"]' in line


# Where a statement runs: the platform's rules live in the server, so each must behave the same.
WRAPPINGS = {
    "top level": ["{sql}"],
    "do block": ["do $w$ begin {sql}; end $w$"],
    "function": ["create function public.wrapped() returns void language plpgsql as $w$ begin {sql}; end $w$",
                 "select public.wrapped()"],
    "procedure": ["create procedure public.wrapped() language plpgsql as $w$ begin {sql}; end $w$",
                  "call public.wrapped()"],
}
# (what the superuser made first, the statement, a query that is true once it took effect)
POSTGRES_MAY = [
    ("", "create extension if not exists hstore with schema extensions",
     "select exists (select from pg_extension where extname = 'hstore')"),
    ("", "create extension if not exists dblink",
     "select exists (select from pg_extension where extname = 'dblink')"),
    ("create extension hstore with schema extensions", "drop extension hstore",
     "select not exists (select from pg_extension where extname = 'hstore')"),
    ("create extension hstore with schema extensions", "alter extension hstore update",
     "select exists (select from pg_extension where extname = 'hstore')"),
    ("", "create policy mine on storage.objects for select to authenticated using (owner = auth.uid())",
     "select exists (select from pg_policies where policyname = 'mine' and tablename = 'objects')"),
    ("create policy p on auth.users using (true)", "alter policy p on auth.users using (false)",
     "select qual = 'false' from pg_policies where policyname = 'p' and tablename = 'users'"),
    ("create policy p on storage.buckets using (true)", "comment on policy p on storage.buckets is 'x'",
     "select obj_description(oid, 'pg_policy') = 'x' from pg_policy where polname = 'p' "
     "and polrelid = 'storage.buckets'::regclass"),
    ("create policy p on realtime.messages using (true)", "drop policy p on realtime.messages",
     "select not exists (select from pg_policies where policyname = 'p' and tablename = 'messages')"),
    ("create trigger t after insert on auth.users for each row execute function "
     "storage.update_updated_at_column()", "drop trigger t on auth.users",
     "select not exists (select from pg_trigger where tgname = 't')"),
    ("", "alter role authenticator set pgrst.db_pre_request = 'public.check_request'",
     "select exists (select from pg_db_role_setting where setrole = 'authenticator'::regrole "
     "and 'pgrst.db_pre_request=public.check_request' = any(setconfig))"),
    ("", "set local session_replication_role = replica",
     "select current_setting('session_replication_role') = 'replica'"),
    ("", "create publication everything for all tables",
     "select pubowner = 'postgres'::regrole and puballtables from pg_publication where pubname = 'everything'"),
    ("", "create function public.ensure_rls() returns event_trigger language plpgsql as $$ begin end $$; "
         "create event trigger ensure_rls on ddl_command_end execute function public.ensure_rls()",
     "select evtowner = 'postgres'::regrole from pg_event_trigger where evtname = 'ensure_rls'"),
]
POSTGRES_MAY_NOT = [
    ("alter table storage.objects add column x int", "must be owner of table objects"),
    ("alter table auth.users disable row level security", "must be owner of table users"),
    ("create policy p on auth.schema_migrations using (true)", "must be owner of table schema_migrations"),
    ("alter policy p on storage.objects rename to q", "must be owner of table objects"),
    ("drop trigger guard on auth.schema_migrations", "must be owner of relation schema_migrations"),
    ("create table auth.extra (id int)", "permission denied for schema auth"),
    ("alter role postgres superuser", "must be superuser to alter superuser roles"),
    ("create extension pageinspect", 'permission denied to create extension "pageinspect"'),
    ("alter role authenticator set log_statement = 'all'", 'permission denied to set parameter "log_statement"'),
    ("create function public.c_fn() returns int language c as 'x', 'y'", "permission denied for language c"),
    ("create event trigger e on ddl_command_start execute function public.superusers_own()",
     "an event trigger of postgres must execute a function postgres owns, not a superuser's"),
]


def _run_as_postgres(server, name: str, setup: str, statements: list[str], check: str | None):
    from dbharness.builder import database
    from dbharness.hosted import compat

    with database.scratch(server, name) as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
            admin.execute("create policy p on storage.objects using (true)")
            admin.execute("create trigger guard after insert on auth.schema_migrations for each row "
                          "execute function storage.update_updated_at_column()")
            admin.execute("create function public.superusers_own() returns event_trigger language plpgsql "
                          "as $$ begin end $$")
            if setup:
                admin.execute(setup)
        with psycopg.connect(db.conninfo()) as conn:
            assert conn.execute("select current_user, rolsuper from pg_roles where rolname = current_user"
                                ).fetchone() == ("postgres", False)
            for statement in statements:
                conn.execute(statement)
            if check:
                assert conn.execute(check).fetchone() == (True,)


@pytest.mark.parametrize("wrapping", WRAPPINGS)
@pytest.mark.parametrize("setup, sql, check", POSTGRES_MAY, ids=[m[1][:40] for m in POSTGRES_MAY])
def test_postgres_may_what_the_platform_lets_it_do_wherever_the_statement_runs(server, setup, sql,
                                                                                check, wrapping):
    statements = [s.format(sql=sql) for s in WRAPPINGS[wrapping]]
    _run_as_postgres(server, "allowed", setup, statements, check)


@pytest.mark.parametrize("wrapping", WRAPPINGS)
@pytest.mark.parametrize("sql, error", POSTGRES_MAY_NOT, ids=[m[0][:40] for m in POSTGRES_MAY_NOT])
def test_postgres_is_refused_what_it_is_refused_on_supabase_wherever_the_statement_runs(
        server, sql, error, wrapping):
    statements = [s.format(sql=sql) for s in WRAPPINGS[wrapping]]
    with pytest.raises(psycopg.Error) as caught:
        _run_as_postgres(server, "refused", "", statements, None)
    assert error in str(caught.value)
    assert caught.value.sqlstate == "42501"


def test_an_event_trigger_of_postgres_runs_for_postgres_never_for_a_superuser(server):
    """As on the platform: postgres's own code must not run with a superuser's rights."""
    from dbharness.builder import database
    from dbharness.hosted import compat

    with database.scratch(server, "evtrig") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            conn.execute("create function public.ensure_rls() returns event_trigger language plpgsql as $$ "
                         "declare r record; begin for r in select * from pg_event_trigger_ddl_commands() "
                         "where command_tag = 'CREATE TABLE' loop execute format('alter table %s enable row "
                         "level security', r.object_identity); end loop; end $$")
            conn.execute("create event trigger ensure_rls on ddl_command_end when tag in ('CREATE TABLE') "
                         "execute function public.ensure_rls()")
            conn.execute("create table public.by_postgres (id int)")
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            admin.execute("create table public.by_superuser (id int)")
            rls = dict(admin.execute("select relname, relrowsecurity from pg_class "
                                     "where relname in ('by_postgres', 'by_superuser')").fetchall())
    assert rls == {"by_postgres": True, "by_superuser": False}


def test_the_rules_are_for_postgres_only_not_the_api_roles(server):
    """authenticated (a pgTAP test's SET ROLE) gets nothing from the platform's allowances."""
    with pytest.raises(psycopg.Error) as caught:
        _run_as_postgres(server, "apirole", "", [
            "set role authenticated",
            "create policy mine on storage.objects using (true)"], None)
    assert "must be owner of table objects" in str(caught.value)
