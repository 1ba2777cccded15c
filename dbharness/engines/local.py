"""The local engine: a throwaway cluster of this machine's PostgreSQL, started from the project's
kept build (made on a miss), verified while it starts, always removed."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines import cluster_cache, kept
from dbharness.engines.base import ClusterRecipe, Server
from dbharness.engines.builds import Builds, Rebuild
from dbharness.engines.cluster import (
    INITDB_ARGS,
    SERVER_SETTINGS,
    LocalCluster,
    OsUser,
    keep_message,
    server_os_user,
)
from dbharness.engines.kept import Entry
from dbharness.engines.pgbin import PgBinaries, complete, find_binaries, preload_settings, search_key
from dbharness.errors import EngineError

__all__ = ["LocalCluster", "LocalEngine", "OsUser", "known_binaries"]


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
            self.built_from, self.notes = builds.key(self.project), under.notes
            builds.say_again(under)
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
                self.notes = (*self.notes, *(pending.init(server) or ()))
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
