"""Kept builds: a ready data directory stored under its key, with a manifest of every file it
holds (size and CRC-32 of its bytes), what building it said (its notes), and the project it was
built for; the manifest carries a checksum of its own.

A kept build is trusted only once its files are verified against the manifest (verify), so a
truncated relation file, a flipped bit or a garbled pg_control is found, the entry removed and
built again, never used. Builds are made beside the cache and renamed in whole, so a reader never
sees half of one and a concurrent `dbharness clean` never breaks a build under way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zlib
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines.cluster_cache import cache_root
from dbharness.errors import ConfigError

MANIFEST = "manifest.json"
CHUNK = 1 << 20


class NotKept(Exception):
    """The cache cannot be written here (read-only, full, a file in the way): build for this run
    only (internal: the engine says so and goes on)."""


@dataclass(frozen=True)
class Entry:
    """A kept build: where its data directory is, and what building it said."""

    key: str
    path: Path
    notes: tuple[str, ...] = ()

    @property
    def data(self) -> Path:
        return self.path / "data"


def _read(path: str) -> tuple[int, int]:
    """(bytes, CRC-32) of the file at path, as read now."""
    size = crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            crc = zlib.crc32(chunk, crc)
    return size, crc


def _files(data: Path) -> dict[str, str]:
    """name (relative to data) -> path of each regular file under data, symlinks left out (one
    scandir per folder: a kept build holds over a thousand files and is listed on every run)."""
    found: dict[str, str] = {}
    start = len(str(data)) + 1
    folders = [str(data)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for item in entries:
                if item.is_dir(follow_symlinks=False):
                    folders.append(item.path)
                elif item.is_file(follow_symlinks=False):
                    found[item.path[start:]] = item.path
    return found


def _sealed(body: dict[str, object]) -> str:
    text = json.dumps(body, sort_keys=True)
    return json.dumps({"check": hashlib.sha256(text.encode()).hexdigest(), "body": body})


def _opened(text: str) -> dict[str, object] | None:
    try:
        whole = json.loads(text)
        body = whole["body"]
        ok = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest() == whole["check"]
    except (ValueError, KeyError, TypeError):
        return None
    return body if ok and isinstance(body, dict) else None


def _manifest(path: Path) -> dict[str, object] | None:
    """The checked body of the manifest of the kept build at path; None when it is missing,
    unreadable or damaged."""
    try:
        return _opened((path / MANIFEST).read_text())
    except OSError:
        return None


def _manifest_files(path: Path) -> list[list[object]]:
    """The manifest's rows of the kept build at path: name, size, CRC (and, since they carry it,
    the time the file was written)."""
    files = (_manifest(path) or {}).get("files", [])
    return files if isinstance(files, list) else []


def find(storage: Storage, key: str) -> Entry | str | None:
    """The kept build for key; None when there is none; a reason (str) when there is one whose
    manifest is missing or damaged (it must not be used)."""
    path = cache_root(storage) / key
    if not path.exists():
        return None
    body = _manifest(path)
    if body is None or not (path / "data" / "PG_VERSION").exists():
        return "its manifest is missing or damaged"
    notes = body.get("notes", [])
    return Entry(key, path, tuple(str(n) for n in notes) if isinstance(notes, list) else ())


def verify(entry: Entry) -> str | None:
    """Why entry's files are not what was written (None when every one is): a file missing,
    added, of another size or with other bytes."""
    try:
        listed = {str(name): (size, crc) for name, size, crc, *_ in _manifest_files(entry.path)}
        present = _files(entry.data)
        for name in sorted(listed.keys() ^ present.keys()):
            return f"{name} is {'missing' if name in listed else 'not in its manifest'}"
        for name, (size, crc) in sorted(listed.items()):
            now_size, now_crc = _read(present[name])
            if now_size != size:
                return f"{name} has {now_size} bytes, not the {size} it was written with"
            if now_crc != crc:
                return f"{name} does not hold the bytes it was written with"
    except (OSError, ValueError, TypeError) as exc:
        return f"it cannot be read ({exc})"
    return None


def _listed(entry: Entry | None) -> dict[str, tuple[int, int, int]]:
    """name: (size, CRC, mtime in ns) of each file entry's manifest lists with its time."""
    files = _manifest_files(entry.path) if entry is not None else []
    return {str(f[0]): (int(f[1]), int(f[2]), int(f[3])) for f in files  # type: ignore[call-overload]
            if len(f) == 4}


def _seal(staging: Path, notes: tuple[str, ...], owner: str, under: Entry | None) -> None:
    """The manifest of staging's data; a file the build never wrote (copied from under with its
    time kept, of the same size and time) keeps the CRC under's manifest gives it."""
    before = _listed(under)
    files = []
    for name, path in sorted(_files(staging / "data").items()):
        seen = os.stat(path)
        size, crc, mtime = before.get(name, (-1, 0, -1))
        if (size, mtime) != (seen.st_size, seen.st_mtime_ns):
            size, crc = _read(path)
        files.append([name, size, crc, seen.st_mtime_ns])
    (staging / MANIFEST).write_text(_sealed({"files": files, "notes": list(notes), "owner": owner}))


def store(storage: Storage, key: str, build: Callable[[Path], tuple[str, ...]], owner: str = "",
          under: Entry | None = None) -> Entry:
    """Build a data directory (build(dest) makes dest and returns its notes), seal it and keep it
    under key; NotKept when the cache cannot be written (the caller builds for this run only).
    under: the verified kept build it was copied from, whose CRCs hold for the files unwritten."""
    root = cache_root(storage)
    if not root.parent.is_dir():
        raise ConfigError(f"{root.parent}: no such directory for the kept builds; create it or "
                          "unset DBHARNESS_CACHE_DIR")
    staging = root.parent / f".{root.name}-{key}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        try:
            staging.mkdir()
        except OSError as exc:
            raise NotKept(f"{root.parent} cannot be written ({exc.strerror})") from None
        notes = build(staging / "data")
        _seal(staging, notes, owner, under)
        _rename_in(root, staging, key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Entry(key, root / key, notes)


def _rename_in(root: Path, staging: Path, key: str) -> None:
    target = root / key
    for _ in range(3):  # the cache root may vanish under a concurrent clean: make it again
        try:
            root.mkdir(mode=0o755, exist_ok=True)
            os.rename(staging, target)
            return
        except FileNotFoundError:
            continue
        except OSError as exc:
            if target.exists():  # another run kept the same build first
                return
            raise NotKept(f"{root} cannot be written ({exc.strerror})") from None


def discard(storage: Storage, key: str) -> None:
    """Remove a kept build (a damaged one, or one a clean asks to go)."""
    shutil.rmtree(cache_root(storage) / key, ignore_errors=True)


def touch(entry: Entry) -> None:
    """Mark entry as just used (pruning removes the least recently used first)."""
    with suppress(OSError):
        os.utime(entry.path)


def prune(storage: Storage, prefix: str, keep: int, spare: str | None = None) -> None:
    """Remove the least recently used kept builds whose key starts with prefix, beyond keep
    (spare, the one in use, is never removed)."""
    root = cache_root(storage)
    try:
        found = sorted((p for p in root.glob(prefix + "*") if p.is_dir() and p.name != spare),
                       key=lambda p: p.stat().st_mtime, reverse=True) if root.is_dir() else []
    except OSError:
        return
    for old in found[max(keep - 1, 0):]:
        shutil.rmtree(old, ignore_errors=True)


def owner_of(path: Path) -> str | None:
    """The project a kept build was made for, from its manifest."""
    body = _manifest(path)
    owner = body.get("owner") if body else None
    return owner if isinstance(owner, str) else None


def any_for(storage: Storage, prefix: str, project: str) -> bool:
    """Whether a kept build whose key starts with prefix was made for project."""
    root = cache_root(storage)
    try:
        return any(owner_of(p) == project for p in root.glob(prefix + "*") if p.is_dir())
    except OSError:
        return False


def forget_project(storage: Storage, project: str) -> int:
    """Remove the kept builds made for project; returns how many."""
    root = cache_root(storage)
    gone = [p for p in (root.iterdir() if root.is_dir() else []) if p.is_dir() and owner_of(p) == project]
    for path in gone:
        shutil.rmtree(path, ignore_errors=True)
    return len(gone)


def clear(storage: Storage) -> int:
    """Remove every kept build and result; returns how many entries."""
    root = cache_root(storage)
    if not root.exists():
        return 0
    count = sum(1 for _ in root.iterdir())
    shutil.rmtree(root, ignore_errors=True)
    return count
