"""The cluster template cache survives a concurrent `invoke clean` and never shows half a template."""

import shutil

from dbharness.engines import template


def test_a_clean_during_the_build_does_not_break_it(tmp_path, monkeypatch):
    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(tmp_path / "cache"))

    def build(dest):
        shutil.rmtree(tmp_path / "cache", ignore_errors=True)  # a concurrent clean, mid-build
        dest.mkdir()
        (dest / "PG_VERSION").write_text("15\n")
        assert not (tmp_path / "cache" / "k1").exists()  # nobody sees it before it is whole

    target = template.get_or_build("k1", build)
    assert (target / "PG_VERSION").read_text() == "15\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]  # no staging left behind


def test_a_failed_build_leaves_nothing(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("DBHARNESS_CACHE_DIR", str(tmp_path / "cache"))

    def build(dest):
        dest.mkdir()
        raise RuntimeError("initdb failed")

    with pytest.raises(RuntimeError):
        template.get_or_build("k2", build)
    assert [p.name for p in tmp_path.iterdir()] == []
