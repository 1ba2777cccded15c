"""`invoke setup`: check prerequisites and install pgTAP for the local PostgreSQL when possible."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

from dbharness.engines.local import server_os_user
from dbharness.engines.pgbin import PgBinaries, find_binaries, pgtap_control
from dbharness.errors import PrerequisiteError

APT_INSTALL = ("apt-get", "install", "-y", "--no-install-recommends")


def pgtap_installed(bins: PgBinaries) -> bool:
    """True when the server's extension directory holds pgtap.control."""
    return pgtap_control(bins).exists()


def pgtap_package(major: int) -> str:
    """Debian's pgTAP package for a PostgreSQL major version."""
    return f"postgresql-{major}-pgtap"


def install_command(major: int) -> list[str]:
    """The apt-get command that installs pgTAP for this major version."""
    return [*APT_INSTALL, pgtap_package(major)]


def _can_apt() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_pgtap(bins: PgBinaries, report: Callable[[str], None]) -> None:
    """Install postgresql-<N>-pgtap as root on Debian/Ubuntu; otherwise say the exact command."""
    if pgtap_installed(bins):
        report(f"pgTAP: installed for PostgreSQL {bins.major}")
        return
    cmd = install_command(bins.major)
    if not _can_apt():
        raise PrerequisiteError(
            f"pgTAP is not installed for PostgreSQL {bins.major}. Run as root: "
            f"apt-get update && {' '.join(cmd)}")
    out = _apt_install([pgtap_package(bins.major)], report)
    if out.returncode != 0 or not pgtap_installed(bins):
        raise PrerequisiteError(f"installing pgTAP failed:\n{out.stderr.strip()[-2000:]}")
    report(f"pgTAP: installed for PostgreSQL {bins.major}")


SERVER_PACKAGE = "postgresql-15"


def _apt_install(packages: list[str], report: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    cmd = [*APT_INSTALL, *packages]
    report(f"installing: {' '.join(cmd)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:  # a fresh machine has no package lists yet
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return out


def ensure_server(pg_bindir: str | None, report: Callable[[str], None]) -> PgBinaries:
    """The server binaries; as root on Debian/Ubuntu, installs PostgreSQL 15 when none are found."""
    try:
        return find_binaries(pg_bindir)
    except PrerequisiteError:
        if pg_bindir or not _can_apt():
            raise
    out = _apt_install([SERVER_PACKAGE, pgtap_package(15)], report)
    if out.returncode != 0:
        raise PrerequisiteError(f"installing {SERVER_PACKAGE} failed:\n{out.stderr.strip()[-2000:]}")
    return find_binaries(pg_bindir)


def check(pg_bindir: str | None, report: Callable[[str], None]) -> PgBinaries:
    """Every prerequisite of the local engine, installing PostgreSQL and pgTAP when it can."""
    bins = ensure_server(pg_bindir, report)
    report(f"PostgreSQL {bins.major}: {bins.bindir}")
    owner = server_os_user()
    report(f"server runs as: {owner.name if owner else 'the current user'}")
    ensure_pgtap(bins, report)
    squawk = shutil.which("squawk")
    report(f"squawk: {squawk or 'missing (pip install squawk-cli); needed by invoke lint'}")
    return bins
