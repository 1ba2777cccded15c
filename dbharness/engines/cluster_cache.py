"""A cache of initialised clusters (compat and pgTAP installed), keyed by PostgreSQL and compat versions.

initdb is most of a cold start; copying a ready data directory costs a fraction of it. The cache
lives beside the throwaway clusters (see scratch_dir), one entry per key; `dbharness clean` empties it and
DBHARNESS_NO_CACHE=1 turns it off. Where it lives comes from the settings' Storage.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from dbharness.config import Storage
from dbharness.engines.pgbin import PgBinaries, pgtap_control
from dbharness.errors import ConfigError, EngineError


def scratch_dir(storage: Storage) -> Path:
    """Where throwaway clusters live: DBHARNESS_TMPDIR (which must exist: the harness creates no
    directory outside its own), else /dev/shm (RAM, so copying a kept cluster costs tens of
    milliseconds instead of hundreds), else the system temp directory."""
    explicit = storage.tmpdir
    if explicit:
        if not explicit.is_dir():
            raise ConfigError(f"DBHARNESS_TMPDIR={explicit}: no such directory; create it or unset "
                              "the variable")
        return explicit
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return Path(tempfile.gettempdir())


def scratch_dirs(storage: Storage) -> list[Path]:
    """Every place a cluster directory may have been left, for dbharness clean (only the chosen one
    when DBHARNESS_TMPDIR is set)."""
    if storage.tmpdir:
        return [scratch_dir(storage)]
    return list(dict.fromkeys([scratch_dir(storage), Path(tempfile.gettempdir())]))


def cache_root(storage: Storage) -> Path:
    """DBHARNESS_CACHE_DIR, or a per-user directory beside the throwaway clusters."""
    return storage.cache_dir or scratch_dir(storage) / f"dbharness_cache_{os.geteuid()}"


def enabled(storage: Storage) -> bool:
    """False when the project's runs keep nothing (DBHARNESS_NO_CACHE)."""
    return storage.keep


def _pgtap_version(bins: PgBinaries) -> str:
    control = pgtap_control(bins)
    return control.read_text() if control.exists() else "no pgtap"


def cache_key(bins: PgBinaries, settings: str) -> str:
    """What the template depends on: server build, settings and recipe (given), pgTAP version."""
    version = subprocess.run([bins.path("postgres"), "--version"], capture_output=True, text=True).stdout
    h = hashlib.sha256()
    for part in (version, str(bins.bindir), settings, _pgtap_version(bins)):
        h.update(part.encode())
        h.update(b"\0")
    return f"pg{bins.major}-{h.hexdigest()[:16]}"


def copy_data(source: Path, dest: Path) -> None:
    """cp -a: keeps the postgres owner and modes that the server insists on."""
    out = subprocess.run(["cp", "-a", str(source), str(dest)], capture_output=True, text=True)
    if out.returncode != 0:
        raise EngineError(f"copying the cluster template failed: {out.stderr.strip()}")


def get_or_build(storage: Storage, key: str, build: Callable[[Path], None]) -> Path:
    """The cached data directory for key; on a miss, build(dest) makes it first.

    The build goes to a directory beside the cache (not inside it), then is renamed into place,
    so a concurrent `dbharness clean` that empties the cache never breaks a build under way, and a
    reader never sees half a template.
    """
    root = cache_root(storage)
    target = root / key
    if (target / "PG_VERSION").exists():
        return target
    if not root.parent.is_dir():
        raise ConfigError(f"{root.parent}: no such directory for the template cache; create it or "
                          "unset DBHARNESS_CACHE_DIR")
    staging = root.parent / f".{root.name}-{key}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        build(staging)
        for _ in range(3):  # the cache root may vanish under a concurrent clean: make it again
            root.mkdir(mode=0o755, exist_ok=True)
            try:
                os.rename(staging, target)
                break
            except FileNotFoundError:
                continue
            except OSError:
                if (target / "PG_VERSION").exists():  # another run put the same template first
                    break
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def prune(storage: Storage, prefix: str, keep: int, spare: Path | None = None) -> None:
    """Remove the least recently used kept clusters whose key starts with prefix, beyond keep
    (spare, the one in use, is never removed)."""
    root = cache_root(storage)
    if spare is not None:
        os.utime(spare)
    found = sorted((p for p in root.glob(prefix + "*") if p.is_dir() and p != spare),
                   key=lambda p: p.stat().st_mtime, reverse=True) if root.is_dir() else []
    for old in found[max(keep - 1, 0):]:
        shutil.rmtree(old, ignore_errors=True)
        (root / f"{old.name}{OWNER}").unlink(missing_ok=True)


OWNER = ".owner"  # beside a kept cluster: the project it was built for (dbharness clean)


def mark_owner(storage: Storage, key: str, project: str) -> None:
    """Record which project a kept cluster belongs to; a cache that cannot be written is no error."""
    with suppress(OSError):
        (cache_root(storage) / f"{key}{OWNER}").write_text(project)


def forget_project(storage: Storage, project: str) -> int:
    """Remove the kept clusters built for project; returns how many."""
    root = cache_root(storage)
    count = 0
    for marker in root.glob(f"*{OWNER}") if root.is_dir() else []:
        try:
            owner = marker.read_text()
        except OSError:
            continue
        if owner == project:
            shutil.rmtree(root / marker.name.removesuffix(OWNER), ignore_errors=True)
            marker.unlink(missing_ok=True)
            count += 1
    return count


def clear(storage: Storage) -> int:
    """Remove every kept cluster and result; returns how many entries."""
    root = cache_root(storage)
    if not root.exists():
        return 0
    count = sum(1 for _ in root.iterdir())
    shutil.rmtree(root, ignore_errors=True)
    return count
