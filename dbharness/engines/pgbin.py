"""Find the PostgreSQL server binaries: explicit setting, pg_config, Debian's dirs, then PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dbharness.errors import PrerequisiteError
from dbharness.hosted import server_module

NEEDED = ("initdb", "postgres", "pg_ctl")
DEBIAN_GLOB = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class PgBinaries:
    """A directory holding initdb, postgres and pg_ctl, and their major version."""

    bindir: Path
    major: int

    def path(self, name: str) -> str:
        return str(self.bindir / name)


def _has_all(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in NEEDED)


def _pg_config_bindir() -> Path | None:
    exe = shutil.which("pg_config")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--bindir"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def _debian_dirs() -> list[Path]:
    def major(p: Path) -> int:
        m = re.search(r"/(\d+)/bin$", str(p))
        return int(m.group(1)) if m else 0

    return sorted(Path("/").glob(DEBIAN_GLOB.lstrip("/")), key=major, reverse=True)


def _path_dir() -> Path | None:
    exe = shutil.which("initdb")
    return Path(exe).resolve().parent if exe else None


def candidates(explicit: str | None) -> list[tuple[str, Path | None]]:
    """Every place searched, in order, labelled by where the idea came from."""
    places: list[tuple[str, Path | None]] = []
    if explicit:
        places.append(("setting pg_bindir / DBHARNESS_PG_BINDIR", Path(explicit)))
    places.append(("pg_config --bindir", _pg_config_bindir()))
    places.extend((DEBIAN_GLOB, p) for p in _debian_dirs())
    if not _debian_dirs():
        places.append((DEBIAN_GLOB, None))
    places.append(("PATH (initdb)", _path_dir()))
    return places


def sharedir(bins: PgBinaries) -> Path:
    """The server's share directory (extensions live in its extension/ subdirectory)."""
    debian = Path(f"/usr/share/postgresql/{bins.major}")
    if debian.is_dir():
        return debian
    pg_config = bins.bindir / "pg_config"  # never PATH's: it may belong to another version
    if pg_config.exists():
        out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True)
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return debian


def extension_dir(bins: PgBinaries) -> Path:
    """Where the server looks for extensions' control and SQL files."""
    return sharedir(bins) / "extension"


def pgtap_control(bins: PgBinaries) -> Path:
    """Where pgtap.control is when pgTAP is installed for this server."""
    return extension_dir(bins) / "pgtap.control"


def libdir(bins: PgBinaries) -> Path:
    """The server's library directory (its modules: pg_cron.so, dbharness_rules.so, ...)."""
    return bins.bindir.parent / "lib"


def preload_settings(bins: PgBinaries) -> dict[str, str]:
    """Server settings for the modules that must be preloaded: dbharness_rules (the platform's
    rules for postgres, see hosted/rules.py), and cron.database_name = postgres, the database
    migrations run in, as on Supabase. Every native module's build must be current."""
    for module in server_module.MODULES:
        if not module.current(libdir(bins)):
            state = "an older build of" if module.installed(libdir(bins)) else "no build of"
            raise PrerequisiteError(
                f"PostgreSQL {bins.major} has {state} the harness's {module.name} {module.what} "
                f"({module.purpose}); build and install it with: dbharness setup")
    # pg_cron is the offline one (hosted/extensions): no library to preload, even where Debian's
    # pg_cron.so is installed; the setting is read by its SQL (where create extension may run,
    # the database of a job), so the server keeps it as a placeholder.
    return {"shared_preload_libraries": server_module.NAME, "cron.database_name": "postgres"}


def server_major(bindir: Path) -> int:
    """The major version that bindir's postgres reports."""
    out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True,
                         text=True, timeout=10)
    m = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if not m:
        raise PrerequisiteError(f"cannot read the version of {bindir / 'postgres'}: {out.stdout!r}")
    return int(m.group(1))


def search_key(explicit: str | None) -> str:
    """What the search's answer depends on, read without running anything: the setting, PATH,
    which pg_config it finds (and that file's identity), and the Debian directories there are."""
    exe = shutil.which("pg_config")
    seen = Path(exe).stat() if exe else None
    return repr((explicit, os.environ.get("PATH", ""), exe, seen and (seen.st_size, seen.st_mtime_ns),
                 [str(p) for p in _debian_dirs()]))


def complete(bindir: Path) -> bool:
    """True when bindir holds every binary the harness runs."""
    return _has_all(bindir)


def find_binaries(explicit: str | None = None) -> PgBinaries:
    """The first candidate directory holding every needed binary, or an error listing them all."""
    tried = []
    for label, place in candidates(explicit):
        if place is not None and _has_all(place):
            return PgBinaries(place, server_major(place))
        tried.append(f"  - {label}: {place if place else 'nothing found'}")
        if explicit and label.startswith("setting"):
            raise PrerequisiteError(
                f"pg_bindir is set to {explicit} but it lacks one of {', '.join(NEEDED)}; "
                "fix the setting or unset it to search automatically"
            )
    raise PrerequisiteError(
        "no PostgreSQL server binaries (initdb, postgres, pg_ctl) were found. Searched:\n"
        + "\n".join(tried)
        + "\nInstall them with: apt-get install postgresql-15 (Debian/Ubuntu), "
        "or set DBHARNESS_PG_BINDIR to the directory that holds initdb."
    )
