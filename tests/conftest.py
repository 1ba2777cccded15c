"""Shared fixtures: a real throwaway PostgreSQL (the harness's own local engine) for integration tests."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from dbharness.build import database
from dbharness.engines.base import Server
from dbharness.engines.local import LocalEngine
from dbharness.supabase import compat

REPO = Path(__file__).resolve().parents[1]
_counter = itertools.count()


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One throwaway server for the whole session; each test makes its own databases on it."""
    with LocalEngine(template=database.TEMPLATE).running() as srv:
        yield srv


@pytest.fixture
def fresh_db(server: Server) -> Iterator[str]:
    """A new database with the Supabase compat applied; dropped afterwards. Yields its conninfo."""
    with database.scratch(server, f"t{next(_counter)}") as db:
        with psycopg.connect(db.conninfo(admin=True), autocommit=True) as conn:
            compat.install(conn)
        yield db.conninfo()


@pytest.fixture
def own_scratch(monkeypatch) -> Iterator[Path]:
    """A scratch directory of this test's own (readable by the postgres user), so that `clean` sees
    this test's servers only, never a developer's own --keep servers."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="harness-scratch-"))
    path.chmod(0o755)
    monkeypatch.setenv("DBHARNESS_TMPDIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fixture project: pyproject, empty supabase/migrations and rollbacks, one passing pgTAP file."""
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / "supabase" / "rollbacks").mkdir(parents=True)
    (tmp_path / "pgtap").mkdir()
    (tmp_path / "pgtap" / "smoke.test.sql").write_text(
        "begin;\nselect plan(1);\nselect ok(true, 'smoke');\nselect * from finish();\nrollback;\n")
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness]\ntest_timeout = "2s"\n')
    return tmp_path


def stands_for_a_real_environment(server: Server, dbname: str) -> None:
    """A database of a throwaway server that a test uses as staging or production: it says it is
    not a throwaway, as a real environment's database would (promote refuses throwaways as
    production)."""
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute(f"alter database {dbname} set dbharness.throwaway = 'off'")


class DatabaseEngine:
    """A real database on the session's throwaway server, made fresh for each check."""

    name = "local"

    def __init__(self, server: Server) -> None:
        self.server = server

    @contextmanager
    def running(self, keep: bool = False) -> Iterator[Server]:
        with database.scratch(self.server, f"rb{next(_counter)}") as db:
            yield db


def copy_project(dest: Path) -> Path:
    """A copy of this repository's schema, pgTAP suite and settings, for tests that break them."""
    for part in ("supabase", "pgtap", "bench"):
        shutil.copytree(REPO / part, dest / part)
    for name in ("pyproject.toml", ".squawk.toml"):
        shutil.copy(REPO / name, dest / name)
    return dest


def run_invoke(*args: str, root: Path | None = None, timeout: int = 300,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a task as a user would, with the extra variables of env: on a fixture project at root,
    `python -m dbharness ARGS` (the dbharness command) in that folder; without root,
    `invoke ARGS` in this repository (its tasks.py)."""
    env = {**{k: v for k, v in __import__("os").environ.items() if k != "DBHARNESS_ROOT"}, **(env or {})}
    command = [sys.executable, "-m", "dbharness"] if root is not None else [sys.executable, "-m", "invoke"]
    return subprocess.run([*command, *args], cwd=root or REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
