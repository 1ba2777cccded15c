"""The harness's native server modules: their sources, whether a server has their builds, building them.

Two modules, each built by `dbharness setup` with PGXS against the server's own headers and
installed next to the server's libraries with a stamp of the source it was built from
(NAME.source-sha256), so a harness whose source changed asks for setup again instead of running
with an old build:
- dbharness_rules (server/dbharness_rules.c): the platform's rules for postgres inside the server,
  preloaded by the local engine; see rules.py;
- vector (vector/): the offline pgvector, an extension, whose control file and SQL script go to
  the server's extension directory beside its library.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dbharness.errors import PrerequisiteError

HERE = Path(__file__).parent


@dataclass(frozen=True)
class NativeModule:
    """One module: what it is and does (for messages), its source folder and files (in stamp
    order), and the files of it that go to the server's extension directory (none for a module
    that is only a library)."""

    name: str
    what: str
    purpose: str
    source_dir: Path
    sources: tuple[str, ...]
    extension_files: tuple[str, ...] = ()

    def source_key(self) -> str:
        """The sha256 of the module's sources: the stamp its installed build carries."""
        return _source_key(self.source_dir, self.sources)

    def library(self, libdir: Path) -> Path:
        """Where the server loads the module from."""
        return libdir / f"{self.name}.so"

    def stamp(self, libdir: Path) -> Path:
        """The file that says which source the installed build came from."""
        return libdir / f"{self.name}.source-sha256"

    def installed(self, libdir: Path) -> bool:
        """True when libdir holds a build of the module."""
        return self.library(libdir).exists()

    def current(self, libdir: Path, extdir: Path | None = None) -> bool:
        """True when libdir holds a build of exactly this source (and extdir, when given, the
        module's extension files as they are here)."""
        try:
            built_from = self.stamp(libdir).read_text().strip()
        except OSError:
            return False
        if not self.installed(libdir) or built_from != self.source_key():
            return False
        return extdir is None or all(
            (extdir / name).exists() and (extdir / name).read_bytes() == (self.source_dir / name).read_bytes()
            for name in self.extension_files)

    def extension_paths(self) -> list[Path]:
        """The module's files for the extension directory, as they are in the package."""
        return [self.source_dir / name for name in self.extension_files]

    def build(self, pg_config: Path, workdir: Path) -> tuple[Path, Path]:
        """Build the module with PGXS in workdir; returns the library and its stamp."""
        for name in self.sources:
            shutil.copy(self.source_dir / name, workdir / name)
        out = subprocess.run(["make", f"PG_CONFIG={pg_config}", "with_llvm=no"], cwd=workdir,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise PrerequisiteError(f"building the {self.name} {self.what} failed:\n"
                                    f"{(out.stdout + out.stderr).strip()[-2000:]}")
        key = workdir / f"{self.name}.source-sha256"
        key.write_text(self.source_key() + "\n")
        return workdir / f"{self.name}.so", key

    def build_dir(self) -> tempfile.TemporaryDirectory[str]:
        """A scratch directory for a build (removed when its context ends)."""
        return tempfile.TemporaryDirectory(prefix=f"{self.name}-build-")


@cache
def _source_key(source_dir: Path, sources: tuple[str, ...]) -> str:
    """Computed once per process: every engine start asks for the rules module's."""
    digest = hashlib.sha256()
    for name in sources:
        digest.update((source_dir / name).read_bytes())
    return digest.hexdigest()


RULES = NativeModule("dbharness_rules", "server module",
                     "it applies the Supabase platform's rules for postgres",
                     HERE / "server", ("dbharness_rules.c", "Makefile"))
VECTOR_SCRIPT = "vector--0.8.0.sql"
VECTOR = NativeModule(
    "vector", "extension (offline pgvector)", "it stands in for pgvector, which Debian lacks",
    HERE / "vector",
    ("Makefile", "vector.h", "index.h", "vector.c", "common.c", "kernels.c", "halfvec.c",
     "sparsevec.c", "sparsemath.c", "bitvec.c", "settings.c", "pages.c", "index.c", "scan.c",
     "vector.control", VECTOR_SCRIPT),
    ("vector.control", VECTOR_SCRIPT))
MODULES = (RULES, VECTOR)

# The rules module, as the engines ask for it (pgbin refuses a server without the current builds).
NAME = RULES.name
SOURCE_DIR = RULES.source_dir
SOURCES = RULES.sources


def source_key() -> str:
    """The sha256 of the rules module's sources: the stamp its installed build carries."""
    return RULES.source_key()


def library(libdir: Path) -> Path:
    """Where the server loads the rules module from."""
    return RULES.library(libdir)


def stamp(libdir: Path) -> Path:
    """The file that says which source the installed rules module came from."""
    return RULES.stamp(libdir)


def installed(libdir: Path) -> bool:
    """True when libdir holds a build of the rules module."""
    return RULES.installed(libdir)


def current(libdir: Path) -> bool:
    """True when libdir holds a build of exactly the rules module's source."""
    return RULES.current(libdir)


def build(pg_config: Path, workdir: Path) -> tuple[Path, Path]:
    """Build the rules module with PGXS in workdir; returns the library and its stamp."""
    return RULES.build(pg_config, workdir)


def build_dir() -> tempfile.TemporaryDirectory[str]:
    """A scratch directory for a build of the rules module."""
    return RULES.build_dir()
