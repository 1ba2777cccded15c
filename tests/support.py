"""What the harness's own tests share besides fixtures: the repository, a copy of its project, a
database standing in for a real environment, an engine made of one database, and running a verb as
a user would."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from dbharness.builder import database
from dbharness.engines.base import Server

REPO = Path(__file__).resolve().parents[1]
_counter = itertools.count()


def stands_for_a_real_environment(server: Server, dbname: str) -> None:
    """A database of a throwaway server that a test uses as staging or production: it says it is
    not a throwaway, as a real environment's database would (promote refuses throwaways as
    production)."""
    with psycopg.connect(server.conninfo(admin=True), autocommit=True) as admin:
        admin.execute(f"alter database {dbname} set dbharness.throwaway = 'off'")


class DatabaseEngine:
    """A real database on the session's throwaway server, made fresh for each check."""

    name = "local"
    built_from = None  # a database made fresh each time: nothing is kept
    reused = False
    notes: tuple[str, ...] = ()

    def __init__(self, server: Server) -> None:
        self.server = server

    def check_alive(self) -> None:
        """The session's server outlives every test."""

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
    env = {**{k: v for k, v in os.environ.items() if k != "DBHARNESS_ROOT"}, **(env or {})}
    command = [sys.executable, "-m", "dbharness"] if root is not None else [sys.executable, "-m", "invoke"]
    return subprocess.run([*command, *args], cwd=root or REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
