"""dbharness setup's decisions: what is missing, and the one command that installs all of it."""

import pytest

from dbharness.engines.pgbin import PgBinaries
from dbharness.errors import PrerequisiteError
from dbharness.progress import quiet
from dbharness.tools import setup


def fake_server(tmp_path, major: int, with_pgtap: bool) -> PgBinaries:
    """A bin dir whose pg_config points at a share dir of our own (major 97 has no Debian dir)."""
    share = tmp_path / "share"
    (share / "extension").mkdir(parents=True)
    if with_pgtap:
        (share / "extension" / "pgtap.control").write_text("default_version = '1.2.0'\n")
        (share / "extension" / "plpgsql_check.control").write_text("default_version = '2.3'\n")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "pg_config").write_text(f"#!/bin/sh\necho {share}\n")
    (bindir / "pg_config").chmod(0o755)
    return PgBinaries(bindir, major)


def test_everything_missing_is_named_with_one_command_that_installs_it(monkeypatch, tmp_path):
    monkeypatch.setattr(setup, "_can_apt", lambda: False)
    monkeypatch.setattr(setup.shutil, "which", lambda name: None)  # no pg_prove either
    with pytest.raises(PrerequisiteError) as err:
        setup.ensure_pgtap(fake_server(tmp_path, 97, with_pgtap=False), quiet)
    text = str(err.value)
    assert ("missing for PostgreSQL 97: postgresql-97-pgtap, postgresql-97-plpgsql-check, "
            "libtap-parser-sourcehandler-pgtap-perl") in text
    assert ("run as root (or prefix each command with sudo): apt-get update && apt-get install -y "
            "--no-install-recommends postgresql-97-pgtap postgresql-97-plpgsql-check "
            "libtap-parser-sourcehandler-pgtap-perl, then dbharness setup again") in text


def test_nothing_missing_installs_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(setup, "_can_apt", lambda: pytest.fail("must not try to install"))
    monkeypatch.setattr(setup.shutil, "which", lambda name: "/usr/bin/pg_prove")
    said: list[str] = []
    setup.ensure_pgtap(fake_server(tmp_path, 97, with_pgtap=True), said.append)
    assert said == ["pgTAP: installed for PostgreSQL 97; pg_prove: /usr/bin/pg_prove"]


def test_detection_reads_the_servers_own_share_directory(tmp_path):
    assert setup.missing_packages(fake_server(tmp_path / "a", 97, with_pgtap=True)) in (
        [], ["libtap-parser-sourcehandler-pgtap-perl"])
    assert setup.missing_packages(fake_server(tmp_path / "b", 97, with_pgtap=False))[0] == "postgresql-97-pgtap"


def test_install_command():
    assert setup.install_command(["a", "b"]) == ["apt-get", "install", "-y", "--no-install-recommends", "a", "b"]
