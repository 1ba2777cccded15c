"""dbharness setup installs the offline extensions, pg_cron in place of Debian's, and says so."""

from pathlib import Path

from dbharness.engines.pgbin import PgBinaries
from dbharness.hosted import compat
from dbharness.tools import setup

DEBIAN_CONTROL = ("comment = 'Job scheduler for PostgreSQL'\ndefault_version = '1.4-1'\n"
                  "module_pathname = '$libdir/pg_cron'\nrelocatable = false\n")


def fake_server(tmp_path: Path) -> tuple[PgBinaries, Path]:
    """A bin dir whose pg_config names a share dir of our own (major 97 has no Debian dir)."""
    extdir = tmp_path / "share" / "extension"
    extdir.mkdir(parents=True)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "pg_config").write_text(f"#!/bin/sh\necho {tmp_path / 'share'}\n")
    (bindir / "pg_config").chmod(0o755)
    return PgBinaries(bindir, 97), extdir


def test_debians_pg_cron_control_is_replaced_by_the_offline_one_and_setup_says_so(tmp_path):
    bins, extdir = fake_server(tmp_path)
    (extdir / "pg_cron.control").write_text(DEBIAN_CONTROL)
    (extdir / "pg_cron--1.0.sql").write_text("-- Debian's\n")
    said: list[str] = []
    setup.ensure_offline(bins, said.append)
    ours = compat.EXTENSIONS_DIR / "pg_cron.control"
    assert (extdir / "pg_cron.control").read_bytes() == ours.read_bytes()
    assert (extdir / "pg_cron--1.6.sql").exists() and (extdir / "pgmq--1.4.4.sql").exists()
    assert (extdir / "pg_cron--1.0.sql").read_text() == "-- Debian's\n"  # the rest of Debian's is left
    assert said[0].startswith("pg_cron: the pg_cron.control of version 1.4-1 (Debian's package) in ")
    assert "replaced by the offline pg_cron 1.6" in said[0]
    assert said[-1].startswith("offline ") and "pg_cron" in said[-1] and "pgmq" in said[-1]
    again: list[str] = []
    setup.ensure_offline(bins, again.append)
    assert len(again) == 1 and again[0].startswith("offline ")


def test_a_machine_without_debians_pg_cron_gets_the_offline_one_without_a_word_of_replacing(tmp_path):
    bins, extdir = fake_server(tmp_path)
    said: list[str] = []
    setup.ensure_offline(bins, said.append)
    assert (extdir / "pg_cron.control").exists()
    assert not any("replaced" in line for line in said)


def test_pg_cron_is_no_longer_a_debian_package_to_install(tmp_path):
    bins, _ = fake_server(tmp_path)
    assert "pg_cron" not in setup.DEBIAN_EXTENSIONS
    assert setup.extension_packages(bins, {"pg_cron", "hypopg"}) == ["postgresql-97-hypopg"]
