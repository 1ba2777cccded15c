"""The dbharness_rules server module: its source, whether a server has its current build, building it.

The module (server/dbharness_rules.c) applies the platform's rules for postgres inside the server;
see rules.py. `dbharness setup` builds it with PGXS against the server's own headers and installs
it next to the server's libraries with a stamp of the source it was built from, so a harness
whose source changed asks for setup again instead of running with an old build.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from dbharness.errors import PrerequisiteError

NAME = "dbharness_rules"
SOURCE_DIR = Path(__file__).with_name("server")
SOURCES = ("dbharness_rules.c", "Makefile")


@lru_cache(maxsize=1)
def source_key() -> str:
    """The sha256 of the module's sources: the stamp its installed build carries."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((SOURCE_DIR / name).read_bytes())
    return digest.hexdigest()


def library(libdir: Path) -> Path:
    """Where the server loads the module from."""
    return libdir / f"{NAME}.so"


def stamp(libdir: Path) -> Path:
    """The file that says which source the installed build came from."""
    return libdir / f"{NAME}.source-sha256"


def installed(libdir: Path) -> bool:
    """True when libdir holds a build of the module."""
    return library(libdir).exists()


def current(libdir: Path) -> bool:
    """True when libdir holds a build of exactly this source."""
    try:
        built_from = stamp(libdir).read_text().strip()
    except OSError:
        return False
    return installed(libdir) and built_from == source_key()


def build(pg_config: Path, workdir: Path) -> tuple[Path, Path]:
    """Build the module with PGXS in workdir; returns the library and its stamp."""
    for name in SOURCES:
        shutil.copy(SOURCE_DIR / name, workdir / name)
    out = subprocess.run(["make", f"PG_CONFIG={pg_config}", "with_llvm=no"], cwd=workdir,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise PrerequisiteError(f"building the {NAME} server module failed:\n"
                                f"{(out.stdout + out.stderr).strip()[-2000:]}")
    key = workdir / f"{NAME}.source-sha256"
    key.write_text(source_key() + "\n")
    return workdir / f"{NAME}.so", key


def build_dir() -> tempfile.TemporaryDirectory[str]:
    """A scratch directory for a build (removed when its context ends)."""
    return tempfile.TemporaryDirectory(prefix=f"{NAME}-build-")
