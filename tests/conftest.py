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

from dbharness import compat, database
from dbharness.engines import Server
from dbharness.engines.local import LocalEngine

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
def project(tmp_path: Path) -> Path:
    """A fixture project: pyproject, empty supabase/migrations and rollbacks, one passing pgTAP file."""
    (tmp_path / "supabase" / "migrations").mkdir(parents=True)
    (tmp_path / "supabase" / "rollbacks").mkdir(parents=True)
    (tmp_path / "pgtap").mkdir()
    (tmp_path / "pgtap" / "smoke.test.sql").write_text(
        "begin;\nselect plan(1);\nselect ok(true, 'smoke');\nselect * from finish();\nrollback;\n")
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness]\ntest_timeout = "2s"\n')
    return tmp_path


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
    """Run `invoke ARGS` from the repository, on the fixture project at root if given, with the
    extra variables of env."""
    env = {**{k: v for k, v in __import__("os").environ.items() if k != "DBHARNESS_ROOT"}, **(env or {})}
    if root is not None:
        env["DBHARNESS_ROOT"] = str(root)
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
