"""Supabase-shaped projects (tests/platform) applied by `dbharness test` as a user would, verdict by verdict."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from junitparser import JUnitXml

from tests.conftest import REPO, run_invoke

FIXTURES = REPO / "tests" / "platform"


def copy_fixture(name: str, dest: Path) -> Path:
    """A copy of the fixture project, so its reports are written under tmp_path."""
    return Path(shutil.copytree(FIXTURES / name, dest / name))


@pytest.mark.parametrize("name, passed", [
    ("storage", 6),        # a bucket, policies on storage.objects with storage.foldername()
    ("auth_trigger", 4),   # handle_new_user on auth.users; a seed that makes a user and its identity
    ("realtime", 2),       # alter publication supabase_realtime; a policy on realtime.messages
    ("cron", 2),           # create extension pg_cron; cron.schedule
    ("webhooks", 5),       # net.http_post in a trigger; supabase_functions.http_request
    ("vault", 3),          # vault.create_secret; a function reading vault.decrypted_secrets
    ("stub", 2),           # a platform dump's extensions, pg_graphql declared stubbed
    ("names_and_seeds", 3),  # migration names with spaces and dots; [db.seed] sql_paths globs
])
def test_the_fixture_project_applies_and_its_tests_pass(tmp_path, name, passed):
    root = copy_fixture(name, tmp_path)
    out = run_invoke("test", root=root)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip().splitlines()[-1] == f"{passed} passed, 0 failed"
    assert "lint: 0 errors" in out.stdout


def test_a_migration_that_needs_superuser_fails_as_on_supabase(tmp_path):
    root = copy_fixture("superuser", tmp_path)
    out = run_invoke("test", root=root)
    assert out.returncode != 0
    assert ("20240101000000_tuning.sql:8: permission denied to create event trigger \"log_ddl\" "
            "(SQLSTATE 42501)") in out.stderr, out.stdout + out.stderr


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


POSTGRES_MAY_NOT = [
    ("alter table storage.objects add column x int", "must be owner of table objects"),
    ("alter table auth.users disable row level security", "must be owner of table users"),
    ("create table auth.extra (id int)", "permission denied for schema auth"),
    ("create function storage.mine() returns int language sql as 'select 1'",
     "permission denied for schema storage"),
    ("alter role postgres superuser", "must be superuser to alter superuser roles"),
    ("create extension pageinspect", 'permission denied to create extension "pageinspect"'),
    ("select pg_catalog.dbharness_on_behalf('alter role postgres superuser')",
     "dbharness_on_behalf runs only the statements the platform runs for postgres"),
]


@pytest.mark.parametrize("sql, error", POSTGRES_MAY_NOT)
def test_postgres_is_refused_what_it_is_refused_on_supabase(server, sql, error):
    from dbharness.build import database
    from dbharness.supabase import compat, rules

    with database.scratch(server, "refused") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            assert conn.execute("select current_user, rolsuper from pg_roles where rolname = current_user"
                                ).fetchone() == ("postgres", False)
            with pytest.raises(psycopg.Error) as caught:
                rules.execute(conn, sql)
            assert error in str(caught.value)


POSTGRES_MAY = [
    "create policy mine on storage.objects for select to authenticated using (owner = auth.uid())",
    "drop policy if exists nothing_here on storage.buckets",
    "create extension if not exists hstore with schema extensions",
    "create table public.t (id int); create trigger t after insert on auth.users "
    "for each row execute function storage.update_updated_at_column()",
]


@pytest.mark.parametrize("sql", POSTGRES_MAY)
def test_postgres_may_what_supautils_lets_it_do(server, sql):
    from dbharness.build import database
    from dbharness.supabase import compat, rules

    with database.scratch(server, "allowed") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as admin:
            compat.install(admin)
        with psycopg.connect(db.conninfo(), autocommit=True) as conn:
            for statement in sql.split("; "):
                rules.execute(conn, statement)
