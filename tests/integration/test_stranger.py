"""A stranger's Supabase project, first try (README: "Use it on your own project"): the wheel in a
fresh venv, a project made with `supabase init` and `supabase migration new` (tests/projects/stranger:
policies named with periods, a handle_new_user trigger, a storage bucket with policies, a view, a
security-definer function, a seed that fills the app's tables, rollbacks that drop what the
migrations made, tests in supabase/tests/database/), with no settings file at all, then with the
one `dbharness init` writes. Every verb behaves as a user expects; none prints a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

from dbharness import config
from dbharness.builder import database
from dbharness.edge.verbs import VERBS
from tests.integration.test_install import installed  # noqa: F401 (the fixture)
from tests.support import REPO, stands_for_a_real_environment

FIXTURE = REPO / "tests" / "projects" / "stranger"


def dbharness(bin_dir: Path, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command as the user runs it, piped (so without colour), in the project."""
    base = {k: v for k, v in os.environ.items() if k not in ("DBHARNESS_ROOT", "VIRTUAL_ENV", "PYTHONPATH")}
    base["PATH"] = f"{bin_dir}{os.pathsep}{base.get('PATH', '')}"
    out = subprocess.run([str(bin_dir / "dbharness"), *args], cwd=cwd, env={**base, **env},
                         capture_output=True, text=True, timeout=600)
    assert "Traceback" not in out.stdout + out.stderr, out.stdout + out.stderr
    return out


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


@pytest.fixture
def stranger(tmp_path: Path) -> Path:
    project = tmp_path / "their-app"
    shutil.copytree(FIXTURE, project)
    return project


def test_every_verb_has_its_own_help_and_a_typo_gets_a_suggestion(installed, stranger):  # noqa: F811
    top = dbharness(installed, stranger, "--help")
    assert top.returncode == 0 and "rollback-check" in top.stdout
    assert "--pty" not in top.stdout and "mutation" not in top.stdout  # no invoke options, no developer task
    for verb in (v for v in VERBS if not v.hidden):
        helped = dbharness(installed, stranger, verb.name, "--help")
        assert helped.returncode == 0, verb.name
        assert f"usage: dbharness {verb.name}" in helped.stdout
        for option in (o for o in verb.options if not o.positional):
            assert f"--{option.name}" in helped.stdout, (verb.name, option.name)
    assert not (stranger / "reports").exists()  # --help is never taken as an argument
    typo = dbharness(installed, stranger, "tset")
    assert typo.returncode == 2 and "did you mean 'test'?" in typo.stderr


def test_the_first_run_of_every_verb_with_no_settings(installed, stranger, server):  # noqa: F811
    tested = dbharness(installed, stranger, "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.startswith("settings: none found, every default")
    assert "ok   supabase/tests/database/profiles.test.sql  6 passed" in tested.stdout
    assert last_line(tested.stdout) == "8 passed, 0 failed"
    assert "\033[" not in tested.stdout  # piped: no colour
    assert (stranger / "reports" / "junit" / "pgtap.xml").is_file()

    linted = dbharness(installed, stranger, "lint")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "lint: 0 errors" in linted.stdout

    checked = dbharness(installed, stranger, "rollback-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    covered = dbharness(installed, stranger, "coverage")
    assert covered.returncode == 0 and "no bar set" in covered.stdout, covered.stdout + covered.stderr

    scaffolded = dbharness(installed, stranger, "scaffold-tests", "20260101000001")
    assert scaffolded.returncode == 0, scaffolded.stdout + scaffolded.stderr
    written = stranger / "supabase" / "tests" / "database" / "20260101000001_create_profiles_test.sql"
    assert written.is_file() and "Users can update own profile." in written.read_text()
    assert "tests.authenticate_as" not in written.read_text()  # only what the project has
    again = dbharness(installed, stranger, "test")
    assert again.returncode == 0, again.stdout + again.stderr

    platform_only = database.Recipe(migrations=False, seed=False, pgtap=False)  # auth, storage, roles
    with database.scratch(server, "stranger_staging", config.load(stranger), platform_only) as staging:
        stands_for_a_real_environment(server, staging.dbname)
        url = f"postgresql://postgres@127.0.0.1:{server.port}/{staging.dbname}"
        promoted = dbharness(installed, stranger, "promote", "--env", "staging", STAGING_DATABASE_URL=url)
        assert promoted.returncode == 0, promoted.stdout + promoted.stderr
        assert "Promoted 4 migration(s)" in promoted.stdout
        with psycopg.connect(staging.conninfo()) as conn:
            rows = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()
        assert rows == (4,)


def test_a_failed_build_rewrites_the_report_that_was_green(installed, stranger):  # noqa: F811
    assert dbharness(installed, stranger, "test").returncode == 0
    report = stranger / "reports" / "junit" / "pgtap.xml"
    assert 'failures="0"' in report.read_text() and 'errors="0"' in report.read_text()
    (stranger / "supabase" / "migrations" / "20260101000004_profile_names.sql").write_text(
        "create view public.profile_names as select nope from public.profiles;\n")
    broken = dbharness(installed, stranger, "test")
    assert broken.returncode == 5, broken.stdout + broken.stderr
    assert "20260101000004_profile_names.sql:1" in broken.stderr
    text = report.read_text()
    assert 'errors="1"' in text and "MigrationError" in text and "profiles.test.sql" not in text


def test_init_writes_the_settings_every_run_then_reads(installed, stranger):  # noqa: F811
    (stranger / ".gitignore").write_text("node_modules/\n")
    made = dbharness(installed, stranger, "init")
    assert made.returncode == 0, made.stdout + made.stderr
    assert (stranger / "dbharness.toml").is_file()
    assert (stranger / ".gitignore").read_text().splitlines()[-1] == "reports/"
    assert dbharness(installed, stranger, "init").returncode == 2  # never overwrites
    tested = dbharness(installed, stranger, "test")
    assert tested.returncode == 0 and tested.stdout.startswith("settings: dbharness.toml\n"), tested.stdout
    assert last_line(tested.stdout) == "8 passed, 0 failed"
