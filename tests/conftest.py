"""Shared fixtures: a real throwaway PostgreSQL (the harness's own local engine) for integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dbharness.builder import database
from dbharness.engines.base import Server
from dbharness.engines.local import LocalEngine
from dbharness.hosted import compat
from dbharness.testing.clones import Clones
from dbharness.testing.copies import make_template


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One throwaway server for the whole session; each test makes its own databases on it."""
    with LocalEngine(base=database.BASE_CLUSTER).running() as srv:
        yield srv


@pytest.fixture(scope="session")
def compat_clones(server: Server) -> Iterator[Clones]:
    """Copies of one database with the Supabase compat applied (installed once, not per test)."""
    made = database.create_database(server, "compat_source")
    with psycopg.connect(made.conninfo(admin=True), autocommit=True) as conn:
        compat.install(conn)
    with psycopg.connect(server.conninfo("template1", admin=True), autocommit=True) as admin:
        make_template(admin, server, made.dbname, "compat_template")
    database.drop_database(server, made.dbname)
    clones = Clones(server, "compat_template", "t")
    yield clones
    clones.close()


@pytest.fixture
def fresh_db(compat_clones: Clones) -> Iterator[str]:
    """A new database with the Supabase compat applied; dropped afterwards. Yields its conninfo."""
    db = compat_clones.take()
    try:
        yield db.conninfo()
    finally:
        compat_clones.give_back(db)


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
    (tmp_path / "pyproject.toml").write_text('[tool.dbharness]\ntest_timeout = "2s"\ntest_paths = ["pgtap/**/*.test.sql"]\n'
                                              'test_setup = "pgtap/setup"\n')
    return tmp_path
