"""The pytest plugin as a stranger gets it: only the wheel (and pytest) installed in a fresh virtual
environment, a Supabase project of one migration and a pytest file of 100 tests, each on a fresh
database through supabase_conn."""

from __future__ import annotations

import os
import subprocess

from tests.integration.test_install import installed  # noqa: F401 (the fixture: bin/ of that venv)

TESTS = '''
import pytest


@pytest.mark.parametrize("n", range(100))
def test_each_test_has_a_fresh_database(supabase_conn, n):
    assert supabase_conn.execute("select count(*) from public.notes").fetchone() == (0,)
    supabase_conn.execute("insert into public.notes (body) values (%s)", (f"note {n}",))
    supabase_conn.commit()
    assert supabase_conn.execute("select count(*) from public.notes").fetchone() == (1,)
'''


def test_a_hundred_tests_each_on_a_fresh_database_with_only_the_wheel(installed, tmp_path):  # noqa: F811
    got = subprocess.run([str(installed / "python"), "-m", "pip", "install", "-q", "pytest"],
                         capture_output=True, text=True, timeout=600)
    assert got.returncode == 0, got.stderr[-2000:]
    project = tmp_path / "their-app"
    (project / "supabase" / "migrations").mkdir(parents=True)
    (project / "supabase" / "config.toml").write_text("[db]\nmajor_version = 15\n")
    (project / "supabase" / "migrations" / "20250101000000_notes.sql").write_text(
        "create table public.notes (id bigint generated always as identity primary key, body text not null);\n")
    (project / "test_notes.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ("DBHARNESS_ROOT", "VIRTUAL_ENV", "PYTHONPATH",
                                                            "PYTEST_ADDOPTS")}
    env["PATH"] = f"{installed}{os.pathsep}{env.get('PATH', '')}"
    out = subprocess.run([str(installed / "pytest"), "-q", "-p", "no:cacheprovider"], cwd=project, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "100 passed" in out.stdout
    site = next((installed.parent / "lib").glob("python3*/site-packages"))
    assert (site / "dbharness" / "pytest_plugin.py").is_file() and not (site / "app").exists()
