"""One throwaway cluster of the local engine: a data directory (a kept build's copy, or initdb's) and
the postgres process serving it, run as the unprivileged postgres account when the harness is root."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.engines.base import Server, wait_ready
from dbharness.engines.cluster_cache import copy_data
from dbharness.engines.pgbin import PgBinaries, preload_settings
from dbharness.errors import EngineError, PrerequisiteError

PREFIX = "dbharness-"
INITDB_ARGS = ("-U", "supabase_admin", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
               "--wal-segsize=1")
OWNER_FILE = "harness.json"
SUPERUSER = "supabase_admin"  # the bootstrap superuser, as on Supabase
PROJECT_ROLE = "postgres"  # made by compat: what migrations, seeds and tests run as
READY_TIMEOUT = 30.0
READY_PAUSE = 0.01  # a local server answers within milliseconds of its socket appearing
# Durability is pointless for a server that is deleted in a few seconds.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "log_min_messages": "warning",
    "dbharness.throwaway": "on",  # promote and rollback refuse such a server as production
}


class _Exited(Exception):
    """The server process ended before it answered (internal: a port taken, a bad data directory)."""


@dataclass(frozen=True)
class OsUser:
    """The unprivileged account the server runs as when the harness runs as root."""

    name: str
    uid: int
    gid: int


def server_os_user() -> OsUser | None:
    """None when not root; otherwise the postgres account, or a clear error when there is none."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise PrerequisiteError(
            "running as root, and PostgreSQL refuses to run as root, but there is no 'postgres' "
            "OS user to run the server as. Create one with: "
            "useradd --system --user-group --home-dir /var/lib/postgresql postgres "
            "(Debian's postgresql packages create it), or run the harness as a normal user."
        ) from None
    return OsUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalCluster:
    """One initdb'd data directory and the postgres process serving it."""

    def __init__(self, bins: PgBinaries, owner: OsUser | None, storage: Storage) -> None:
        self.bins = bins
        self.owner = owner
        self.base = Path(tempfile.mkdtemp(prefix=PREFIX, dir=cluster_cache.scratch_dir(storage)))
        self.data = self.base / "data"
        self.sock = self.base / "sock"
        self.log = self.base / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.mark(kept=False)

    def mark(self, kept: bool) -> None:
        """Record which harness process owns this directory, so clean spares live runs."""
        (self.base / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "uid": os.geteuid(),
                                                        "kept": kept, "pg_bindir": str(self.bins.bindir)}))

    def _run_kwargs(self) -> dict[str, object]:
        if self.owner is None:
            return {}
        return {"user": self.owner.uid, "group": self.owner.gid, "extra_groups": []}

    def _chown(self, path: Path) -> None:
        if self.owner is not None:
            os.chown(path, self.owner.uid, self.owner.gid)

    def init(self, template: Path | None = None) -> None:
        """Copy the cached template, or run initdb (no fsync, trust auth, C locale)."""
        self._chown(self.base)
        self.sock.mkdir(mode=0o700)
        self._chown(self.sock)
        if template is not None:
            copy_data(template, self.data)  # a kept build a clean removed meanwhile: EngineError
            return
        cmd = [self.bins.path("initdb"), "-D", str(self.data), *INITDB_ARGS]
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=self.base,
                             **self._run_kwargs())  # type: ignore[call-overload]
        if out.returncode != 0:
            raise EngineError(f"initdb failed ({' '.join(cmd)}):\n{out.stderr.strip()}")

    def _command(self) -> list[str]:
        settings = dict(SERVER_SETTINGS, **preload_settings(self.bins), port=str(self.port),
                        unix_socket_directories=str(self.sock))
        cmd = [self.bins.path("postgres"), "-D", str(self.data)]
        for key, value in settings.items():
            cmd += ["-c", f"{key}={value}"]
        return cmd

    def start(self) -> Server:
        """Start postgres on a free port and wait until a real query answers."""
        for attempt in range(3):
            self.port = free_port()
            with open(self.log, "ab") as log:
                self._chown(self.log)
                self.proc = subprocess.Popen(  # type: ignore[call-overload]
                    self._command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.base,
                    start_new_session=True, **self._run_kwargs())
            server = Server("127.0.0.1", self.port, PROJECT_ROLE, socket_dir=str(self.sock),
                            version=self.bins.major, admin=SUPERUSER)
            try:
                wait_ready(server.conninfo(admin=True), self._exited, READY_TIMEOUT, READY_PAUSE,
                           self.log_tail)
                return server
            except _Exited:
                if "could not bind" not in self.log_tail() or attempt == 2:
                    break
            except EngineError:
                self.stop()
                raise
        raise EngineError(f"the local PostgreSQL server did not start:\n{self.log_tail()}")

    def _exited(self) -> BaseException | None:
        return _Exited() if self.proc is not None and self.proc.poll() is not None else None

    def alive(self) -> bool:
        """True while the postgres process runs."""
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the server log, for error messages."""
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "\n".join(text[-lines:]) or "(server log is empty)"

    def stop(self, immediate: bool = False) -> None:
        """Fast shutdown (a clean data directory, as a template needs); escalate to immediate
        shutdown and kill if it hangs. immediate: start there (the data is thrown away anyway)."""
        if not self.alive():
            return
        assert self.proc is not None
        steps = ((signal.SIGINT, 10), (signal.SIGQUIT, 5), (signal.SIGKILL, 5))
        for sig, wait in steps[1:] if immediate else steps:
            try:
                self.proc.send_signal(sig)
                self.proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue
            except ProcessLookupError:
                return

    def destroy(self) -> None:
        """Stop the server (no shutdown checkpoint: its data is removed) and remove the whole
        temporary directory."""
        try:
            self.stop(immediate=True)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def keep_message(cluster: LocalCluster, server: Server) -> str:
    """What to tell a user whose server was kept running with --keep."""
    return (f"Server kept running: {server.url()}\n"
            f"  psql '{server.url()}'\n"
            f"  data directory: {cluster.base}\n"
            "  remove it with: dbharness clean")
