"""invoke setup's decisions when pgTAP is missing and it may not install it."""

from pathlib import Path

import pytest

from dbharness import prerequisites as setup
from dbharness.engines.pgbin import PgBinaries
from dbharness.errors import PrerequisiteError


def test_missing_pgtap_without_apt_says_the_exact_command(monkeypatch, tmp_path):
    monkeypatch.setattr(setup, "_can_apt", lambda: False)
    bins = PgBinaries(tmp_path, 97)  # no such server: no pgtap.control anywhere for it
    with pytest.raises(PrerequisiteError) as err:
        setup.ensure_pgtap(bins, lambda _m: None)
    assert "apt-get update && apt-get install -y --no-install-recommends postgresql-97-pgtap" in str(err.value)


def test_install_command_matches_the_major_version():
    assert setup.install_command(15)[-1] == "postgresql-15-pgtap"


def test_installed_pgtap_is_detected_for_this_server():
    bins = PgBinaries(Path("/usr/lib/postgresql/15/bin"), 15)
    assert setup.pgtap_installed(bins) is Path("/usr/share/postgresql/15/extension/pgtap.control").exists()
