"""Finding the PostgreSQL server binaries, and the message when there are none."""

import pytest

from dbharness.engines import pgbin
from dbharness.errors import PrerequisiteError


def test_explicit_directory_without_binaries_is_refused(tmp_path):
    with pytest.raises(PrerequisiteError, match="lacks one of initdb, postgres, pg_ctl"):
        pgbin.find_binaries(str(tmp_path))


def test_no_binaries_anywhere_lists_every_place_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pgbin, "DEBIAN_GLOB", str(tmp_path / "lib" / "*" / "bin"))
    with pytest.raises(PrerequisiteError) as err:
        pgbin.find_binaries(None)
    text = str(err.value)
    for place in ("pg_config --bindir", "lib/*/bin", "PATH (initdb)", "apt-get install postgresql-15"):
        assert place in text


def test_highest_debian_version_first(tmp_path, monkeypatch):
    for major in ("13", "15", "9"):
        (tmp_path / major / "bin").mkdir(parents=True)
    monkeypatch.setattr(pgbin, "DEBIAN_GLOB", str(tmp_path / "*" / "bin"))
    assert [p.parent.name for p in pgbin._debian_dirs()] == ["15", "13", "9"]
