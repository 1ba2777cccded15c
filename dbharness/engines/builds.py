"""Which kept build a local server starts from, made on a miss: the base cluster (compat, pgTAP),
then the project's stages on top of it (every migration but the newest, then the rest), each kept
under a key of what it holds and of the stage under it, so an edit of the newest migration starts
from the database of all the others.

Nothing kept is built on before its files are verified; a damaged entry is removed, said, and
built again. Where the cache cannot be written, the builds of this run are made in the scratch
folder for this run only, and that is said too.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from dbharness.config import Storage
from dbharness.engines import cluster_cache, kept
from dbharness.engines.base import ClusterRecipe, Server
from dbharness.engines.cluster_cache import move_data
from dbharness.engines.kept import Entry, NotKept
from dbharness.progress import Progress

PROJECT_BUILDS = 16  # project stages kept (each project, each recipe); the least recently used go


class Rebuild(Exception):
    """A kept build was damaged and removed: resolve again (internal)."""


class Started(Protocol):
    """A running cluster to build on (the engine's), then stopped cleanly and removed."""

    data: Path

    def stop(self) -> None: ...

    def destroy(self) -> None: ...


MakeCluster = Callable[[Path | None], tuple[Started, Server]]  # a started cluster from a data dir


class Builds:
    """The chain of kept builds under one engine run."""

    def __init__(self, storage: Storage, report: Progress, base: ClusterRecipe, base_key: str,
                 start: MakeCluster) -> None:
        self.storage = storage
        self.report = report
        self.base = base
        self.base_key = base_key
        self.start = start
        self.one_use: list[Path] = []  # builds made for this run only (the cache cannot be written)
        self.made: set[str] = set()  # keys this run built
        self.said_not_kept = False

    def key(self, recipe: ClusterRecipe) -> str:
        """The kept name of recipe: of what it holds and of every stage under it."""
        if recipe is self.base:
            return self.base_key
        under = self.key(recipe.start or self.base)
        return "proj-" + hashlib.sha256(f"{under}\0{recipe.key}".encode()).hexdigest()[:20]

    def resolve(self, recipe: ClusterRecipe) -> Entry:
        """The kept build of recipe (and of every stage under it), made where missing; while
        nothing of its project is kept, made in one go (recipe.alone) without the stages under it,
        which the first edit of the newest migration then builds."""
        key = self.key(recipe)
        found = kept.find(self.storage, key)
        if isinstance(found, str):
            self.damaged(key, found)
        elif found is not None:
            kept.touch(found)
            return found
        if recipe is self.base:
            return self._make(key, recipe, None)
        kept_for_project = recipe.alone is not None and kept.any_for(self.storage, "proj-", recipe.owner)
        alone = None if kept_for_project else recipe.alone
        under = self.resolve(self.base if alone else recipe.start or self.base)
        self.trust(under)
        entry = self._make(key, alone or recipe, under)
        kept.prune(self.storage, "proj-", PROJECT_BUILDS, spare=entry.key)
        return entry

    def trust(self, entry: Entry) -> None:
        """Verify a kept build before it is used; a damaged one is removed and Rebuild raised."""
        if entry.path.is_relative_to(cluster_cache.cache_root(self.storage)):
            problem = kept.verify(entry)
            if problem:
                self.damaged(entry.key, problem)
                raise Rebuild(entry.key)

    def damaged(self, key: str, why: str) -> None:
        """Say that a kept build is damaged, and remove it."""
        self.report(f"warning: the kept build {key} is damaged ({why}): removed; building it again")
        kept.discard(self.storage, key)

    def build_on(self, key: str, under: Entry | None, recipe: ClusterRecipe, dest: Path) -> tuple[str, ...]:
        """A cluster started from under (None: initdb), recipe applied, stopped cleanly and moved
        to dest, kept as key; what building it and the stages under it said."""
        what = "base cluster" if under is None else "kept build"
        self.report(f"building the {what} {key} (again only when what it holds changes)")
        self.say_again(under)
        started, server = self.start(under.data if under else None)
        try:
            notes = recipe.init(server)
            started.stop()
            move_data(started.data, dest)
        finally:
            started.destroy()
        return (*(under.notes if under else ()), *(notes or ()))

    def say_again(self, under: Entry | None) -> None:
        """What building a stage kept from an earlier run said, said again by a run that builds on it."""
        if under is not None and under.key not in self.made:
            for note in under.notes:
                self.report(note)

    def _make(self, key: str, recipe: ClusterRecipe, under: Entry | None) -> Entry:
        def build(dest: Path) -> tuple[str, ...]:
            return self.build_on(key, under, recipe, dest)

        self.made.add(key)
        try:
            return kept.store(self.storage, key, build, recipe.owner, under)
        except NotKept as exc:
            if not self.said_not_kept:
                self.report(f"warning: builds cannot be kept ({exc}): this run builds what it needs "
                            "for itself")
                self.said_not_kept = True
            folder = Path(tempfile.mkdtemp(prefix="dbharness_build_",
                                           dir=cluster_cache.scratch_dir(self.storage)))
            self.one_use.append(folder)
            return Entry(key, folder, build(folder / "data"))

    def close(self) -> None:
        """Remove the builds made for this run only."""
        for folder in self.one_use:
            shutil.rmtree(folder, ignore_errors=True)
