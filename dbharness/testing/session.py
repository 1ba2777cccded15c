"""One pytest session's databases of a project: one throwaway server, its database built through
the one build path (reusing the project's kept build), a template copied from it once, and a
fresh copy of the template for each test."""

from __future__ import annotations

import os
import re
import signal
import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg

from dbharness import api
from dbharness.builder import database
from dbharness.config import Settings
from dbharness.engines.base import Server
from dbharness.errors import ConfigError, EngineError, HarnessError
from dbharness.testing.clones import Clones
from dbharness.testing.copies import make_template


def worker_name() -> str:
    """This process's name in the databases' names: the pytest-xdist worker (gw0, ...) or main."""
    return re.sub(r"[^a-z0-9_]", "_", os.environ.get("PYTEST_XDIST_WORKER", "main").lower())


def project_settings(root: Path | None, engine: str | None) -> Settings:
    """The settings of the project at root (None: the one api.settings() finds), checked to be a
    Supabase project."""
    settings = api.settings(root, engine=engine)
    if not settings.supabase_dir.is_dir():
        raise ConfigError(
            f"{settings.root} has no supabase/ folder: the dbharness fixtures (supabase_db, "
            "supabase_conn) build a Supabase project's migrations; name the project with "
            "--dbharness-project PATH or dbharness_project in the pytest configuration")
    return settings


def _sigterm(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


class Unusable:
    """A session whose databases cannot be had: the error, said to every test that asks."""

    def __init__(self, error: HarnessError | None, what: str) -> None:
        self.error = error
        self.what = what  # the first words of each message
        self.failures = 0

    def why(self) -> str:
        """The whole message for the first test that asked for a database; a long one is cut to
        its first line for the tests after it."""
        self.failures += 1
        whole = str(self.error) or type(self.error).__name__
        if "\n" not in whole:
            return f"{self.what} {whole}"
        if self.failures == 1:
            return f"{self.what}\n{whole}"
        return (f"{self.what} {whole.splitlines()[0]} (the whole message is on the first test that "
                "asked for a database)")


class ProjectDatabases(Unusable):
    """The session's server and template; take() gives each test a fresh copy."""

    def __init__(self, settings: Settings, worker: str | None = None) -> None:
        super().__init__(None, f"dbharness could not build the database of {settings.root}:")
        self.settings = settings
        self.worker = worker or worker_name()
        self.said: list[str] = []  # what building said (warnings, stubs), for the session's summary
        self._stack = ExitStack()
        self._clones: Clones | None = None
        self._fresh: database.Fresh | None = None

    def open(self) -> None:
        """Start the server (the database built or taken from the kept build) and make the
        template; on a HarnessError the server is already gone and the error is kept."""
        self._stop_on_sigterm()
        try:
            self._fresh = self._stack.enter_context(
                database.fresh(self.settings, report=self.said.append))
            self._clones = self._template(self._fresh.server)
            self._stack.callback(self._clones.close)
        except HarnessError as exc:
            self.error = exc
            self.close()
        except BaseException:  # Ctrl-C while starting: nothing may stay running
            self.close()
            raise

    def _template(self, server: Server) -> Clones:
        template = f"dbh_{self.worker}_template"
        # from template1: a session in the source would keep it from being copied
        with database.connect(server.conninfo("template1", admin=True)) as admin:
            try:
                make_template(admin, server, server.dbname, template)
            except psycopg.Error as exc:
                raise EngineError(f"could not make the template database {template} from "
                                  f"{server.dbname}: {str(exc).strip()}") from exc
        return Clones(server, template, f"dbh_{self.worker}_")

    def _stop_on_sigterm(self) -> None:
        # SIGTERM (a CI runner's cancel, a timeout) then stops the run like Ctrl-C, so pytest tears
        # the session down and the server is removed; only the main thread may set a handler
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _sigterm)
            self._stack.callback(signal.signal, signal.SIGTERM, signal.SIG_DFL)

    def take(self) -> Server:
        """A fresh copy of the migrated database (the engine's log in the error if the server died)."""
        assert self._clones is not None and self._fresh is not None
        try:
            return self._clones.take()
        except HarnessError:
            self._fresh.engine.check_alive()
            raise

    def give_back(self, db: Server) -> None:
        """Drop a copy take() gave (in the background)."""
        if self._clones is not None:
            self._clones.give_back(db)

    def close(self) -> None:
        """Drop what is left and stop and remove the server; always runs, also after Ctrl-C."""
        self._stack.close()
