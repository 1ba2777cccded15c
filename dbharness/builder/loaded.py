"""pgTAP files loaded once per content: reading a file's psql script, splitting its queries with
the parser and classifying it is kept, keyed by the file, its variables, the working directory
(psql's \\i is relative to it) and the harness, and reused only while every file it read (includes
too) is byte for byte what it was and every environment variable it read (\\getenv) has the value
it had. A file with \\gset or \\gexec keeps its program too: its queries that depend on results
are the only ones parsed when it runs. DBHARNESS_NO_CACHE=1 turns it off with the other caches."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from dbharness.builder import inputs, memo
from dbharness.config import Storage
from dbharness.engines import cluster_cache
from dbharness.suite import testfiles

KIND = "loaded"
KEEP = 512  # loaded files kept (every version of every test file); older ones are removed
Sources = list[tuple[str, str]]  # (path, sha256 of its bytes) of every file a load read


def _digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "(unreadable)"


def _key(path: Path, variables: dict[str, str] | None) -> str:
    return memo.key(inputs.harness(), str(path.resolve()), os.getcwd(),
                    repr(sorted((variables or {}).items())))


def _kept(storage: Storage, of: str, root: Path | None) -> testfiles.TestFile | None:
    found = memo.kept(storage, KIND, of)
    if not isinstance(found, tuple) or len(found) != 2:
        return None
    sources, kept = found
    if any(_digest(name) != digest for name, digest in sources):
        return None
    if any(os.environ.get(name) != value for name, value in kept.environ):
        return None
    kept.root = root
    return kept


def _keep(storage: Storage, of: str, loaded: testfiles.TestFile) -> None:
    sources: Sources = [(str(p), _digest(str(p))) for p in loaded.sources]
    memo.keep(storage, KIND, of, (sources, testfiles.without_trees(loaded)), KEEP)


def load(storage: Storage, path: Path, root: Path | None = None,
         variables: dict[str, str] | None = None) -> testfiles.TestFile:
    """testfiles.load(path), from the cache when nothing it read has changed since."""
    if not cluster_cache.enabled(storage):
        return testfiles.load(path, variables, root)
    of = _key(path, variables)
    kept = _kept(storage, of, root)
    if kept is not None:
        return kept
    loaded = testfiles.load(path, variables, root)
    if loaded.error is None:
        _keep(storage, of, loaded)
    return loaded
