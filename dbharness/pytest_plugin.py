"""The pytest plugin (installed with the package, entry point pytest11 `dbharness`): each test
gets a fresh database of the project, every migration and the seed applied on a Supabase-shaped
server, copied in milliseconds from a template made once per session.

Fixtures: supabase_db (the libpq connection string, as postgres), supabase_conn (a psycopg
connection to it as postgres, autocommit off, closed after the test), supabase_user (the id of a
new user in auth.users). Helpers (also importable from dbharness.testing): as_anon,
as_authenticated, as_service_role, create_user. Options: --dbharness-project PATH,
--dbharness-engine local|docker|auto, and the ini options dbharness_project, dbharness_engine.

Loaded by every pytest run where the package is installed, it imports nothing heavy until a test
asks for a database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ENGINE_CHOICES = ("local", "docker", "auto")
HELPERS = ("as_anon", "as_authenticated", "as_service_role", "create_user")
_SAID = pytest.StashKey[list[str]]()  # what building the session's database said


def __getattr__(name: str) -> Any:
    # the role helpers import psycopg: loaded when a test module imports them, not at startup
    if name in HELPERS:
        from dbharness import testing

        return getattr(testing, name)
    raise AttributeError(name)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--dbharness-project and --dbharness-engine, and the same as ini options."""
    group = parser.getgroup("dbharness", "dbharness: a fresh migrated Supabase database per test")
    group.addoption("--dbharness-project", metavar="PATH", dest="dbharness_project", default=None,
                    help="the Supabase project whose migrations the fixtures apply (default: the "
                         "project the rootdir lies in)")
    group.addoption("--dbharness-engine", choices=ENGINE_CHOICES, dest="dbharness_engine", default=None,
                    help="the throwaway server's engine (default: the project's setting, else local)")
    parser.addini("dbharness_project", "the Supabase project of the dbharness fixtures (relative to "
                  "the configuration file)", default="")
    parser.addini("dbharness_engine", "the dbharness fixtures' engine: local, docker or auto", default="")


def chosen_project(config: pytest.Config) -> Path | None:
    """The project the fixtures build: the option (relative to where pytest was started), the ini
    option (relative to its file), DBHARNESS_ROOT (None: api.settings reads it), else the project
    the rootdir lies in."""
    from dbharness.project_files import project_root

    given = config.getoption("dbharness_project")
    if given:
        return config.invocation_params.dir / given
    ini = str(config.getini("dbharness_project") or "")
    if ini:
        return (config.inipath.parent if config.inipath else config.rootpath) / ini
    if os.environ.get("DBHARNESS_ROOT"):
        return None
    return project_root(config.rootpath)


def chosen_engine(config: pytest.Config) -> str | None:
    """The engine from the option, else the ini option, else None (the project's setting)."""
    from dbharness.errors import ConfigError

    engine = config.getoption("dbharness_engine") or str(config.getini("dbharness_engine") or "") or None
    if engine is not None and engine not in ENGINE_CHOICES:
        raise ConfigError(f"dbharness_engine = {engine!r} in {config.inipath}: choose one of "
                          f"{', '.join(ENGINE_CHOICES)}")
    return engine


@pytest.fixture(scope="session")
def dbharness_databases(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The session's throwaway server and template (testing.session.ProjectDatabases); stopped and
    removed at the end of the session, also on Ctrl-C."""
    from dbharness.errors import HarnessError
    from dbharness.testing.session import ProjectDatabases, Unusable, project_settings

    try:
        settings = project_settings(chosen_project(request.config), chosen_engine(request.config))
    except HarnessError as exc:
        yield Unusable(exc, "dbharness:")
        return
    databases = ProjectDatabases(settings)
    request.config.stash[_SAID] = databases.said
    databases.open()
    try:
        yield databases
    finally:
        databases.close()


@pytest.fixture
def supabase_db(dbharness_databases: Any) -> Iterator[str]:
    """A fresh database of the project for this test (every migration, the seed, Supabase's roles
    and schemas): its libpq connection string, as postgres. Dropped after the test."""
    from dbharness.errors import HarnessError

    if dbharness_databases.error is not None:
        pytest.fail(dbharness_databases.why(), pytrace=False)
    try:
        db = dbharness_databases.take()
    except HarnessError as exc:
        failed = f"dbharness: {exc}"  # failed outside the handler: no chained traceback
    else:
        failed = ""
    if failed:
        pytest.fail(failed, pytrace=False)
    try:
        yield db.conninfo()
    finally:
        dbharness_databases.give_back(db)


@pytest.fixture
def supabase_conn(supabase_db: str) -> Iterator[Any]:
    """An open psycopg connection to this test's fresh database as postgres (autocommit off),
    closed after the test."""
    import psycopg

    conn = psycopg.connect(supabase_db, autocommit=False)
    try:
        yield conn
    finally:
        conn.close()  # what the test left uncommitted goes with it (no commit, unlike `with conn`)


@pytest.fixture
def supabase_user(supabase_conn: Any) -> Any:
    """The id (uuid.UUID) of a new user in auth.users, committed on supabase_conn."""
    from dbharness.testing import create_user

    made = create_user(supabase_conn)
    supabase_conn.commit()
    return made


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """What building the database said that the run must not hide (warnings, stubbed extensions),
    and everything it said with -v."""
    said = config.stash.get(_SAID, [])
    shown = said if (config.getoption("verbose") or 0) > 0 else [
        line for line in said if line.startswith("warning") or "skipped" in line]
    if shown:
        terminalreporter.write_sep("-", "dbharness")
        for line in shown:
            terminalreporter.write_line(line)
