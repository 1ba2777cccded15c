"""Where throwaway clusters and kept builds live, and what a kept cluster's key is made of.

initdb is most of a cold start; copying a ready data directory costs a fraction of it. Kept builds
(kept.py) live beside the throwaway clusters (see scratch_dir), one entry per key; `dbharness clean`
removes them and DBHARNESS_NO_CACHE=1 turns them off. Where they live comes from the settings'
Storage.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
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


def _server_build(bins: PgBinaries) -> str:
    """Which postgres binary this is: its path, size and modification time (a package upgrade
    changes them), without starting it."""
    seen = Path(bins.path("postgres")).stat()
    return f"{bins.path('postgres')}:{seen.st_size}:{seen.st_mtime_ns}:{seen.st_ino}"


def cache_key(bins: PgBinaries, settings: str) -> str:
    """What a base cluster depends on: server build, settings and recipe (given), pgTAP version."""
    h = hashlib.sha256()
    for part in (_server_build(bins), str(bins.bindir), settings, _pgtap_version(bins)):
        h.update(part.encode())
        h.update(b"\0")
    return f"pg{bins.major}-{h.hexdigest()[:16]}"


def move_data(source: Path, dest: Path) -> None:
    """A stopped cluster's data directory moved to dest: renamed where both are on one file
    system, else copied (cp -a) and removed."""
    try:
        os.rename(source, dest)
    except OSError:
        copy_data(source, dest)
        shutil.rmtree(source, ignore_errors=True)


def copy_data(source: Path, dest: Path) -> None:
    """cp -a: keeps the postgres owner and modes that the server insists on."""
    out = subprocess.run(["cp", "-a", str(source), str(dest)], capture_output=True, text=True)
    if out.returncode != 0:
        raise EngineError(f"copying the kept cluster failed: {out.stderr.strip()}")
