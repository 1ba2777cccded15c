"""The local engine: a throwaway cluster made with initdb in a temporary directory, always removed."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.engines.base import ClusterRecipe, Server, wait_ready
from dbharness.engines.cluster_cache import copy_data
from dbharness.engines.pgbin import PgBinaries, find_binaries, preload_settings
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
PROJECT_BUILDS = 8  # migrated clusters kept (each project, each recipe); older ones are removed
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
            try:
                copy_data(template, self.data)
                return
            except EngineError:  # a concurrent `dbharness clean` emptied the cache: make one anew
                shutil.rmtree(self.data, ignore_errors=True)
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


class LocalEngine:
    """The default engine: PostgreSQL server binaries of this machine, no Docker needed."""

    name = "local"

    def __init__(self, pg_bindir: str | None = None, report: Callable[[str], None] | None = None,
                 base: ClusterRecipe | None = None, project: ClusterRecipe | None = None,
                 storage: Storage | None = None) -> None:
        self.pg_bindir = pg_bindir
        self.report = report or (lambda _msg: None)
        self.storage = storage or Storage.from_environment()
        self.cluster: LocalCluster | None = None
        self.base = base  # the project-independent start: compat and pgTAP
        self.project = project  # the project's database, built on top of base and kept too
        self.built_from: str | None = None  # the key of the kept build the server started from
        self.reused = False  # that build was kept already (not made by this run)
        self.notes: tuple[str, ...] = ()

    def _new_cluster(self, bins: PgBinaries, owner: OsUser | None) -> LocalCluster:
        return LocalCluster(bins, owner, self.storage)

    def _base_cluster(self, bins: PgBinaries, owner: OsUser | None, recipe: ClusterRecipe) -> Path:
        """The kept ready cluster for this server build and recipe, built on a miss."""
        # the copy keeps the files' owner, which must be the account this server runs as now
        files_owner = str(owner.uid if owner else os.geteuid())
        key = cluster_cache.cache_key(bins, " ".join(INITDB_ARGS) + repr(SERVER_SETTINGS)
                                      + repr(preload_settings(bins)) + files_owner + recipe.key)

        def build(dest: Path) -> None:
            self.report(f"building the base cluster {key} (once per PostgreSQL and compat version)")
            self._make(bins, owner, None, recipe, dest)

        return cluster_cache.get_or_build(self.storage, key, build)

    def _make(self, bins: PgBinaries, owner: OsUser | None, start: Path | None, recipe: ClusterRecipe,
              dest: Path) -> None:
        """A cluster from start (None: initdb) with recipe applied, stopped cleanly, copied to dest."""
        cluster = self._new_cluster(bins, owner)
        try:
            cluster.init(start)
            recipe.init(cluster.start())
            cluster.stop()
            copy_data(cluster.data, dest)
        finally:
            cluster.destroy()

    def _project_cluster(self, bins: PgBinaries, owner: OsUser | None, base: Path,
                         recipe: ClusterRecipe) -> Path:
        """The kept cluster whose database the project's recipe built, on top of base."""
        key = "proj-" + hashlib.sha256(f"{base.name}\0{recipe.key}".encode()).hexdigest()[:20]
        self.reused = True

        def build(dest: Path) -> None:
            self.reused = False
            self.report(f"building the migrated cluster {key} (again only when a migration, the "
                        "seed, a test helper or the harness changes)")
            self._make(bins, owner, base, recipe, dest)

        found = cluster_cache.get_or_build(self.storage, key, build)
        if not self.reused and recipe.owner:
            cluster_cache.mark_owner(self.storage, key, recipe.owner)
        cluster_cache.prune(self.storage, "proj-", keep=PROJECT_BUILDS, spare=found)
        self.built_from = key
        return found

    @contextmanager
    def running(self, keep: bool = False) -> Iterator[Server]:
        """A started cluster; stopped and removed on exit, error or Ctrl-C unless keep."""
        bins = find_binaries(self.pg_bindir)
        owner = server_os_user()
        use = self.base is not None and cluster_cache.enabled(self.storage)
        ready = self._base_cluster(bins, owner, self.base) if use and self.base else None
        if ready is not None and self.project is not None:
            ready = self._project_cluster(bins, owner, ready, self.project)
        cluster = self._new_cluster(bins, owner)
        self.cluster = cluster
        try:
            cluster.init(ready)
            server = cluster.start()
            yield server
        except BaseException:
            cluster.destroy()
            raise
        if keep:
            cluster.mark(kept=True)
            self.report(keep_message(cluster, server))
        else:
            cluster.destroy()

    def check_alive(self) -> None:
        """Raise EngineError with the log when the server has died under us."""
        if self.cluster is not None and not self.cluster.alive():
            raise EngineError(f"the local server died:\n{self.cluster.log_tail()}")


def keep_message(cluster: LocalCluster, server: Server) -> str:
    """What to tell a user whose server was kept running with --keep."""
    return (f"Server kept running: {server.url()}\n"
            f"  psql '{server.url()}'\n"
            f"  data directory: {cluster.base}\n"
            "  remove it with: dbharness clean")
