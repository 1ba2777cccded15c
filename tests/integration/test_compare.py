"""dbharness compare as a user runs it: the squash that loses what the CLI's squash loses, the
declarative schema that equals the migrations, known differences, JUnit, and an environment read
through a read-only role, never written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.catalog import platform_objects, snapshot
from dbharness.compare.picture import KINDS
from tests.support import run_invoke, stands_for_a_real_environment

FIXTURE = Path(__file__).resolve().parents[1] / "compare" / "project"
SQUASH_LINES = [
    "auth.users.on_auth_user_created (trigger): only in migrations",
    "avatars (bucket): only in migrations",
    "nightly-visits (cron_job): only in migrations",
    "public.profiles (data): row (11111111-1111-4111-8111-111111111111) only in migrations",
    "public.profiles (data): row (22222222-2222-4222-8222-222222222222) only in migrations",
]
PASSWORD = "r3ader-Pw_77"
DIFFERENCE = re.compile(r"^\S.* \([a-z_]+\): ")  # 'name (kind): what', as rollback-check prints it


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "project"))


def cases(path: Path) -> dict[str, ElementTree.Element]:
    return {c.get("name"): c for c in ElementTree.parse(path).getroot().iter("testcase")}


def test_the_squash_loses_the_bucket_the_cron_job_and_the_auth_trigger(project):
    done = run_invoke("compare", "migrations", "squash", root=project)
    assert done.returncode == 1, done.stderr
    out = done.stdout.splitlines()
    assert [line for line in out if DIFFERENCE.match(line)] == SQUASH_LINES
    assert "compare: migrations and squash differ: 5 differences in trigger, bucket, cron_job, data" in out
    assert out[-2] == f"{len(KINDS) - 4} passed, 4 failed"
    assert out[-1].startswith("JUnit: ") and out[-1].endswith("reports/junit/compare.xml")
    found = cases(project / "reports/junit/compare.xml")
    assert list(found) == list(KINDS)
    failed = {name for name, c in found.items() if c.find("failure") is not None}
    assert failed == {"trigger", "bucket", "cron_job", "data"}
    assert found["data"].find("failure").text.splitlines() == SQUASH_LINES[3:]
    assert found["bucket"].find("failure").get("message") == "1 difference between migrations and squash"


def test_the_declarative_schema_equals_the_migrations(project):
    done = run_invoke("compare", "migrations", "supabase/schemas", root=project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(KINDS)} passed, 0 failed" in done.stdout
    assert "compare: migrations and supabase/schemas are equal (" in done.stdout
    assert not [c for c in cases(project / "reports/junit/compare.xml").values() if len(c)]


def test_known_differences_are_taken_and_an_unused_entry_is_said(project):
    (project / "dbharness.toml").write_text(
        '[compare]\nignore = [\n  { object = "bucket avatars", reason = "made by the dashboard" },\n'
        '  { object = "storage.buckets (grant)", reason = "granted by hand" },\n]\n')
    done = run_invoke("compare", "migrations", "squash", "--ignore", "nightly-visits",
                      "--ignore", "auth.users.on_auth_user_created (trigger)",
                      "--ignore", "public.profiles (data)", "--junit", "out/compare.xml", root=project)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert "  ignored: avatars (bucket): only in migrations (made by the dashboard)" in out
    assert "  ignored: nightly-visits (cron_job): only in migrations (given with --ignore)" in out
    assert ("warning: unused ignore: storage.buckets (grant) (granted by hand) matches no difference; "
            "remove it from dbharness.toml [compare] ignore") in out
    found = cases(project / "out/compare.xml")
    assert found["unused ignore storage.buckets (grant)"].find("failure") is not None
    assert "ignored: avatars (bucket): only in migrations" in found["bucket"].find("system-out").text


def test_a_side_that_is_none_of_the_spellings_is_refused(project):
    done = run_invoke("compare", "migrations", "no/such/folder", root=project)
    assert done.returncode == 2
    assert "a side is migrations, migrations@VERSION, env:NAME or a folder of SQL files" in done.stderr
    done = run_invoke("compare", "migrations@1999", "migrations", root=project)
    assert done.returncode == 2 and "no migration has version '1999'" in done.stderr


def test_a_side_that_fails_to_build_names_its_file_and_line(project):
    (project / "supabase/schemas/b_profiles.sql").write_text(
        "create table public.profiles (id uuid primary key);\nselect no_such_function();\n")
    done = run_invoke("compare", "migrations", "supabase/schemas", root=project)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "supabase/schemas: could not be built" in done.stdout
    assert "supabase/schemas/b_profiles.sql:2" in done.stderr


@pytest.fixture
def staging(project: Path):
    """A throwaway server standing in for staging: the project's migrations (no seed, as no
    environment is seeded) in its postgres database, read by a role that may not write."""
    settings = config.load(project)
    (project / "dbharness.toml").write_text(  # the role is staging's own, made for CI
        '[compare]\nignore = [{ object = "reader (role_setting)", reason = "the role CI reads staging as" }]\n')
    with database.fresh(settings, database.Recipe(seed=False, pgtap=False)) as ready:
        server = ready.server
        stands_for_a_real_environment(server, "postgres")
        with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
            admin.execute("drop extension if exists pgtap")  # the harness's, not the project's
            admin.execute(f"create role reader login bypassrls password '{PASSWORD}'")
            admin.execute("alter role reader set default_transaction_read_only = on")
            admin.execute("grant pg_read_all_data to reader")
            admin.execute("revoke create, temporary on database postgres from public")
            assert admin.execute("select has_database_privilege('reader', 'postgres', 'create') or "
                                 "has_schema_privilege('reader', 'public', 'create')").fetchone() == (False,)
        url = f"postgresql://reader:{PASSWORD}@127.0.0.1:{server.port}/postgres"
        yield server, {"STAGING_DATABASE_URL": url}


def picture_of(server) -> tuple[dict, dict]:
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as conn:
        rows = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("public.currencies", "storage.buckets", "cron.job", "vault.secrets")}
        return {**snapshot.take(conn), **platform_objects.take(conn)}, rows


def test_an_environment_is_read_through_a_read_only_role_and_never_written(project, staging):
    server, env = staging
    before = picture_of(server)
    done = run_invoke("compare", "migrations", "env:staging", root=project, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the seed is not applied: an environment is compared, and no environment is seeded" in done.stdout
    assert f"env:staging: reading staging (postgresql://reader:***@127.0.0.1:{server.port}/postgres) " \
           "(read only)" in done.stdout
    assert "compare: migrations and env:staging are equal (" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    assert picture_of(server) == before


def test_what_an_environment_has_otherwise_is_reported(project, staging):
    server, env = staging
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute("update storage.buckets set public = false where id = 'avatars'")
        admin.execute("delete from public.currencies where code = 'JPY'")
        admin.execute("delete from cron.job where jobname = 'nightly-visits'")
    done = run_invoke("compare", "migrations", "env:staging", root=project, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert "avatars (bucket): public differs: migrations True, env:staging False" in out
    assert "nightly-visits (cron_job): only in migrations" in out
    assert "public.currencies (data): row (JPY) only in migrations" in out


def test_the_migrations_up_to_a_version_against_an_environment(project, staging):
    _, env = staging
    done = run_invoke("compare", "env:staging", "migrations@20240101000000", root=project, env=env)
    assert done.returncode == 1
    assert "avatars (bucket): only in env:staging" in done.stdout.splitlines()


def test_the_session_is_read_only_whatever_the_role(project, staging, monkeypatch):
    from dbharness.compare import builds, sides

    server, _ = staging
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    settings = config.load(project)
    with builds.opened(settings, sides.parse("env:staging", settings), False, lambda _: None) as side:
        assert side.window is None
        assert side.conn.execute("show transaction_read_only").fetchone() == ("on",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            side.conn.execute("create table public.written (id int)")


def test_a_role_that_row_security_limits_is_said(project, staging, monkeypatch):
    from dbharness import api

    server, _ = staging
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute("create role peeker login; grant pg_read_all_data to peeker")
    monkeypatch.setenv("STAGING_DATABASE_URL", f"postgresql://peeker@127.0.0.1:{server.port}/postgres")
    said: list[str] = []
    api.compare(config.load(project), "migrations", "env:staging", report=said.append)
    assert ("env:staging: warning: peeker does not bypass row security, so rows its policies hide are "
            "read as missing; read as a role with BYPASSRLS (postgres, on Supabase)") in said
