"""Fresh databases for tests, copied from a template on a running server as pytest-postgresql's
janitor copies them: each made ahead in a background thread while the previous one is in use, and
dropped (with force) once it has been used."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import psycopg
from psycopg import sql

from dbharness.builder import database
from dbharness.engines.base import Server
from dbharness.errors import EngineError
from dbharness.testing.copies import CopyPlan, copy_database, plan

MAINTENANCE_DB = "postgres"  # where the clones' admin connections wait (never a clone's source)
# Copies made ahead, each in a thread of its own: two copies at once take little more than one
# (most of a copy is the two checkpoints CREATE DATABASE waits for, which they share).
AHEAD = 2


class Clones:
    """Fresh copies of a template database on server, one at a time, the next ones made ahead."""

    def __init__(self, server: Server, template: str, prefix: str, ahead: int = AHEAD) -> None:
        self.server = server
        self.template = template
        self.prefix = prefix
        self.depth = ahead
        self._numbers = itertools.count(1)
        self._local = threading.local()  # each background thread's own admin connection
        self._connections: list[psycopg.Connection] = []
        self._worker = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="dbharness-clones")
        self._ahead: deque[Future[str]] = deque()
        self._drops: list[Future[None]] = []
        self._plan: CopyPlan | None = None

    def _admin(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = database.connect(self.server.conninfo(MAINTENANCE_DB, admin=True))
            self._connections.append(conn)
        return conn

    def _make(self, name: str) -> str:
        try:
            admin = self._admin()
            if self._plan is None:  # read once: every copy of the template is alike
                self._plan = plan(admin, self.server, self.template)
            copy_database(admin, self._plan, name)
        except psycopg.Error as exc:
            raise EngineError(f"could not copy the template database {self.template} to {name}: "
                              f"{str(exc).strip()}") from exc
        return name

    def _drop(self, name: str) -> None:
        self._admin().execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))

    def _submit(self) -> None:
        self._ahead.append(self._worker.submit(self._make, f"{self.prefix}{next(self._numbers)}"))

    def take(self) -> Server:
        """A new copy of the template (waits only for its own copy); the next ones are started."""
        for done in [f for f in self._drops if f.done()]:
            self._drops.remove(done)
            if done.exception() is not None:
                raise EngineError(f"could not drop a used database: {done.exception()}")
        if not self._ahead:
            self._submit()
        current = self._ahead.popleft()
        while len(self._ahead) < self.depth:
            self._submit()
        return replace(self.server, dbname=current.result())

    def give_back(self, db: Server) -> None:
        """Drop a database take() gave, in the background (its connections are ended)."""
        self._drops.append(self._worker.submit(self._drop, db.dbname))

    def close(self) -> None:
        """Finish the background work, drop the copies made ahead, close the admin connections."""
        try:
            for made in self._ahead:
                made.cancel()  # not begun yet: never made; the drops queued still run
            self._worker.shutdown(wait=True)
            for made in self._ahead:
                if not made.cancelled() and made.exception() is None:
                    with database.connect(self.server.conninfo(MAINTENANCE_DB, admin=True)) as admin:
                        admin.execute(sql.SQL("drop database if exists {} with (force)").format(
                            sql.Identifier(made.result())))
            self._ahead.clear()
        finally:
            for conn in self._connections:
                conn.close()
