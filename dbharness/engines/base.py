"""The one small interface of the throwaway servers: a Server to connect to, an Engine to run one,
and the one readiness wait every engine uses (a real query answers, as testcontainers waits)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from dbharness.errors import EngineError
from dbharness.pg import psycopg


@dataclass(frozen=True)
class Server:
    """Where a running throwaway PostgreSQL answers, and as whom to connect.

    user is the role the project's SQL runs as (postgres, not a superuser, as on Supabase); admin
    is the bootstrap superuser (supabase_admin) that installs the platform's objects.
    """

    host: str
    port: int
    user: str
    password: str | None = None
    dbname: str = "postgres"
    socket_dir: str | None = None
    version: int = 0
    admin: str | None = None

    def conninfo(self, dbname: str | None = None, admin: bool = False) -> str:
        """A libpq keyword string (as the superuser when admin), preferring the private Unix socket."""
        host = self.socket_dir or self.host
        user = (self.admin or self.user) if admin else self.user
        parts = [f"host={host}", f"port={self.port}", f"user={user}",
                 f"dbname={dbname or self.dbname}"]
        if self.password:
            parts.append(f"password={self.password}")
        return " ".join(parts)

    def url(self, dbname: str | None = None, redact: bool = True, admin: bool = False) -> str:
        """A postgresql:// URL over TCP (as the superuser when admin), without TLS as the server
        has none (so the Supabase CLI's --db-url commands take it as it is); the password is shown
        as *** unless redact is False."""
        auth = quote((self.admin or self.user) if admin else self.user)
        if self.password:
            auth += ":" + ("***" if redact else quote(self.password))
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname or self.dbname}?sslmode=disable"


@dataclass(frozen=True)
class ClusterRecipe:
    """What an engine may cache as a ready cluster: a key for its content and how to make it.

    Given by the layer above (database.py), so engines never import what runs on them."""

    key: str
    init: Callable[[Server], tuple[str, ...] | None]  # builds on a started server; what it said (notes)
    owner: str = ""  # the project it is built for (none for what every project shares)
    start: ClusterRecipe | None = None  # the kept stage it is built on (None: the base cluster)
    # the same content made in one go on the base cluster: built instead of the stages under it
    # while nothing of the project is kept (a first run, a fresh clone, CI)
    alone: ClusterRecipe | None = None


class Engine(Protocol):
    """Starts a server, yields it, and always removes it afterwards (unless asked to keep it).

    built_from is the key of the kept build the server started from (None when this run built its
    database itself, or the engine keeps none), and reused says that build was there before this
    run; notes are what building it said (warnings), said again on every run that reuses it."""

    name: str
    built_from: str | None
    reused: bool
    notes: tuple[str, ...]

    def running(self, keep: bool = False) -> AbstractContextManager[Server]:
        """Context manager: a started, answering server; stopped and removed on exit."""
        ...

    def check_alive(self) -> None:
        """Raise EngineError, with what the server last said, when it has died."""
        ...


def wait_ready(conninfo: str, gone: Callable[[], BaseException | None], timeout: float,
               pause: float, last_words: Callable[[], str]) -> None:
    """Return once a real query answers on conninfo. gone() returns the error to raise when the
    server's process or container has ended (it will never answer); after timeout seconds an
    EngineError with last_words() (its log's tail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ended = gone()
        if ended is not None:
            raise ended
        try:
            with psycopg.connect(conninfo, connect_timeout=max(1, int(pause * 10))) as conn:
                conn.execute("select 1")
            return
        except psycopg.OperationalError:
            time.sleep(pause)
    raise EngineError(f"the server did not answer a query within {timeout:.0f}s; last log lines:\n"
                      f"{last_words()}")


def process_alive(pid: int) -> bool:
    """True while a process with this pid exists (one owned by another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

