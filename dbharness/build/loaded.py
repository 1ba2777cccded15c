"""pgTAP files loaded once per content: expanding a file's psql script, splitting it with the
parser and classifying it is kept, keyed by the file, its variables, the working directory (psql's
\\i is relative to it) and the harness, and reused only while every file it read (includes too) is
byte for byte what it was. DBHARNESS_NO_TEMPLATE=1 turns it off with the other caches."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from dbharness.build import fingerprint, memo
from dbharness.engines import template
from dbharness.suite import testfiles

KEEP = 512  # loaded files kept (every version of every test file); older ones are removed
Sources = list[tuple[str, str]]  # (path, sha256 of its bytes) of every file a load read


def _digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "(unreadable)"


def _place(path: Path, variables: dict[str, str] | None) -> Path:
    of = memo.key(fingerprint.harness(), str(path.resolve()), os.getcwd(),
                  repr(sorted((variables or {}).items())))
    return memo.folder() / f"loaded-{of}.pickle"


def _kept(place: Path, root: Path | None) -> testfiles.TestFile | None:
    try:
        sources, kept = pickle.loads(place.read_bytes())  # noqa: S301 (the user's own cache, 0700)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if any(_digest(name) != digest for name, digest in sources):
        return None
    kept.root = root
    return kept


def _keep(place: Path, loaded: testfiles.TestFile) -> None:
    sources: Sources = [(str(p), _digest(str(p))) for p in loaded.sources]
    try:
        place.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = place.with_name(f".{place.name}.{os.getpid()}")
        staging.write_bytes(pickle.dumps((sources, testfiles.without_trees(loaded))))
        os.replace(staging, place)
        for old in sorted(place.parent.glob("loaded-*.pickle"), key=lambda p: p.stat().st_mtime)[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written costs time, never a verdict


def load(path: Path, root: Path | None = None, variables: dict[str, str] | None = None) -> testfiles.TestFile:
    """testfiles.load(path), from the cache when nothing it read has changed since."""
    if not template.enabled():
        return testfiles.load(path, variables, root)
    place = _place(path, variables)
    kept = _kept(place, root)
    if kept is not None:
        return kept
    loaded = testfiles.load(path, variables, root)
    if loaded.error is None:
        _keep(place, loaded)
    return loaded
