"""The local engine: a throwaway cluster made with initdb in a temporary directory, always removed."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines import cluster_cache, kept
from dbharness.engines.base import ClusterRecipe, Server, wait_ready
from dbharness.engines.builds import Builds, Rebuild
from dbharness.engines.cluster_cache import copy_data
from dbharness.engines.kept import Entry
from dbharness.engines.pgbin import PgBinaries, complete, find_binaries, preload_settings, search_key
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


class LocalEngine:
    """The default engine: PostgreSQL server binaries of this machine, no Docker needed.

    base and project are what it keeps as ready clusters (compat and pgTAP; the project's stages);
    with keep_project False the project's last stage is built in the server itself, from the kept
    stage under it (the watch loop's rebuilds: no copy kept that nobody reuses)."""

    name = "local"

    def __init__(self, pg_bindir: str | None = None, report: Callable[[str], None] | None = None,
                 base: ClusterRecipe | None = None, project: ClusterRecipe | None = None,
                 storage: Storage | None = None, keep_project: bool = True) -> None:
        self.pg_bindir = pg_bindir
        self.report = report or (lambda _msg: None)
        self.storage = storage or Storage.from_environment()
        self.cluster: LocalCluster | None = None
        self.base = base
        self.project = project
        self.keep_project = keep_project
        self.built_from: str | None = None  # the project's build the server's database is
        self.reused = False  # that build was kept already (not made by this run)
        self.notes: tuple[str, ...] = ()  # what making it said, when it was kept already

    def _new_cluster(self, bins: PgBinaries, owner: OsUser | None) -> LocalCluster:
        return LocalCluster(bins, owner, self.storage)

    def _builds(self, bins: PgBinaries, owner: OsUser | None) -> Builds | None:
        if self.base is None or not cluster_cache.enabled(self.storage):
            return None
        # the copy keeps the files' owner, which must be the account this server runs as now
        files_owner = str(owner.uid if owner else os.geteuid())
        key = cluster_cache.cache_key(bins, " ".join(INITDB_ARGS) + repr(SERVER_SETTINGS)
                                      + repr(preload_settings(bins)) + files_owner + self.base.key)

        def started(data: Path | None) -> tuple[LocalCluster, Server]:
            cluster = self._new_cluster(bins, owner)
            try:
                cluster.init(data)
                return cluster, cluster.start()
            except BaseException:
                cluster.destroy()
                raise

        return Builds(self.storage, self.report, self.base, key, started)

    def _source(self, builds: Builds | None) -> tuple[Entry | None, ClusterRecipe | None]:
        """The kept build to copy, and the project's stage to build in the server (or None)."""
        self.built_from, self.reused, self.notes = None, False, ()
        if builds is None:
            return None, None
        if self.project is None:
            return builds.resolve(self.base), None  # type: ignore[arg-type]
        if not self.keep_project:
            under = builds.resolve(self.project.start or self.base)  # type: ignore[arg-type]
            self.built_from = builds.key(self.project, under)
            return under, self.project
        made = len(builds.made)
        entry = builds.resolve(self.project)
        self.built_from, self.reused, self.notes = entry.key, len(builds.made) == made, entry.notes
        return entry, None

    def _start(self, bins: PgBinaries, owner: OsUser | None,
               builds: Builds | None) -> tuple[LocalCluster, Server]:
        """A started cluster from its kept build, verified while it starts; a damaged build is
        removed and made again (at most twice)."""
        for _ in range(3):
            try:
                source, pending = self._source(builds)
            except Rebuild:
                continue
            cluster = self._new_cluster(bins, owner)
            self.cluster = cluster
            check = Verification(source if builds and source and source.key not in builds.made else None)
            try:
                cluster.init(source.data if source else None)
                server = cluster.start()
            except EngineError as exc:
                cluster.destroy()
                if builds is None or source is None:
                    raise
                builds.damaged(source.key, check.result() or f"no server starts from it: {exc}")
                continue
            problem = check.result()
            if problem and builds is not None and source is not None:
                cluster.destroy()
                builds.damaged(source.key, problem)
                continue
            if pending is not None:
                self.notes = tuple(pending.init(server) or ())
            return cluster, server
        raise EngineError("the kept builds were damaged three times in a row (a failing disk?); run "
                          "dbharness clean --all, or set DBHARNESS_NO_CACHE=1")

    @contextmanager
    def running(self, keep: bool = False) -> Iterator[Server]:
        """A started cluster; stopped and removed on exit, error or Ctrl-C unless keep."""
        bins = known_binaries(self.pg_bindir, self.storage)
        owner = server_os_user()
        builds = self._builds(bins, owner)
        try:
            cluster, server = self._start(bins, owner, builds)
            try:
                yield server
            except BaseException:
                cluster.destroy()
                raise
            if keep:
                cluster.mark(kept=True)
                self.report(keep_message(cluster, server))
            else:
                cluster.destroy()
        finally:
            if builds is not None:
                builds.close()

    def check_alive(self) -> None:
        """Raise EngineError with the log when the server has died under us."""
        if self.cluster is not None and not self.cluster.alive():
            raise EngineError(f"the local server died:\n{self.cluster.log_tail()}")


class Verification:
    """A kept build's files checked against its manifest in a thread of its own, while its copy
    starts (None: nothing to check, a build this run made)."""

    def __init__(self, entry: Entry | None) -> None:
        self.found: list[str | None] = []
        self.thread = None
        if entry is not None:
            self.thread = threading.Thread(target=lambda: self.found.append(kept.verify(entry)),
                                           daemon=True)
            self.thread.start()

    def result(self) -> str | None:
        """Why the build is damaged, or None."""
        if self.thread is None:
            return None
        self.thread.join()
        return self.found[0] if self.found else "it could not be verified"


def known_binaries(explicit: str | None, storage: Storage) -> PgBinaries:
    """find_binaries, remembered beside the kept builds: the search runs pg_config and postgres
    (tens of milliseconds a run), and its answer changes only with what search_key reads."""
    if not cluster_cache.enabled(storage):
        return find_binaries(explicit)
    where = cluster_cache.cache_root(storage) / "binaries.json"
    key = search_key(explicit)
    try:
        found = json.loads(where.read_text())
        if found["key"] == key and complete(Path(found["bindir"])):
            return PgBinaries(Path(found["bindir"]), int(found["major"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    bins = find_binaries(explicit)
    with suppress(OSError):
        where.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        where.write_text(json.dumps({"key": key, "bindir": str(bins.bindir), "major": bins.major}))
    return bins


def keep_message(cluster: LocalCluster, server: Server) -> str:
    """What to tell a user whose server was kept running with --keep."""
    return (f"Server kept running: {server.url()}\n"
            f"  psql '{server.url()}'\n"
            f"  data directory: {cluster.base}\n"
            "  remove it with: dbharness clean")
