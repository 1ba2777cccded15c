"""Results that cost time and depend only on content (lint findings, schema coverage, loaded test
files), kept by a key made from that content, so a kept result can never be stale: any edit is a
new key. Each is written with a checksum of its bytes and read only when the checksum holds, so a
damaged entry is computed again, never used. They live beside the kept clusters (per user);
DBHARNESS_NO_CACHE=1 turns both off."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from dbharness.config import Storage
from dbharness.engines import cluster_cache

T = TypeVar("T")
KEEP = 32  # results kept per kind; older ones are removed
DIGEST = 32  # bytes of the sha256 that opens every kept file


def key(*parts: str | bytes) -> str:
    """A short hash of parts, each delimited so that no two lists of parts collide."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()[:24]


def files_key(paths: list[Path], root: Path) -> str:
    """The key of a list of files: their names (relative to root where they lie in it) and bytes."""
    parts: list[str | bytes] = []
    for path in paths:
        name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        parts += [name, path.read_bytes() if path.is_file() else b"(missing)"]
    return key(*parts)


def folder(storage: Storage) -> Path:
    """Where kept results live."""
    return cluster_cache.cache_root(storage) / "results"


MISSING = object()  # what kept() returns when nothing usable is kept


def kept(storage: Storage, kind: str, of: str) -> object:
    """The value kept for kind and key `of`, or MISSING (none, one that cannot be read, or one
    whose bytes are not what was written)."""
    try:
        data = (folder(storage) / f"{kind}-{of}.pickle").read_bytes()
    except OSError:
        return MISSING
    body = data[DIGEST:]
    if len(data) <= DIGEST or hashlib.sha256(body).digest() != data[:DIGEST]:
        return MISSING
    try:
        return pickle.loads(body)  # noqa: S301 (the user's own cache, mode 0700, checksummed)
    except (pickle.PickleError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return MISSING


def keep(storage: Storage, kind: str, of: str, value: object, most: int = KEEP) -> None:
    """Keep value for kind and key `of`, written whole or not at all; the oldest beyond `most` of
    that kind are removed."""
    path = folder(storage) / f"{kind}-{of}.pickle"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}")
        body = pickle.dumps(value)
        staging.write_bytes(hashlib.sha256(body).digest() + body)
        os.replace(staging, path)
        for old in sorted(path.parent.glob(f"{kind}-*.pickle"), key=_age)[:-most]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written costs time, never a verdict


def _age(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # removed meanwhile (a clean, another run's pruning)
        return 0.0


def remembered(storage: Storage, kind: str, of: str, compute: Callable[[], T]) -> T:
    """compute()'s result for the content keyed `of`, from the cache when it was computed before."""
    if not cluster_cache.enabled(storage):
        return compute()
    found = kept(storage, kind, of)
    if found is not MISSING:
        return found  # type: ignore[return-value]
    value = compute()
    keep(storage, kind, of, value)
    return value
