"""The pytest plugin as a user runs it: `pytest` in a small Supabase project of its own (the plugin
loaded from the installed package's entry point), with the project and engine options, the errors
a user meets (said without a traceback), and the server removed also when the run is interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MIGRATION = "create table public.notes (id bigint generated always as identity primary key, body text);\n"
TESTS = '''
def test_the_migration_is_applied(supabase_conn):
    supabase_conn.execute("insert into public.notes (body) values ('hi')")
    assert supabase_conn.execute("select count(*) from public.notes").fetchone() == (1,)


def test_the_string_connects_as_postgres(supabase_db):
    import psycopg
    with psycopg.connect(supabase_db) as conn:
        assert conn.execute("select current_user").fetchone() == ("postgres",)
'''


def make_project(root: Path, migration: str = MIGRATION, tests: str = TESTS) -> Path:
    (root / "supabase" / "migrations").mkdir(parents=True)
    (root / "supabase" / "config.toml").write_text('[db]\nmajor_version = 15\n\n[db.seed]\nenabled = false\n')
    (root / "supabase" / "migrations" / "20250101000000_notes.sql").write_text(migration)
    (root / "tests").mkdir()
    (root / "tests" / "test_notes.py").write_text(tests)
    return root


def environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DBHARNESS_ROOT", "PYTEST_ADDOPTS")}


def pytest_in(cwd: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """pytest run in cwd, without its short summary: a message is counted where the test's own report
    says it (the summary repeats it, whole where CI is set, cut to the terminal's width elsewhere)."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rN", "-p", "no:cacheprovider", *args], cwd=cwd,
                          env=environment(), capture_output=True, text=True, timeout=timeout)


def test_a_project_with_a_migration_runs_its_tests(tmp_path):
    project = make_project(tmp_path / "app")
    (project / "pytest.ini").write_text("[pytest]\ntestpaths = tests\n")
    out = pytest_in(project / "tests")  # from a folder inside the project: rootdir is the project
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "2 passed" in out.stdout


def test_the_project_option_is_relative_to_where_pytest_starts(tmp_path):
    make_project(tmp_path / "db")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_notes.py").write_text(TESTS)
    out = pytest_in(tmp_path, "suite", "--dbharness-project", "db", "--dbharness-engine", "local")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "2 passed" in out.stdout


def test_the_ini_option_is_relative_to_its_file(tmp_path):
    make_project(tmp_path / "db")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_notes.py").write_text(TESTS)
    (suite / "pytest.ini").write_text("[pytest]\ndbharness_project = ../db\ndbharness_engine = local\n")
    out = pytest_in(suite)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


def test_a_bad_engine_in_the_ini_file_is_said_plainly(tmp_path):
    project = make_project(tmp_path / "app")
    (project / "pytest.ini").write_text("[pytest]\ndbharness_engine = podman\n")
    out = pytest_in(project)
    assert out.returncode == 1
    assert "dbharness_engine = 'podman'" in out.stdout and "choose one of local, docker, auto" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


def test_a_folder_without_supabase_is_said_plainly_for_each_test(tmp_path):
    (tmp_path / "test_x.py").write_text(TESTS)
    out = pytest_in(tmp_path)
    assert out.returncode == 1
    assert out.stdout.count(f"dbharness: {tmp_path} has no supabase/ folder") == 2, out.stdout
    assert "--dbharness-project PATH" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr and "dbharness/" not in out.stdout


def test_a_failing_migration_is_named_with_its_line_and_postgresqls_message(tmp_path):
    project = make_project(tmp_path / "app", migration="create table public.a (id int);\n\n"
                                                       "insert into public.nope values (1);\n")
    out = pytest_in(project)
    assert out.returncode == 1
    assert ("supabase/migrations/20250101000000_notes.sql:3: relation \"public.nope\" does not exist "
            "(SQLSTATE 42P01)") in out.stdout
    assert out.stdout.count("Nothing of this file was applied.") == 1, out.stdout  # once, then a line
    assert "2 errors" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr and "site-packages" not in out.stdout


def test_tests_that_ask_for_no_database_start_no_server(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    out = pytest_in(tmp_path)  # no supabase/ here: nothing is built, nothing is said
    assert out.returncode == 0 and "1 passed" in out.stdout
    assert "dbharness" not in out.stdout


WAITS = '''
import os, pathlib, time

def test_waits(supabase_conn):
    where = supabase_conn.execute("select current_setting('data_directory')").fetchone()[0]
    pathlib.Path(os.environ["DBHARNESS_TEST_SAYS"]).write_text(where)
    time.sleep(120)
'''


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_stops_and_removes_its_server(tmp_path, sig):
    project = make_project(tmp_path / "app", tests=WAITS)
    says = tmp_path / "data_directory"
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                            env={**environment(), "DBHARNESS_TEST_SAYS": str(says)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not says.exists() or not says.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.05)
        data = Path(says.read_text())
        assert data.is_dir()
        proc.send_signal(sig)
        output, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 2, output  # pytest's code for an interrupted run
    assert not data.exists() and not data.parent.exists(), output
